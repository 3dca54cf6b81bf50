package dev.sansraft.node;

/**
 * The node was closed (or stopped itself after a fatal storage or internal error, given as the cause) before the
 * request completed. Whether a proposal that fails this way was applied is unknown.
 *
 * <p>Immutable; thread-safe.
 */
public final class NodeClosedException extends RaftException {

    private static final long serialVersionUID = 1L;

    public NodeClosedException(String message) {
        super(message);
    }

    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
