package dev.sansraft.node;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.LogView;

import java.io.IOException;
import java.util.List;

/**
 * Durable storage for one node's log and hard state.
 *
 * <p>Writes and durability are separate steps so that a runtime can group-commit: {@link #append} and
 * {@link #truncateSuffix} change the log and make the change visible to readers at once, and {@link #sync()} makes
 * every change made before it durable. Entries are acknowledged to Raft only after the {@code sync()} that covers
 * them has returned.
 *
 * <p>Thread-safety: implementations are safe for one writer thread plus concurrent readers of the
 * {@link LogView} methods; {@link #sync()} may be called from any thread, and concurrent calls share one flush
 * where they can. {@link RaftNode} calls {@link #loadHardState()} once in {@code start()} (and, when its newest
 * snapshot lies beyond the log, {@link #resetTo} and {@link #sync} before any of its threads start), then every write
 * method ({@link #append}, {@link #truncateSuffix}, {@link #compactPrefix}, {@link #resetTo},
 * {@link #saveHardState}, {@link #sync}) from its storage thread only, in the order the core emitted them, and the
 * {@link LogView} methods from its event loop. It reads an entry only after the {@code sync()} covering it has
 * returned, and closes the store in {@code close()}, after the storage thread has stopped.
 *
 * <p>Failure: an {@link IOException} from a write or a sync means the store can no longer promise durability;
 * from then on every write must fail too (fail-stop). Invalid arguments throw {@link IllegalArgumentException}
 * and leave the store unchanged.
 */
public interface LogStore extends LogView, AutoCloseable {

    /**
     * Appends contiguous entries starting at {@code lastIndex() + 1}. Not durable until {@link #sync()}.
     *
     * @param entries the entries, contiguous from {@code lastIndex() + 1}
     * @throws IOException if the write fails; the node then stops
     */
    void append(List<LogEntry> entries) throws IOException;

    /**
     * Removes the entry at {@code fromIndex} and all after it. Not durable until {@link #sync()}.
     *
     * @param fromIndex the first index to remove
     * @throws IOException if the write fails; the node then stops
     */
    void truncateSuffix(long fromIndex) throws IOException;

    /**
     * Discards entries up to and including {@code upToIndex}, which a durable snapshot covers. {@link #term(long)}
     * keeps answering for {@code upToIndex}.
     *
     * @param upToIndex the last index to discard
     * @throws IOException if the write fails; the node then stops
     */
    void compactPrefix(long upToIndex) throws IOException;

    /**
     * Discards every entry and makes the log continue after {@code (index, term)}, the position of an installed
     * snapshot the log did not match (Raft §7): afterwards {@code firstIndex() == index + 1},
     * {@code lastIndex() == index} and {@code term(index) == term}. {@code index} may lie before, inside or past the
     * current log. Not durable until {@link #sync()}; a crash before that leaves either the old log or the reset one.
     *
     * @param index the installed snapshot's last included index
     * @param term the term of {@code index}
     * @throws IOException if the write fails; the node then stops
     */
    void resetTo(long index, long term) throws IOException;

    /**
     * Makes every earlier append and truncation durable.
     *
     * @throws IOException if the sync fails; the node then stops, since nothing after the last good sync may be
     *     acknowledged
     */
    void sync() throws IOException;

    /**
     * The last durably saved hard state, or {@link HardState#INITIAL}.
     *
     * @return the hard state
     * @throws IOException if it cannot be read
     */
    HardState loadHardState() throws IOException;

    /**
     * Saves the hard state durably before returning.
     *
     * @param state the term and vote to save
     * @throws IOException if the write fails; the node then stops
     */
    void saveHardState(HardState state) throws IOException;

    /**
     * Whether what this store holds survives a restart of the process. {@link RaftNode.Builder#build()} refuses a
     * durable log paired with a snapshot store that is not durable: once such a log is compacted, the entries before
     * its first index live only in a snapshot, and a restarted node that finds none refuses to start. Default true,
     * the safe assumption for that check; an in-memory store answers false.
     *
     * @return true if the log and hard state survive a restart
     */
    default boolean isDurable() {
        return true;
    }

    @Override
    void close() throws IOException;
}
