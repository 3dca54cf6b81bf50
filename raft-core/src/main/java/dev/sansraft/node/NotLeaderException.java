package dev.sansraft.node;

/**
 * This node is not the leader, so it cannot accept a proposal or give a read index. {@link #leaderHint()} names the
 * leader this node knows of, or 0 when none is known (an election is probably running: retry shortly).
 *
 * <p>Immutable; thread-safe.
 */
public final class NotLeaderException extends RaftException {

    private static final long serialVersionUID = 1L;

    /** The leader's id as the rejecting node knows it, or 0 when unknown. */
    private final long leaderHint;

    /**
     * A request refused by a node that is not the leader.
     *
     * @param nodeId the refusing node
     * @param leaderHint the leader it knows of, or 0
     */
    public NotLeaderException(long nodeId, long leaderHint) {
        super("node " + nodeId + " is not the leader; "
                + (leaderHint == 0 ? "no leader is known" : "the leader is node " + leaderHint));
        this.leaderHint = leaderHint;
    }

    /** {@return the leader's id as known by the rejecting node, or 0 when unknown} */
    public long leaderHint() {
        return leaderHint;
    }
}
