package dev.sansraft.kv;

/**
 * The state machine refused a command or query (or {@link KvStore} found its result inconsistent with the request);
 * nothing was changed by it. Delivered as the cause of a failed {@link KvStore} future. Immutable; thread-safe.
 */
public final class KvRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the state machine refused the command. */
    private final KvError error;
    /** The log index of the refused entry, or the applied index for a refused query. */
    private final long index;

    KvRejectedException(KvError error, String message, long index) {
        super(error + ": " + message + " (log index " + index + ")");
        this.error = error;
        this.index = index;
    }

    /** {@return why it was refused} */
    public KvError error() {
        return error;
    }

    /** {@return the log index of the refused entry, or the applied index for a refused query} */
    public long index() {
        return index;
    }
}
