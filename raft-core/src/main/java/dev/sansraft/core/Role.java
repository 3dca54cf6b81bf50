package dev.sansraft.core;

/** The role a node plays in its current term. Immutable. */
public enum Role {
    /** Waits for a leader's messages; votes when asked. */
    FOLLOWER,
    /** Running a PreVote round (Raft thesis §9.6): asks whether it could win before disturbing anyone's term. */
    PRE_CANDIDATE,
    /** Campaigns for votes in a new term (Raft §5.2). */
    CANDIDATE,
    /** Accepts proposals and replicates the log (Raft §5.3). */
    LEADER
}
