package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sansraft.core.Action;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;
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
                () -> checker.afterStep(0, before, state(Role.LEADER, 2, 0, 0, 1), true, log));
        checker.afterStep(1, before, state(Role.FOLLOWER, 3, 0, 0, 1), true, log);
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
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> checker.afterStep(1, state(Role.FOLLOWER, 2, 0, 0, 1),
                state(Role.FOLLOWER, 2, 1, 0, 1), false, other));
    }

    @Test
    void commitAndAppliedIndexesMustNotMoveBack() {
        InMemoryLog log = InMemoryLog.of(List.of(entry(1, 1, 1), entry(2, 1, 2)));
        checker.onApply(0, log.entry(1), 1);
        assertFires(Invariant.COMMIT_MONOTONIC, () -> checker.afterStep(0, state(Role.FOLLOWER, 1, 2, 1, 2),
                state(Role.FOLLOWER, 1, 1, 1, 2), false, log));
        assertFires(Invariant.APPLIED_MONOTONIC, () -> checker.afterStep(0, state(Role.FOLLOWER, 1, 2, 1, 2),
                state(Role.FOLLOWER, 1, 2, 0, 2), false, log));
        assertFires(Invariant.APPLIED_MONOTONIC, () -> checker.afterStep(0, state(Role.FOLLOWER, 1, 0, 0, 2),
                state(Role.FOLLOWER, 1, 0, 1, 2), false, log));
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
        assertThat(c.node(leader).disk.hardState().term()).isPositive();
        c.crash(leader);
        HardState hs = c.node(leader).disk.hardState();
        assertThat(hs.votedFor()).as("a leader voted for itself").isEqualTo(leader);
        c.node(leader).disk.writeHardState(new HardState(hs.term(), HardState.NO_VOTE));
        assertFires(Invariant.DURABLE_STATE, () -> c.restart(leader));
    }

    @Test
    void coreExceptionFiresWhenTheCoreRejectsWhatItIsGiven() {
        // A hard state older than the log's last term is corrupt; the core refuses to start from it.
        SimCluster c = SimCluster.create(3, 47);
        c.one(new byte[] {1}, 3, false);
        long leader = c.checkOneLeader();
        c.crash(leader);
        c.node(leader).disk.writeHardState(HardState.INITIAL);
        assertFires(Invariant.CORE_EXCEPTION, () -> c.restart(leader));
    }

    @Test
    void durableStateFiresWhenAcknowledgedLogWritesVanish() {
        SimCluster c = SimCluster.create(3, 42);
        long index = c.one(new byte[] {1}, 3, false);
        long follower = c.checkOneLeader() % 3 + 1;
        c.crash(follower);
        c.node(follower).disk.durableLog().truncateSuffix(index);
        assertFires(Invariant.DURABLE_STATE, () -> c.restart(follower));
    }

    @Test
    void logMatchingFiresOnARunningClusterWhoseLogWasCorrupted() {
        SimCluster c = SimCluster.create(3, 43);
        long index = c.one(new byte[] {1}, 3, false);
        c.checkAll();
        InMemoryLog log = c.node(2).log;
        LogEntry good = log.entry(index);
        log.truncateSuffix(index);
        log.append(List.of(LogEntry.normal(index, good.term(), new byte[] {66})));
        assertFires(Invariant.LOG_MATCHING, c::checkAll);
    }

    @Test
    void proposalOutcomeFiresWhenACommittedProposalIsReportedDropped() {
        SimCluster c = SimCluster.create(3, 44);
        long index = c.one(new byte[] {1}, 3, false);
        LogEntry e = c.committedEntry(index);
        assertFires(Invariant.PROPOSAL_OUTCOME, () -> c.recordDropped(c.node(1), 99, index, e.term()));
    }

    @Test
    void livenessFiresWhenNothingCanCommitWithinTheBound() {
        // A disk whose syncs never finish within the bound: a leader is elected but nothing becomes durable.
        SimOptions frozenDisk = SimOptions.builder().diskLatency(1_000_000_000_000L, 1_000_000_000_000L).build();
        SimCluster c = SimCluster.create(3, 45, frozenDisk);
        assertFires(Invariant.LIVENESS, c::checkLiveness);
    }

    @Test
    void committedAppliedEverywhereFiresWhenAFollowerNeverCatchesUp() {
        SimCluster c = SimCluster.create(3, 46);
        c.one(new byte[] {1}, 3, false);
        long follower = c.checkOneLeader() % 3 + 1;
        c.network().blackhole((int) follower - 1);
        c.one(new byte[] {2}, 2, false);
        assertFires(Invariant.COMMITTED_APPLIED_EVERYWHERE, c::checkLiveness);
    }

    @Test
    void safetyFiresEndToEndOnADiskThatLiesAboutSync() {
        Invariant found = null;
        for (long seed = 1; seed <= 20 && found == null; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 300, 3, "crashes", SwarmRun.Sabotage.LYING_DISK);
            if (!r.passed() && r.violation().invariant() != Invariant.LIVENESS
                    && r.violation().invariant() != Invariant.COMMITTED_APPLIED_EVERYWHERE) {
                found = r.violation().invariant();
                assertThat(r.violation().getMessage()).as("report").contains("seed " + seed).contains("last events");
            }
        }
        assertThat(found).as("a safety invariant broken by acknowledging unsynced writes")
                .isIn(Invariant.LEADER_COMPLETENESS, Invariant.STATE_MACHINE_SAFETY, Invariant.LOG_MATCHING,
                        Invariant.LINEARIZABILITY);
    }

    @Test
    void linearizabilityFiresEndToEndOnStaleLocalReads() {
        int found = 0;
        for (long seed = 1; seed <= 20 && found == 0; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 300, 3, "partitions", SwarmRun.Sabotage.STALE_READS);
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
        SimNode node = c.node(leader);
        InMemoryLog log = node.log;
        NodeState before = node.status;
        log.resetTo(log.lastIndex(), log.term(log.lastIndex()));
        // The engine passes a ResetLog as a truncation; a leader of the same term must never do either.
        assertFires(Invariant.LEADER_APPEND_ONLY, () -> c.checker().afterStep(node.slot, before,
                new NodeState(Role.LEADER, before.term(), leader, before.commitIndex(), before.appliedIndex(),
                        before.lastLogIndex()), true, log));
    }

    @Test
    void stateMachineSafetyFiresOnARunningClusterWhoseStateWasCorrupted() {
        SimCluster c = SimCluster.create(3, 49);
        c.one(SnapshotScenarioTest.put(1, 11), 3, false);
        SimNode victim = c.node(2);
        // Same applied index, different value: only the state shows it, as after a bad snapshot install.
        KvBackend other = new SimStateMachine();
        other.apply(LogEntry.normal(victim.stateMachine.appliedIndex(), 1, SnapshotScenarioTest.put(1, 12)));
        victim.stateMachine.restoreSnapshot(other.writeSnapshot());
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> c.one(SnapshotScenarioTest.put(1, 13), 3, false));
    }

    @Test
    void stateMachineSafetyFiresWhenANodeRestartsFromASnapshotOfAnotherState() {
        SimCluster c = SimCluster.create(3, 50);
        for (int i = 0; i < 5; i++) {
            c.one(SnapshotScenarioTest.put(i, 100 + i), 3, false);
        }
        SimNode victim = c.node(3);
        long index = victim.stateMachine.appliedIndex();
        long term = victim.log.term(index);
        KvBackend forged = new SimStateMachine();
        forged.apply(LogEntry.normal(index, term, SnapshotScenarioTest.put(0, 999)));
        byte[] payload = forged.writeSnapshot();
        c.crash(3);
        victim.snapshots.commit(new SnapshotInfo(index, term, List.of(1L, 2L, 3L),
                payload.length, SimSnapshots.checksum(payload)), payload);
        assertFires(Invariant.STATE_MACHINE_SAFETY, () -> c.restart(3));
    }

    @Test
    void snapshotFiresWhenTheCoreAsksForASnapshotAtAnotherIndexThanApplied() {
        SimCluster c = SimCluster.create(3, 51);
        c.one(new byte[] {1}, 3, false);
        SimNode node = c.node(1);
        long applied = node.stateMachine.appliedIndex();
        assertFires(Invariant.SNAPSHOT, () -> c.engine().snapshotActions().take(node,
                new Action.TakeSnapshot(applied + 1, 1, List.of(1L, 2L, 3L))));
    }

    @Test
    void snapshotFiresOnARestoreOfASnapshotTheNodeDoesNotHoldAndOnAGapInAReceivedSnapshot() {
        SimCluster c = SimCluster.create(3, 52);
        c.one(new byte[] {1}, 3, false);
        SimNode node = c.node(2);
        SnapshotInfo info = new SnapshotInfo(1, 1, List.of(1L, 2L, 3L), 40, 0);
        assertFires(Invariant.SNAPSHOT, () -> c.engine().snapshotActions().restore(node, info));
        Message reply = new Message.InstallSnapshotResponse(2, 1, 1, 1, 16,
                true, false);
        c.engine().snapshotActions().writeChunk(node,
                new Action.WriteSnapshotChunk(info, 0, new byte[16], reply));
        assertFires(Invariant.SNAPSHOT, () -> c.engine().snapshotActions().writeChunk(node,
                new Action.WriteSnapshotChunk(info, 20, new byte[8], reply)));
    }

    @Test
    void proposalOutcomeFiresOnAnUnknownOutcomeForAProposalAlreadyApplied() {
        SimCluster c = SimCluster.create(3, 53);
        long leader = c.checkOneLeader();
        long correlationId = c.nextCorrelationId();
        SimCluster.ProposeResult r = c.propose(leader, correlationId, new byte[] {7});
        assertThat(r.accepted()).isTrue();
        assertThat(c.runUntil(() -> c.appliedIndex(leader) >= r.index(), 20)).isTrue();
        assertFires(Invariant.PROPOSAL_OUTCOME, () -> c.engine().execute(c.node(leader),
                List.of(new Action.ProposalUnknown(correlationId, r.index(), r.term())), 0, -1));
    }

    @Test
    void proposalOutcomeFiresWhenASnapshotCoversAnAcceptedProposalThatGetsNoOutcome() {
        SimCluster c = SimCluster.create(3, 54);
        long leader = c.checkOneLeader();
        long follower = leader % 3 + 1;
        c.one(new byte[] {1}, 3, false);
        // The follower "accepted" a proposal at the next index (as a deposed leader would have), and then restores
        // a snapshot covering that index without reporting the proposal dropped or unknown.
        SimNode node = c.node(follower);
        long index = node.stateMachine.appliedIndex() + 1;
        c.engine().execute(node, List.of(new Action.ProposalAccepted(9_999, index, 99)), 9_999,
                9_999);
        c.one(new byte[] {2}, 3, false);
        SimNode source = c.node(leader);
        long at = source.stateMachine.appliedIndex();
        byte[] payload = source.stateMachine.writeSnapshot();
        SnapshotInfo info = new SnapshotInfo(at, source.log.term(at),
                List.of(1L, 2L, 3L), payload.length, SimSnapshots.checksum(payload));
        node.snapshots.commit(info, payload);
        assertFires(Invariant.PROPOSAL_OUTCOME, () -> c.engine().execute(node,
                List.of(new Action.RestoreSnapshot(info)), 0, -1));
    }

    @Test
    void corruptSnapshotsAreCaughtEndToEnd() {
        // Seeds alternate between the simulator's store (a flipped byte changes a value: a different state digest)
        // and raft-kv's (a flipped byte breaks its snapshot checksum: the snapshot cannot be restored).
        List<Invariant> found = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, 150, 3, "crashes", SwarmRun.Sabotage.CORRUPT_SNAPSHOTS);
            assertThat(r.passed()).as("seed %d with corrupt snapshots", seed).isFalse();
            found.add(r.violation().invariant());
        }
        assertThat(found).as("what caught them").containsOnly(Invariant.STATE_MACHINE_SAFETY, Invariant.SNAPSHOT)
                .contains(Invariant.STATE_MACHINE_SAFETY);
    }
}
