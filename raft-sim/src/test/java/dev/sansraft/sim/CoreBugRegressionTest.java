package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Seeds on which the simulator found a bug in RaftCore; each replays its seed. See /work/brief/core-bugs.md.
 */
class CoreBugRegressionTest {

    /**
     * Bug 1: a follower that restarts forgets it heard from the leader and grants votes at once, so a new leader is
     * elected while the deposed leader's lease is still valid, and the deposed leader serves a stale lease read.
     * Fixed in the core by a vote guard after restart.
     */
    @Test
    void leaseReadAfterFollowerRestart() {
        assertThat(LeaseReadScenarioTest.staleLeaseReads(1, true)).isEmpty();
    }
}
