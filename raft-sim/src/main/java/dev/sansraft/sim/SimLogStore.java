package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.node.LogStore;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The {@link LogStore} of one incarnation of a simulated {@link dev.sansraft.node.RaftNode}, on the node's
 * {@link SimDisk}: writes change the in-memory view at once and queue on the disk; {@link #sync()} makes every queued
 * write durable (what a crash keeps is the disk's business); hard state is durable when saved. The disk's latency is
 * not spent here, since a round of the single simulation thread cannot block: the simulator delays the storage stage's
 * rounds instead, so writes queue up meanwhile and share a sync, as with group commit.
 *
 * <p>With invariant checking on, the {@link InvariantChecker} sees every append and hard-state save.
 *
 * <p>Not thread-safe: the simulation's single thread.
 */
final class SimLogStore implements LogStore {

    private final int slot;
    private final SimDisk disk;
    private final InMemoryLog log;
    private final InvariantChecker checker;
    private final BooleanSupplier lying;
    private final LongConsumer onReset;

    /** A store holding exactly what {@code disk} made durable; {@code checker} null when invariants are off. */
    SimLogStore(int slot, SimDisk disk, InvariantChecker checker) {
        this(slot, disk, checker, () -> false, index -> { });
    }

    /**
     * As above, with a test-only sabotage: while {@code lying} holds, {@link #sync()} returns without syncing, so the
     * node takes unsynced writes for durable and a crash loses them (a disk that lies about fsync). {@code onReset}
     * hears the index of every {@link #resetTo}.
     */
    SimLogStore(int slot, SimDisk disk, InvariantChecker checker, BooleanSupplier lying, LongConsumer onReset) {
        this.slot = slot;
        this.disk = disk;
        this.log = disk.rebuildLog();
        this.checker = checker;
        this.lying = lying;
        this.onReset = onReset;
    }

    /** The in-memory view (what the node reads), for checks and reports. */
    InMemoryLog log() {
        return log;
    }

    @Override
    public long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public long term(long index) {
        return log.term(index);
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return log.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    @Override
    public void append(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        if (checker != null) {
            checker.onAppend(slot, log, entries);
        }
        log.append(entries);
        disk.write(new Action.AppendLog(entries, 0));
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        log.truncateSuffix(fromIndex);
        disk.write(new Action.TruncateLog(fromIndex));
    }

    @Override
    public void compactPrefix(long upToIndex) {
        log.compactPrefix(upToIndex);
        disk.write(new Action.CompactLog(upToIndex));
    }

    @Override
    public void resetTo(long index, long term) {
        log.resetTo(index, term);
        disk.write(new Action.ResetLog(index, term));
        onReset.accept(index);
    }

    @Override
    public void sync() {
        if (disk.needsSync() && !lying.getAsBoolean()) {
            disk.completeSync(disk.startSync());
        }
    }

    @Override
    public HardState loadHardState() {
        return disk.hardState();
    }

    @Override
    public void saveHardState(HardState state) {
        if (checker != null) {
            checker.onHardState(slot, state);
        }
        disk.writeHardState(state);
    }

    @Override
    public void close() {
        // The disk outlives the incarnation; nothing to release.
    }
}
