package dev.sansraft.node;

import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;

import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStore} kept in memory, for tests and for embedders that accept losing the log with the process.
 * "Durable" here means "survives the node": {@link #close()} keeps the contents, so a new {@link RaftNode} built on
 * the same store models a restart of the same server.
 *
 * <p>Thread-safe: every method takes this store's monitor, so any number of writers and readers may share it.
 * {@link #sync()} is a no-op that only counts calls.
 */
public final class InMemoryLogStore implements LogStore {

    private final InMemoryLog log = new InMemoryLog();
    private HardState hardState = HardState.INITIAL;
    private long syncCount;

    /** An empty store: no entries, {@link HardState#INITIAL}. */
    public InMemoryLogStore() {
    }

    @Override
    public synchronized long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public synchronized long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public synchronized long term(long index) {
        if (index == 0) {
            return 0;
        }
        return log.term(index);
    }

    @Override
    public synchronized List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return log.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    /**
     * The entry at {@code index}; for tests.
     *
     * @param index an index the log holds
     * @return the entry
     */
    public synchronized LogEntry entry(long index) {
        return log.entry(index);
    }

    @Override
    public synchronized void append(List<LogEntry> entries) {
        log.append(entries);
    }

    @Override
    public synchronized void truncateSuffix(long fromIndex) {
        log.truncateSuffix(fromIndex);
    }

    @Override
    public synchronized void compactPrefix(long upToIndex) {
        log.compactPrefix(upToIndex);
    }

    @Override
    public synchronized void resetTo(long index, long term) {
        log.resetTo(index, term);
    }

    @Override
    public synchronized void sync() {
        syncCount++;
    }

    /** {@return how many times {@link #sync()} was called; lets tests check that writes are group-committed} */
    public synchronized long syncCount() {
        return syncCount;
    }

    @Override
    public synchronized HardState loadHardState() {
        return hardState;
    }

    @Override
    public synchronized void saveHardState(HardState state) {
        this.hardState = Objects.requireNonNull(state, "hard state");
    }

    /** Keeps the contents, so that a later node can reopen this store as if after a restart. */
    @Override
    public void close() {
        // Nothing to release.
    }

    /** False: the entries live on the heap and die with the process. */
    @Override
    public boolean isDurable() {
        return false;
    }
}
