package dev.sansraft.node;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The sink of one snapshot being written, returned by {@link SnapshotStore#begin}. Bytes written here are the
 * state machine's payload; they are streamed towards storage as they come and are never all held in memory.
 *
 * <p>Life cycle: write the payload, then either {@link #commit()}, which makes the snapshot durable and visible in
 * one atomic step, or {@link #abort()}, which discards it. {@link #close()} without a commit aborts, so a
 * try-with-resources block never leaves a half-written snapshot visible. After either, every write throws
 * {@link IllegalStateException}.
 *
 * <p>Not thread-safe: owned by one thread at a time (a state machine may hand it to a background thread that streams
 * a copy-on-write view, as long as only that thread writes and commits).
 */
public abstract class SnapshotWriter extends OutputStream {

    /** For implementations. */
    protected SnapshotWriter() {
    }

    /**
     * Makes the snapshot durable and the newest one in its store, then returns its metadata. Older snapshots beyond
     * the store's retention are removed only after this one is durable.
     *
     * @return the committed snapshot's metadata
     * @throws IOException if the snapshot could not be made durable; it is then discarded and the previous snapshots
     *                     are untouched
     */
    public abstract SnapshotMeta commit() throws IOException;

    /** Discards the snapshot. Idempotent; does nothing after {@link #commit()}. Never throws for I/O. */
    public abstract void abort();

    /** Aborts unless committed. */
    @Override
    public void close() {
        abort();
    }
}
