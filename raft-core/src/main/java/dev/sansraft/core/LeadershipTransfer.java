package dev.sansraft.core;

/**
 * One leadership transfer under way (thesis §3.10), from the moment the leader accepts it until it reports the
 * {@link Action.TransferOutcome}. It outlives the leader's leadership: the leader steps down when the target's vote
 * request arrives, and learns the outcome only when it hears from the next leader. Not thread-safe: owned by its
 * {@link RaftCore}.
 */
final class LeadershipTransfer {

    final long requestId;
    final long target;
    /** The term of the leader that started it; the target campaigns in the next one. */
    final long term;
    /** Ticks since it started; at an election timeout it is abandoned. */
    int elapsedTicks;
    /** TimeoutNow went out: the target was caught up. Sent once; a lost one ends in a timeout. */
    boolean timeoutNowSent;

    LeadershipTransfer(long requestId, long target, long term) {
        this.requestId = requestId;
        this.target = target;
        this.term = term;
    }

    /** Whether the leader of {@code leaderTerm} is still handing over, and so refuses proposals. */
    boolean blocks(long leaderTerm) {
        return leaderTerm == term;
    }

    Action.TransferOutcome outcome(Action.TransferResult result, long leaderHint) {
        return new Action.TransferOutcome(requestId, target, result, leaderHint);
    }
}
