package dev.sansraft.core;

import java.util.List;

/**
 * A point-in-time snapshot of one node's Raft state. Immutable and thread-safe.
 *
 * @param id           this node
 * @param role         its role
 * @param term         its current term
 * @param leaderId     the leader it knows for {@code term}, or 0
 * @param commitIndex  highest index known committed
 * @param appliedIndex highest index handed to the state machine in an {@link Action.Apply}
 * @param lastLogIndex last index in its log, durable or not
 * @param members      every voting member, this node included, in ascending id order
 * @param peers        replication progress per follower, in ascending id order; empty unless leader
 * @param snapshotIndex the last included index of the newest durable snapshot, 0 if none
 */
public record RaftStatus(long id, Role role, long term, long leaderId, long commitIndex, long appliedIndex,
                         long lastLogIndex, List<Long> members, List<PeerProgress> peers,
                         long snapshotIndex) {

    public RaftStatus {
        members = List.copyOf(members);
        peers = List.copyOf(peers);
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }
}
