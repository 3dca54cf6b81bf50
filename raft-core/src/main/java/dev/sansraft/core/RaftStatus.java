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

    /**
     * Copies the lists, and derives the configuration from {@code members} when it is null.
     *
     * @param id this node
     * @param role its role
     * @param term its current term
     * @param leaderId the leader it knows for {@code term}, or 0
     * @param commitIndex highest index known committed
     * @param appliedIndex highest index handed to the state machine in an {@link Action.Apply}
     * @param lastLogIndex last index in its log, durable or not
     * @param members every voting member, this node included, in ascending id order
     * @param peers replication progress per follower, in ascending id order; empty unless leader
     * @param snapshotIndex the last included index of the newest durable snapshot, 0 if none
     * @param membership the configuration in effect (the newest in the log): voters, learners and the joint state
     * @param transferTarget the node a leadership transfer is handing over to, or 0
     */
    public RaftStatus {
        members = List.copyOf(members);
        peers = List.copyOf(peers);
        if (membership == null) {
            membership = Membership.ofVoters(members);
        }
    }

    /**
     * A status whose configuration is the simple one of {@code members}, with no transfer under way.
     *
     * @param id this node's id
     * @param role its role
     * @param term its current term
     * @param leaderId the leader it knows of, or 0
     * @param commitIndex its commit index
     * @param appliedIndex its applied index
     * @param lastLogIndex the index of its last log entry
     * @param members the voters' ids
     * @param peers the leader's view of each follower; empty on other nodes
     * @param snapshotIndex the last included index of its newest snapshot, or 0
     */
    public RaftStatus(long id, Role role, long term, long leaderId, long commitIndex, long appliedIndex,
                      long lastLogIndex, List<Long> members, List<PeerProgress> peers, long snapshotIndex) {
        this(id, role, term, leaderId, commitIndex, appliedIndex, lastLogIndex, members, peers, snapshotIndex,
                null, 0);
    }

    /**
     * The leader's match index for {@code peer} (a voter or a learner), or -1 if not a leader or not a peer.
     *
     * @param peer a node id
     * @return the match index, or -1
     */
    public long matchIndexOf(long peer) {
        for (PeerProgress p : peers) {
            if (p.id() == peer) {
                return p.matchIndex();
            }
        }
        return -1;
    }

    /** {@return whether this node is the leader} */
    public boolean isLeader() {
        return role == Role.LEADER;
    }
}
