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
 * @param membership   the configuration in effect (the newest in the log): voters, learners and the joint state
 * @param transferTarget the node a leadership transfer is handing over to, or 0
 */
public record RaftStatus(long id, Role role, long term, long leaderId, long commitIndex, long appliedIndex,
                         long lastLogIndex, List<Long> members, List<PeerProgress> peers,
                         long snapshotIndex, Membership membership, long transferTarget) {

    public RaftStatus {
        members = List.copyOf(members);
        peers = List.copyOf(peers);
        if (membership == null) {
            membership = Membership.ofVoters(members);
        }
    }

    /** A status whose configuration is the simple one of {@code members}, with no transfer under way. */
    public RaftStatus(long id, Role role, long term, long leaderId, long commitIndex, long appliedIndex,
                      long lastLogIndex, List<Long> members, List<PeerProgress> peers, long snapshotIndex) {
        this(id, role, term, leaderId, commitIndex, appliedIndex, lastLogIndex, members, peers, snapshotIndex,
                null, 0);
    }

    /** The leader's match index for {@code peer} (a voter or a learner), or -1 if not a leader or not a peer. */
    public long matchIndexOf(long peer) {
        for (PeerProgress p : peers) {
            if (p.id() == peer) {
                return p.matchIndex();
            }
        }
        return -1;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }
}
