package dev.sansraft.node;

import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's replicated state machine.
 *
 * <p>{@link #apply} is called with every committed {@link dev.sansraft.core.EntryKind#NORMAL} entry, exactly once
 * per entry, in index order, from a single apply thread. It must be deterministic: the same entries in the same order
 * must produce the same state and results on every node. {@link #query} is called from the same apply thread, between
 * applies, so an implementation needs no locking of its own.
 *
 * <p>Snapshots (Raft §7): {@link #writeSnapshot} and {@link #restoreSnapshot} are optional. A state machine that
 * implements them lets the log be compacted and lets a lagging follower catch up from a snapshot instead of from
 * entries it no longer has.
 */
public interface StateMachine {

    /**
     * Applies a committed command and returns the result handed to the proposer.
     *
     * @return the result bytes; never null (use an empty array)
     */
    byte[] apply(LogEntry entry);

    /**
     * Answers a read-only query against the current state. Used for linearizable reads once the read index has been
     * applied.
     *
     * @throws UnsupportedOperationException if this state machine serves no queries (the default)
     */
    default byte[] query(byte[] request) {
        throw new UnsupportedOperationException(getClass().getName() + " does not serve queries");
    }

    /**
     * Writes the state as of the last applied entry to {@code out}, as a stream of bytes that {@link
     * #restoreSnapshot} accepts.
     *
     * <p>Called on the apply thread, between applies, so the state it sees is exactly the state after the last
     * applied entry; the runtime records that entry's index and term as the snapshot's last included index and term.
     * No entry is applied while this method runs. An implementation whose state is large and that does not want to
     * pause applying for the length of the write should capture an immutable or copy-on-write view of its state
     * here, return quickly, and stream that view from another thread; the runtime then hands it an {@code out} that
     * may be written from any one thread until it is closed. A simple implementation just writes everything before
     * returning.
     *
     * <p>The stream must never require the whole snapshot in memory: write it incrementally. Do not close
     * {@code out}; the caller owns it and decides whether the snapshot is committed.
     *
     * @throws IOException                   if {@code out} fails; the snapshot is then abandoned, the state is
     *                                       unchanged
     * @throws UnsupportedOperationException if this state machine takes no snapshots (the default)
     */
    default void writeSnapshot(OutputStream out) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not write snapshots");
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
     * @throws IOException                   if {@code in} fails or holds bytes this state machine cannot decode
     * @throws UnsupportedOperationException if this state machine takes no snapshots (the default)
     */
    default void restoreSnapshot(InputStream in) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not restore snapshots");
    }
}
