package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.node.ReadConsistency;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lease reads on real RaftNodes against the classic hazard: a deposed leader that still believes in its lease must not serve a value
 * that a newer leader has already overwritten.
 *
 * <p>Story: the old leader and f1 are cut off from f2, so f2 campaigns in vain (f1 still hears from the leader and
 * rejects it). Then the old leader is cut off from both; a new leader may only appear once the old leader's lease
 * has run out. The old leader is asked for lease reads all along; none may return the old value after the new value
 * is committed.
 */
class LeaseReadScenarioTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 30);
    }

    private static byte[] put(long value, long op) {
        return new KvCommand(KvModel.Input.put(0, value), 0, op).encode();
    }

    /** Runs the story; returns a description of every stale lease read. */
    static List<String> staleLeaseReads(long seed, boolean restartFollower) {
        return staleLeaseReads(seed, restartFollower, 1.0);
    }

    /**
     * @param leaderClockSlowdown the old leader's tick period relative to the others' once it leads (1 = same rate)
     */
    static List<String> staleLeaseReads(long seed, boolean restartFollower, double leaderClockSlowdown) {
        SimCluster c = SimCluster.create(3, seed);
        List<long[]> served = new ArrayList<>();
        long old = c.checkOneLeader();
        // A slower tick period is a slower clock: the node's monotonic clock runs at the inverse rate.
        c.sim().setClockRate(old, 1.0 / leaderClockSlowdown);
        c.one(put(1, 1), 3, false);
        long f1 = old % 3 + 1;
        long f2 = f1 % 3 + 1;
        c.sim().partition(new long[] {old, f1}, new long[] {f2});
        c.runFor(25);
        c.sim().partition(new long[] {old}, new long[] {f1, f2});
        if (restartFollower) {
            c.restart(f1);
        }
        long writeAt = -1;
        for (int step = 0; step < 120 && writeAt < 0; step++) {
            c.runForMicros(c.options().tickMicros() / 4);
            long leader = c.status(f2).isLeader() ? f2 : c.status(f1).isLeader() ? f1 : 0;
            if (leader != 0) {
                SimCluster.ProposeResult r = c.propose(leader, put(2, 2 + step));
                if (r.accepted() && c.runUntil(() -> c.nCommitted(r.index()) >= 2, 10)) {
                    writeAt = c.sim().nowMicros();
                }
            }
            // The value the old leader serves, and when it serves it, as the client sees them.
            c.sim().node(old).query(KvNodeStateMachine.encodeRead(0), ReadConsistency.LEASE).thenAccept(value ->
                    served.add(new long[] {old, KvNodeStateMachine.decodeValue(value), c.sim().nowMicros()}));
        }
        c.runFor(2);
        c.checkAll();
        assertThat(writeAt).as("seed %d: the majority side commits a new value", seed).isNotNegative();
        List<String> stale = new ArrayList<>();
        for (long[] s : served) {
            if (s[0] == old && s[2] >= writeAt && s[1] != 2) {
                stale.add(String.format("seed %d: deposed leader %d served value %d by lease at tick %.2f, after"
                        + " value 2 was committed at tick %.2f", seed, old, s[1], s[2] / 1e5, writeAt / 1e5));
            }
        }
        return stale;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void deposedLeaderServesNoStaleLeaseRead(long seed) {
        assertThat(staleLeaseReads(seed, false)).isEmpty();
    }

    /**
     * The lease's drift margin matters: when the old leader's clock runs far slower than the others' (beyond what
     * {@code leaseClockDriftTicks} covers), the simulator must catch the stale reads that follow.
     */
    @org.junit.jupiter.api.Test
    void leaseReadsGoStaleWhenClocksDriftBeyondTheMargin() {
        int stale = 0;
        for (long seed = 1; seed <= 10; seed++) {
            stale += staleLeaseReads(seed, false, 2.0).size();
        }
        assertThat(stale).as("stale lease reads with a leader clock at half speed").isPositive();
    }
}
