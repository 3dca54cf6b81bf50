package dev.sansraft.node;

/**
 * How fresh a {@link RaftNode#query} must be. {@link #LINEARIZABLE} is the default everywhere.
 */
public enum ReadConsistency {
    /**
     * The read reflects every write acknowledged before it was issued: the leader confirms its leadership with one
     * heartbeat round acknowledged by a quorum (ReadIndex, Raft thesis §6.4), and the read runs once the local state
     * machine has applied the read index. Works on followers too (they ask the leader for the index).
     */
    LINEARIZABLE,
    /**
     * Like {@link #LINEARIZABLE}, but a leader holding a valid lease skips the heartbeat round. Correct only while
     * clocks drift less than the configured bound (thesis §6.4.1); falls back to a heartbeat round otherwise.
     */
    LEASE,
    /**
     * Served at once from this node's state machine, on any node, without contacting anyone: it may miss recent
     * writes, and two stale reads may even go back in time across nodes.
     */
    STALE
}
