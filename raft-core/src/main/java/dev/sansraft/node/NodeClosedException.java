package dev.sansraft.node;

/**
 * The node was closed (or stopped itself after a fatal storage or internal error, given as the cause) before the
 * request completed. Whether a proposal that fails this way was applied is unknown.
 *
 * <p>Immutable; thread-safe.
 */
public final class NodeClosedException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * A node that is closed or closing.
     *
     * @param message what was refused, naming the node
     */
    public NodeClosedException(String message) {
        super(message);
    }

    /**
     * A node that is closed or closing, with the error that stopped it.
     *
     * @param message what was refused, naming the node
     * @param cause the fatal error that stopped the node
     */
    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
