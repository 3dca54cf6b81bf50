package dev.sansraft.core;

/** The role a node plays in its current term. Immutable. */
public enum Role {
    FOLLOWER,
    /** Running a PreVote round (Raft thesis §9.6): asks whether it could win before disturbing anyone's term. */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
