package dev.sansraft.core;

import java.util.ArrayDeque;

/**
 * A leader's lease for lease reads (thesis §6.4.1), measured in ticks of its own clock.
 *
 * <p>The lease starts when the newest heartbeat round that a quorum acknowledged was <em>sent</em>. Every follower
 * that acknowledged it received it later, and with CheckQuorum it then refuses votes for an election timeout (a
 * restarted node refuses them for its first election timeout too), so no other leader can be elected before
 * {@code sent + electionTimeoutTicks} by any clock that runs at the leader's rate. The lease ends
 * {@code leaseClockDriftTicks} earlier to cover clocks that run faster. Not thread-safe: owned by its
 * {@link RaftCore}.
 */
final class LeaseTracker {

    /** Bounds the send times kept while a quorum does not answer; dropping the oldest only shortens the lease. */
    private static final int MAX_TRACKED_ROUNDS = 4096;

    private final ArrayDeque<long[]> roundSentTicks = new ArrayDeque<>();
    private long leaseStartTick = Long.MIN_VALUE;

    /** Forgets every round and the lease: a new leadership starts without one. */
    void reset() {
        roundSentTicks.clear();
        leaseStartTick = Long.MIN_VALUE;
    }

    void roundSent(long round, long tick) {
        roundSentTicks.addLast(new long[] {round, tick});
        if (roundSentTicks.size() > MAX_TRACKED_ROUNDS) {
            roundSentTicks.pollFirst();
        }
    }

    /** A quorum has acknowledged every round up to {@code round}: the lease runs from when it was sent. */
    void quorumAcknowledged(long round) {
        while (!roundSentTicks.isEmpty() && roundSentTicks.peekFirst()[0] <= round) {
            long[] sent = roundSentTicks.pollFirst();
            if (sent[0] == round) {
                leaseStartTick = sent[1];
            }
        }
    }

    boolean isValid(long nowTick, RaftConfig config) {
        return leaseStartTick != Long.MIN_VALUE
                && nowTick < leaseStartTick + config.electionTimeoutTicks() - config.leaseClockDriftTicks();
    }
}
