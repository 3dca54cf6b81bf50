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

    public NodeClosedException(String message) {
        super(message);
    }

    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
