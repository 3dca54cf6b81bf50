package dev.sansraft.core;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A leader's linearizable reads waiting for a heartbeat round to be acknowledged by a quorum (Raft thesis §6.4),
 * and the reads waiting for the leader's first commit in its term. Reads are released in arrival order. Not
 * thread-safe: owned by its {@link RaftCore}.
 */
final class ReadQueue {

    /**
     * One read: {@code from} is 0 for a local read, or the follower that forwarded it; {@code readIndex} is the
     * commit index when the read arrived; {@code round} the heartbeat round that must be acknowledged.
     */
    record PendingRead(long readId, long from, long readIndex, long round, boolean lease) {
    }

    private final ArrayDeque<PendingRead> awaitingRound = new ArrayDeque<>();
    private final ArrayDeque<PendingRead> awaitingCommit = new ArrayDeque<>();

    void awaitRound(long readId, long from, long readIndex, long round) {
        awaitingRound.addLast(new PendingRead(readId, from, readIndex, round, false));
    }

    /** {@return whether a read waits on {@code round}} (reads wait on the round after the newest started) */
    boolean awaits(long round) {
        return !awaitingRound.isEmpty() && awaitingRound.peekLast().round() == round;
    }

    /** A read that arrived before this leader committed an entry of its own term (thesis §6.4 step 1). */
    void awaitCommit(long readId, long from, boolean lease) {
        awaitingCommit.addLast(new PendingRead(readId, from, 0, 0, lease));
    }

    boolean hasAwaitingCommit() {
        return !awaitingCommit.isEmpty();
    }

    /** Removes and returns the reads that were waiting for the first commit of the term. */
    List<PendingRead> takeAwaitingCommit() {
        List<PendingRead> reads = List.copyOf(awaitingCommit);
        awaitingCommit.clear();
        return reads;
    }

    /** Removes and returns, in order, the reads whose round a quorum has acknowledged. */
    List<PendingRead> takeAcknowledged(long quorumRound) {
        if (awaitingRound.isEmpty() || awaitingRound.peekFirst().round() > quorumRound) {
            return List.of();
        }
        java.util.ArrayList<PendingRead> ready = new java.util.ArrayList<>();
        while (!awaitingRound.isEmpty() && awaitingRound.peekFirst().round() <= quorumRound) {
            ready.add(awaitingRound.pollFirst());
        }
        return ready;
    }

    /** Removes and returns every waiting read, for rejection when leadership ends. */
    List<PendingRead> takeAll() {
        java.util.ArrayList<PendingRead> all = new java.util.ArrayList<>(awaitingCommit);
        all.addAll(awaitingRound);
        awaitingCommit.clear();
        awaitingRound.clear();
        return all;
    }
}
