package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeds on which the simulator found a bug in RaftCore; each replays its seed. See /work/brief/core-bugs.md. They
 * replay without the targeted nemeses ({@link TargetedFaults}), which came later, so each follows the interleaving
 * that found its bug.
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

    /**
     * Bug 2: a node reported ProposalDropped when its own copy of the entry was truncated by an uncommitted entry of
     * a later term, yet other nodes kept the entry and a later leader committed it, so the "dropped" proposal was
     * applied (PROPOSAL_OUTCOME). Fixed in the core: dropped only when another entry commits at the index. These are
     * the swarm seeds (600 ticks) that found it.
     */
    @ParameterizedTest(name = "seed {0} on {1} nodes")
    @CsvSource({"931, 5", "1441, 5", "5996, 5", "6175, 5", "8399, 5", "8955, 5", "6782, 3", "3369, 7"})
    void droppedProposalIsNeverApplied(long seed, int nodes) {
        SwarmRun.Result r = SwarmRun.run(seed, 600, nodes, "swarm");
        assertThat(r.passed()).as("seed %d on %d nodes: %s", seed, nodes,
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
    }

    /**
     * Snapshot bug S1: a follower probed before the leader compacted stayed in Probe with its probe outstanding and
     * its nextIndex below the compaction point; the leader sent only heartbeats at the compaction point and ignored
     * their rejections, so the follower never caught up (COMMITTED_APPLIED_EVERYWHERE). Bug S2: a follower threw on
     * an append whose prevLogIndex lay below its own compaction point (a delayed probe or heartbeat arriving after it
     * installed or took a snapshot). Swarm seeds (300 ticks) that found them.
     */
    @ParameterizedTest(name = "seed {0} on {1} nodes")
    @CsvSource({"13, 3", "22, 3", "64, 3", "4, 3", "257, 3", "286, 3"})
    void followerBehindTheCompactionPointCatchesUp(long seed, int nodes) {
        SwarmRun.Result r = SwarmRun.run(seed, 300, nodes, "swarm");
        assertThat(r.passed()).as("seed %d on %d nodes: %s", seed, nodes,
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
        assertThat(r.snapshotsTaken()).as("snapshots taken in seed %d", seed).isPositive();
    }

    /**
     * Snapshot bug S4: a follower whose own newer snapshot superseded a received one (the store refused to commit it,
     * so no SnapshotSaved came) kept waiting for it and silently ignored every later InstallSnapshot. Fixed in the
     * core: a received snapshot the log has overtaken is dropped. The 7-node swarm seeds (600 ticks) that found it.
     */
    @ParameterizedTest(name = "seed {0} on {1} nodes")
    @CsvSource({"199, 7", "56, 7"})
    void supersededReceivedSnapshotDoesNotBlockLaterTransfers(long seed, int nodes) {
        SwarmRun.Result r = SwarmRun.run(seed, 600, nodes, "swarm");
        assertThat(r.passed()).as("seed %d on %d nodes: %s", seed, nodes,
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
        assertThat(r.snapshotsInstalled()).as("snapshots installed in seed %d", seed).isPositive();
    }

    /**
     * Snapshot bug S3: a leader kept re-sending chunks of a snapshot it had since deleted (its store keeps the newest
     * two, and it snapshots every few entries) until its retries ran out, stalling the follower for
     * {@code snapshotMaxRetries x snapshotChunkTimeoutTicks}, past the catch-up window. Fixed in the core: a chunk
     * timeout restarts the transfer with the newest snapshot. The seeds that found it.
     */
    @ParameterizedTest(name = "seed {0} on {1} nodes, {2} ticks, profile {3}")
    @CsvSource({"397, 7, 600, swarm", "9, 5, 300, crashes"})
    void transferOfADeletedSnapshotMovesToTheNewest(long seed, int nodes, long ticks, String profile) {
        SwarmRun.Result r = SwarmRun.run(seed, ticks, nodes, profile);
        assertThat(r.passed()).as("seed %d on %d nodes: %s", seed, nodes,
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
        assertThat(r.snapshotsInstalled()).as("snapshots installed in seed %d", seed).isPositive();
    }
}
