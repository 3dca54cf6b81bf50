package dev.sansraft.node;

/**
 * Told when the leader a node knows of changes. Called on the node's apply thread, in order with applied entries;
 * an implementation must be quick and must not block (hand work to another executor if needed). An exception it
 * throws is logged and ignored.
 */
@FunctionalInterface
public interface LeaderChangeListener {

    /**
     * @param leaderId the new leader, or 0 when this node no longer knows a leader (for example after the leader was
     *                 lost and an election is running)
     * @param term     the term of that knowledge
     */
    void onLeaderChange(long leaderId, long term);
}
