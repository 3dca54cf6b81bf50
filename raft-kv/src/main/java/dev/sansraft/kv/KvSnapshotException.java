package dev.sansraft.kv;

import java.io.IOException;

/**
 * A snapshot given to {@link KvStateMachine#readSnapshot} is truncated, corrupt, or exceeds this state machine's
 * limits. The message names the problem and the byte offset within the snapshot; the state machine is left unchanged.
 * Thread-safe (immutable).
 */
public final class KvSnapshotException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Offset within the snapshot where the problem was found. */
    private final long offset;

    KvSnapshotException(String message, long offset, Throwable cause) {
        super("corrupt kv snapshot: " + message + " (at byte " + offset + ")", cause);
        this.offset = offset;
    }

    /** {@return the offset within the snapshot where the problem was found} */
    public long offset() {
        return offset;
    }
}
