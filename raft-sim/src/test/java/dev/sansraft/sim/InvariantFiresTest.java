package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Role;
import dev.sansraft.node.SnapshotWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each invariant, fed a state corrupted on purpose, must fire: a checker that never fails proves nothing. Unit
 * checks drive {@link InvariantChecker} directly; cluster checks corrupt a running simulation.
 */
class InvariantFiresTest {

    private final InvariantChecker checker = new InvariantChecker(3,
            (invariant, detail) -> new InvariantViolation(invariant, 7, 1.0, detail, "", null));

    private static LogEntry entry(long index, long term, int payload) {
        return LogEntry.normal(index, term, new byte[] {(byte) payload});
    }

    private static NodeState state(Role role, long term, long commit, long applied, long last) {
        return new NodeState(role, term, 0, commit, applied, last);
    }

    private static void assertFires(Invariant invariant, Runnable corruption) {
        assertThatThrownBy(corruption::run).isInstanceOf(InvariantViolation.class)
                .satisfies(e -> assertThat(((InvariantViolation) e).invariant()).isEqualTo(invariant));
    }

    @Test
    void electionSafetyFiresOnTwoLeadersInOneTerm() {
        InMemoryLog log = new InMemoryLog();
        checker.onNewLeader(0, 5, log);
        checker.onNewLeader(0, 5, log);
        assertFires(Invariant.ELECTION_SAFETY, () -> checker.onNewLeader(1, 5, log));
    }

    @Test
    void leaderAppendOnlyFiresWhenALeaderTruncates() {
        InMemoryLog log = InMemoryLog.of(List.of(entry(1, 2, 1)));
        NodeState before = state(Role.LEADER, 2, 0, 0, 3);
        assertFires(Invariant.LEADER_APPEND_ONLY,
                () -> checker.afterRound(0, before, state(Role.LEADER, 2, 0, 0, 1), log));
        checker.afterRound(1, before, state(Role.FOLLOWER, 3, 0, 0, 1), log);
    }

    @Test
    void logMatchingFiresOnSameIndexAndTermWithDifferentEntries() {
        checker.onAppend(0, new InMemoryLog(), List.of(entry(1, 1, 1), entry(2, 1, 2)));
        assertFires(Invariant.LOG_MATCHING, () -> checker.onAppend(1, new InMemoryLog(),
                List.of(entry(1, 1, 1), entry(2, 1, 99))));
        // Same (index, term) after a different previous entry breaks the induction too.
        assertFires(Invariant.LOG_MATCHING, () -> checker.onAppend(2, InMemoryLog.of(List.of(entry(1, 3, 5))),
                List.of(entry(2, 1, 2))));
    }

