package dev.sansraft.node;

/**
 * The node was closed (or stopped itself after a fatal storage or internal error, given as the cause) before the
 * request reached its log or was served: the request had no effect, and retrying it on another node is safe. A
 * proposal the node had already accepted into its log fails with {@link OutcomeUnknownException} instead, with this
 * exception as its cause, since it may still take effect through the other nodes.
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
