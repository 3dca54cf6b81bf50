package dev.sansraft.node;

import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The user's replicated state machine.
 *
 * <p>{@link #apply} is called with every committed {@link dev.sansraft.core.EntryKind#NORMAL} entry, exactly once
 * per entry, in index order, from a single apply thread. It must be deterministic: the same entries in the same order
 * must produce the same state and results on every node. {@link #query} is called from the same apply thread, between
 * applies, so an implementation needs no locking of its own.
 *
 * <p>Snapshots (Raft §7): {@link #writeSnapshot}, {@link #captureSnapshot} and {@link #restoreSnapshot} are
 * optional. A state machine that implements them lets the log be compacted and lets a lagging follower catch up from
 * a snapshot instead of from entries it no longer has.
 */
public interface StateMachine {

    /**
     * Applies a committed command and returns the result handed to the proposer.
     *
     * @param entry the committed entry; its payload is the proposed command
     * @return the result bytes; never null (use an empty array)
     */
    byte[] apply(LogEntry entry);

    /**
     * Answers a read-only query against the current state. Used for linearizable reads once the read index has been
     * applied.
     *
     * @param request the query bytes
     * @return the answer bytes; never null
     * @throws UnsupportedOperationException if this state machine serves no queries (the default)
     */
    default byte[] query(byte[] request) {
        throw new UnsupportedOperationException(getClass().getName() + " does not serve queries");
    }

    /**
     * Writes the state as of the last applied entry to {@code out}, as a stream of bytes that {@link
     * #restoreSnapshot} accepts. The snapshot is complete when this method returns.
     *
     * <p>Called on the apply thread, between applies, so the state it sees is exactly the state after the last
     * applied entry; the runtime records that entry's index and term as the snapshot's last included index and term.
     * No entry is applied while this method runs, so applying pauses for the length of the write. A state machine
     * whose state is large should avoid that pause by overriding {@link #captureSnapshot()}: capture an immutable or
     * copy-on-write view on the apply thread, return at once, and let the runtime stream the view on another thread.
     *
     * <p>Write incrementally: the snapshot may be far larger than the heap and must never be built whole in memory.
     * Do not close {@code out}; the caller owns it and decides whether the snapshot is committed.
     *
     * @param out the stream to write the snapshot to; left open
     * @throws IOException                   if {@code out} fails; the snapshot is then abandoned, the state is
     *                                       unchanged
     * @throws UnsupportedOperationException if this state machine takes no snapshots (the default)
     */
    default void writeSnapshot(OutputStream out) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not write snapshots");
    }

    /**
     * Captures the state as of the last applied entry without writing it, so that the write does not pause applying.
     * Called on the apply thread, between applies, and must return quickly: take an immutable or copy-on-write view
     * (for example a persistent map's current root, or a version of a versioned map) and return a
     * {@link SnapshotSource} that streams that view. The runtime calls {@link SnapshotSource#writeTo} on another
     * thread while later entries are applied; entries applied after the capture must not show in the stream.
     *
     * @return the captured view, or empty (the default) if this state machine cannot capture one; the runtime then
     *         calls {@link #writeSnapshot} on the apply thread instead
     */
    default Optional<SnapshotSource> captureSnapshot() {
        return Optional.empty();
    }

    /**
     * Replaces the whole state with the one read from {@code in}, which holds bytes an earlier {@link
     * #writeSnapshot} produced (on this or another node). Called on the apply thread, with no apply in progress;
     * after it returns the next entry applied is the one after the snapshot's last included index.
     *
     * <p>Read {@code in} incrementally; it may be far larger than the heap. If reading fails part way, the state
     * machine must not be left half restored for the next apply: the runtime treats the exception as fatal to the
     * node (or retries the whole restore), so an implementation may build the new state aside and swap it in at the
     * end. Do not close {@code in}.
     *
     * @param in the stream positioned at the snapshot's first byte; left open
     * @throws IOException                   if {@code in} fails or holds bytes this state machine cannot decode
     * @throws UnsupportedOperationException if this state machine takes no snapshots (the default)
     */
    default void restoreSnapshot(InputStream in) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not restore snapshots");
    }
}
