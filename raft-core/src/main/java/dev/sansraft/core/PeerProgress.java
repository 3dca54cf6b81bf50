package dev.sansraft.core;

/**
 * A leader's view of one follower's replication, as a snapshot. Immutable and thread-safe.
 *
 * @param id         the follower
 * @param matchIndex highest index known replicated and durable on the follower (Raft Figure 2)
 * @param nextIndex  the next index the leader will send
 * @param state      how the leader is sending to it
 * @param inflight   append requests sent and not yet acknowledged
 */
public record PeerProgress(long id, long matchIndex, long nextIndex, State state, int inflight) {

    /** How a leader sends to a follower (the progress states of etcd's raft, named for what they do). */
    public enum State {
        /** Unknown match: one append at a time until the follower accepts one. */
        PROBE,
        /** Known match: appends are pipelined up to {@code maxInflightAppends}. */
        REPLICATE,
        /** The follower needs entries the leader compacted away: a snapshot is being streamed to it. */
        SNAPSHOT
    }
}
