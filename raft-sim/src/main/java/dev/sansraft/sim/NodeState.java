package dev.sansraft.sim;

import dev.sansraft.core.RaftCore;
import dev.sansraft.core.Role;

/**
 * The few fields of a node's state the simulator checks after every step, read through {@link RaftCore}'s cheap
 * accessors rather than a full {@link dev.sansraft.core.RaftStatus}. Immutable.
 */
record NodeState(Role role, long term, long leaderId, long commitIndex, long appliedIndex, long lastLogIndex) {

    static NodeState of(RaftCore core) {
        return new NodeState(core.role(), core.term(), core.leaderId(), core.commitIndex(), core.appliedIndex(),
                core.lastLogIndex());
    }

    boolean isLeader() {
        return role == Role.LEADER;
    }
}