    @Test
    void logMatchingFullCheckFiresOnACorruptedLog() {
        InMemoryLog a = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2), entry(3, 2, 3)));
        InMemoryLog b = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 7), entry(3, 2, 3)));
        assertFires(Invariant.LOG_MATCHING, () -> checker.checkLogs(List.of(a, b)));
        checker.checkLogs(List.of(a, InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2), entry(3, 3, 0)))));
    }

    @Test
    void leaderCompletenessFiresWhenANewLeaderLacksACommittedEntry() {
        checker.onApply(0, entry(1, 1, 1), 1);
        checker.onApply(0, entry(2, 1, 2), 1);
        assertFires(Invariant.LEADER_COMPLETENESS,
                () -> checker.onNewLeader(1, 2, InMemoryLog.of(List.of(entry(1, 1, 1)))));
        assertFires(Invariant.LEADER_COMPLETENESS,
                () -> checker.onNewLeader(2, 3, InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 2, 2)))));
    }

    @Test
    void leaderCompletenessAllowsALateLeaderOfAnOlderTermToLackNewerCommits() {
        // Committed in term 5; a leader of term 4 elected late (delayed votes) need not hold it (§5.4 speaks of
        // leaders of higher terms only), but a leader of term 6 must.
        checker.onApply(0, entry(1, 5, 1), 5);
        checker.onNewLeader(1, 4, new InMemoryLog());
        assertFires(Invariant.LEADER_COMPLETENESS, () -> checker.onNewLeader(2, 6, new InMemoryLog()));
    }

    @Test
    void stateMachineSafetyFiresWhenTwoNodesApplyDifferentEntries() {
        checker.onApply(0, entry(1, 1, 1), 1);
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.onApply(1, entry(1, 1, 2), 1));
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.onApply(2, entry(2, 1, 2), 1));
    }

    @Test
    void stateMachineSafetyFiresWhenACommitIndexCoversADifferentEntry() {
        checker.onApply(0, entry(1, 1, 1), 1);
        InMemoryLog other = InMemoryLog.of(List.of(entry(1, 2, 9)));
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.afterRound(1, state(Role.FOLLOWER, 2, 0, 0, 1),
                state(Role.FOLLOWER, 2, 1, 0, 1), other));
    }

    @Test
    void commitIndexMustNotMoveBackNorAppliesGoBack() {
        InMemoryLog log = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2)));
        checker.onApplySkippingNonClient(0, log.entry(1), 1);
        assertFires(Invariant.COMMIT_MONOTONIC, () -> checker.afterRound(0, state(Role.FOLLOWER, 1, 2, 1, 2),
                state(Role.FOLLOWER, 1, 1, 1, 2), log));
        checker.onApplySkippingNonClient(0, log.entry(2), 1);
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.onApplySkippingNonClient(0, log.entry(1), 1));
    }

    @Test
    void voteDurabilityFiresOnAChangedVoteOrABackwardTerm() {
        checker.onHardState(0, new HardState(3, 1));
        assertFires(Invariant.VOTE_DURABILITY, () -> checker.onHardState(0, new HardState(3, 2)));
        assertFires(Invariant.VOTE_DURABILITY, () -> checker.onHardState(0, new HardState(2, 0)));
        checker.onHardState(0, new HardState(4, 0));
    }

    @Test
    void durableStateFiresWhenARestartedNodeLostItsHardState() {
        SimCluster c = SimCluster.create(3, 41);
        long leader = c.checkOneLeader();
        NodeSim.Member m = c.sim().member(leader);
        assertThat(m.disk.hardState().term()).isPositive();
        c.crash(leader);
        HardState hs = m.disk.hardState();
        assertThat(hs.votedFor()).as("a leader voted for itself").isEqualTo(leader);
        m.disk.writeHardState(new HardState(hs.term(), HardState.NO_VOTE));
        assertFires(Invariant.DURABLE_STATE, () -> c.restart(leader));
    }

    @Test
    void timeAdvancesFiresOnWorkThatReschedulesItselfWithoutEnd() {
        // A harness callback that schedules itself again with no delay: simulated time would never pass tick 1.
        SimCluster c = SimCluster.create(3, 48);
        Runnable[] again = {null};
        again[0] = () -> c.sim().schedule(0, "reschedules itself", again[0]);
        c.sim().schedule(0, "reschedules itself", again[0]);
        assertFires(Invariant.TIME_ADVANCES, () -> c.runFor(1));
    }

    @Test
    void nodeFailureFiresWhenTheRuntimeRejectsWhatItIsGiven() {
        // A hard state older than the log's last term is corrupt; the node refuses to start from it.
        SimCluster c = SimCluster.create(3, 47);
        c.one(new byte[] {1}, 3, false);
        long leader = c.checkOneLeader();
        c.crash(leader);
        c.sim().member(leader).disk.writeHardState(HardState.INITIAL);
        assertFires(Invariant.NODE_FAILURE, () -> {
            c.restart(leader);
            c.runFor(5);
        });
    }

    @Test
    void durableStateFiresWhenAcknowledgedLogWritesVanish() {
        SimCluster c = SimCluster.create(3, 42);
        long index = c.one(new byte[] {1}, 3, false);
        long follower = c.checkOneLeader() % 3 + 1;
        c.crash(follower);
        c.sim().member(follower).disk.durableLog().truncateSuffix(index);
        assertFires(Invariant.DURABLE_STATE, () -> c.restart(follower));
    }

    @Test
    void logMatchingFiresOnARunningClusterWhoseLogWasCorrupted() {
        SimCluster c = SimCluster.create(3, 43);
        long index = c.one(new byte[] {1}, 3, false);
        c.checkAll();
        InMemoryLog log = c.sim().member(2).live.log.log();
        LogEntry good = log.entry(index);
        log.truncateSuffix(index);
        log.append(List.of(LogEntry.normal(index, good.term(), new byte[] {66})));
        assertFires(Invariant.LOG_MATCHING, c::checkAll);
    }

    @Test
    void livenessFiresWhenNothingCanCommitWithinTheBound() {
        // A disk whose syncs never finish within the bound: no storage round ever completes.
        SimOptions frozenDisk = SimOptions.builder().diskLatency(1_000_000_000_000L, 1_000_000_000_000L).build();
        SimCluster c = SimCluster.create(3, 45, frozenDisk);
        assertFires(Invariant.LIVENESS, c::checkLiveness);
    }

    @Test
    void committedAppliedEverywhereFiresWhenAFollowerNeverCatchesUp() {
        SimCluster c = SimCluster.create(3, 46);
        c.one(new byte[] {1}, 3, false);
        long follower = c.checkOneLeader() % 3 + 1;
        c.sim().network().blackhole((int) follower - 1);
        c.one(new byte[] {2}, 2, false);
        assertFires(Invariant.COMMITTED_APPLIED_EVERYWHERE, c::checkLiveness);
    }

    @Test
    void safetyFiresEndToEndOnADiskThatLiesAboutSync() {
        Invariant found = null;
        for (long seed = 1; seed <= 20 && found == null; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 300, 3, "crashes", SwarmRun.Sabotage.LYING_DISK, null);
            if (!r.passed() && r.violation().invariant() != Invariant.LIVENESS
                    && r.violation().invariant() != Invariant.COMMITTED_APPLIED_EVERYWHERE) {
                found = r.violation().invariant();
                assertThat(r.violation().getMessage()).as("report").contains("seed " + seed).contains("last events");
            }
        }
        assertThat(found).as("a safety invariant broken by acknowledging unsynced writes")
                .isIn(Invariant.COMMIT_QUORUM, Invariant.LEADER_COMPLETENESS, Invariant.STATE_MACHINE_SAFETY,
                        Invariant.LOG_MATCHING, Invariant.DURABLE_STATE, Invariant.LINEARIZABILITY);
    }

    @Test
    void linearizabilityFiresEndToEndOnStaleLocalReads() {
        int found = 0;
        for (long seed = 1; seed <= 20 && found == 0; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 300, 3, "partitions", SwarmRun.Sabotage.STALE_READS, null);
            if (!r.passed()) {
                assertThat(r.violation().invariant()).as("seed %d", seed).isEqualTo(Invariant.LINEARIZABILITY);
                assertThat(r.violation().getMessage()).contains("is not linearizable").contains("seed " + seed);
                found++;
            }
        }
        assertThat(found).as("runs with stale reads that the simulator caught").isPositive();
    }

    // ---------------------------------------------------------------- with snapshots and compacted logs

    @Test
    void stateMachineSafetyFiresOnDifferentDigestsAtTheSameAppliedIndex() {
        checker.onDigest(0, 5, 0xABCL);
        checker.onDigest(1, 5, 0xABCL);
        checker.onDigest(1, 6, 0x123L);
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.onDigest(2, 5, 0xABDL));
        // A restore is checked against the digest recorded at its index too.
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.onRestore(2, 6, 0x124L));
    }

    @Test
    void appliedMonotonicFiresWhenARestoreGoesBack() {
        checker.onApply(0, entry(1, 1, 1), 1);
        checker.onApply(0, entry(2, 1, 2), 1);
        checker.onRestore(1, 2, 0);
        assertFires(Invariant.APPLIED_MONOTONIC, () -> checker.onRestore(0, 1, 0));
    }

    @Test
    void logMatchingComparesCompactedLogsOnlyWhereBothHoldEntries() {
        InMemoryLog full = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2), entry(3, 2, 3), entry(4, 2, 4)));
        InMemoryLog compacted = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2), entry(3, 2, 3),
                entry(4, 2, 4)));
        compacted.compactPrefix(3);
        InMemoryLog reset = new InMemoryLog();
        reset.resetTo(4, 2);
        checker.checkLogs(List.of(full, compacted, reset));
        // A different entry where both still hold entries fires.
        InMemoryLog corrupt = new InMemoryLog();
        corrupt.resetTo(2, 1);
        corrupt.append(List.of(entry(3, 2, 3), entry(4, 2, 99)));
        assertFires(Invariant.LOG_MATCHING, () -> checker.checkLogs(List.of(full, corrupt)));
        // So does a compaction point whose term disagrees below an entry both hold with the same term.
        InMemoryLog wrongBoundary = new InMemoryLog();
        wrongBoundary.resetTo(3, 1);
        wrongBoundary.append(List.of(entry(4, 2, 4)));
        assertFires(Invariant.LOG_MATCHING, () -> checker.checkLogs(List.of(full, wrongBoundary)));
    }

    @Test
    void leaderCompletenessChecksTheTermAtALeadersCompactionPoint() {
        checker.onApply(0, entry(1, 1, 1), 1);
        checker.onApply(0, entry(2, 2, 2), 2);
        checker.onApply(0, entry(3, 2, 3), 2);
        InMemoryLog good = new InMemoryLog();
        good.resetTo(3, 2);
        checker.onNewLeader(1, 3, good);
        InMemoryLog bad = new InMemoryLog();
        bad.resetTo(2, 1);
        bad.append(List.of(entry(3, 2, 3)));
        assertFires(Invariant.LEADER_COMPLETENESS, () -> checker.onNewLeader(2, 4, bad));
    }

    @Test
    void leaderAppendOnlyFiresWhenALeaderResetsItsLog() {
        SimCluster c = SimCluster.create(3, 48);
        c.one(new byte[] {1}, 3, false);
        long leader = c.checkOneLeader();
        NodeSim.Member m = c.sim().member(leader);
        InMemoryLog log = m.live.log.log();
        NodeState before = m.lastState;
        log.resetTo(log.lastIndex() - 1, log.term(log.lastIndex() - 1));
        // A leader of the same term whose log shrank, whatever the cause, breaks Leader Append-Only.
        assertFires(Invariant.LEADER_APPEND_ONLY, () -> c.sim().checker().afterRound(m.slot, before,
                new NodeState(Role.LEADER, before.term(), leader, before.commitIndex(), before.appliedIndex(),
                        log.lastIndex()), log));
    }

    @Test
    void stateMachineSafetyFiresOnARunningClusterWhoseStateWasCorrupted() {
        SimCluster c = SimCluster.create(3, 49);
        c.one(SnapshotScenarioTest.put(1, 11), 3, false);
        KvBackend victim = c.sim().member(2).live.stateMachine.backend();
        // Same applied index, different value: only the state shows it, as after a bad snapshot install.
        KvBackend other = new SimStateMachine();
        other.apply(LogEntry.normal(victim.appliedIndex(), 1, SnapshotScenarioTest.put(1, 12)));
        victim.restoreSnapshot(other.writeSnapshot());
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> c.one(SnapshotScenarioTest.put(1, 13), 3, false));
    }

    @Test
    void stateMachineSafetyFiresWhenANodeRestartsFromASnapshotOfAnotherState() throws IOException {
        SimCluster c = SimCluster.create(3, 50);
        for (int i = 0; i < 5; i++) {
            c.one(SnapshotScenarioTest.put(i, 100 + i), 3, false);
        }
        NodeSim.Member victim = c.sim().member(3);
        long index = victim.live.stateMachine.backend().appliedIndex();
        long term = victim.live.log.log().term(index);
        KvBackend forged = new SimStateMachine();
        forged.apply(LogEntry.normal(index, term, SnapshotScenarioTest.put(0, 999)));
        c.crash(3);
        try (SnapshotWriter w = victim.snapshots.begin(index, term, List.of(1L, 2L, 3L))) {
            w.write(forged.writeSnapshot());
            w.commit();
        }
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> {
            c.restart(3);
            c.runFor(5);
        });
    }

    @Test
    void corruptSnapshotsAreCaughtEndToEnd() {
        // Seeds alternate between the simulator's store (a flipped byte changes a value: a different state digest)
        // and raft-kv's (a flipped byte breaks its snapshot checksum: the node cannot restore it and stops).
        List<Invariant> found = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 150, 3, "crashes", SwarmRun.Sabotage.CORRUPT_SNAPSHOTS, null);
            assertThat(r.passed()).as("seed %d with corrupt snapshots", seed).isFalse();
            found.add(r.violation().invariant());
        }
        assertThat(found).as("what caught them").containsOnly(Invariant.STATE_MACHINE_SAFETY, Invariant.NODE_FAILURE)
                .contains(Invariant.STATE_MACHINE_SAFETY);
    }
}
