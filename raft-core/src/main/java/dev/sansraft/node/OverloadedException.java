package dev.sansraft.node;

/**
 * The leader refused a proposal because too many uncommitted bytes are in flight
 * ({@link dev.sansraft.core.RaftConfig#maxUncommittedBytes()}). The command had no effect; retry after a back-off.
 *
 * <p>Immutable; thread-safe.
 */
public final class OverloadedException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * A request refused because a queue is full.
     *
     * @param message which queue, and its bound
     */
    public OverloadedException(String message) {
        super(message);
    }
}
