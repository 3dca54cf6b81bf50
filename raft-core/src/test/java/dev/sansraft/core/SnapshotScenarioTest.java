package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Snapshots (Raft §7): the policy that asks for them, compaction only once they are durable, chunked streaming to a
 * follower that needs compacted entries (paced, resumed from the confirmed offset, bounded retries), installation
 * that keeps matching entries or resets the log, and restarts from a snapshot plus the log tail.
 */
class SnapshotScenarioTest {

    private static final RaftConfig SNAPSHOTS = RaftConfig.builder()
            .snapshotEntries(10)
            .snapshotBytes(0)
            .snapshotTrailingEntries(2)
            .snapshotChunkBytes(64)
            .snapshotChunksInFlight(2)
            .snapshotChunkTimeoutTicks(3)
            .snapshotMaxRetries(2)
            .build();

    private static void proposeMany(TestCluster c, long leader, int from, int count) {
        for (int i = from; i < from + count; i++) {
            c.propose(leader, i, "p" + i);
            c.deliverAll();
        }
    }

    /** Isolates 3, commits enough on 1 and 2 that node 1 compacts past everything 3 has, and heals 3. */
    private static TestCluster clusterWithFollowerBehindCompaction() {
        return clusterWithFollowerBehindCompaction(SNAPSHOTS);
    }

    private static TestCluster clusterWithFollowerBehindCompaction(RaftConfig config) {
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(3);
        proposeMany(c, 1, 0, 40);
        assertThat(c.core(1).firstLogIndex()).as("leader compacted past follower 3's log")
                .isGreaterThan(c.node(3).log.lastIndex() + 1);
        c.heal(3);
        return c;
    }

    private static List<Action.SendSnapshotChunk> chunksSentTo(TestCluster c, long leader, long to, int sinceMark) {
        List<Action.SendSnapshotChunk> chunks = new ArrayList<>();
        for (Action a : c.node(leader).actions.subList(sinceMark, c.node(leader).actions.size())) {
            if (a instanceof Action.SendSnapshotChunk && ((Action.SendSnapshotChunk) a).to() == to) {
                chunks.add((Action.SendSnapshotChunk) a);
            }
        }
        return chunks;
    }

    private static void assertConverged(TestCluster c) {
        for (long id : c.nodes.keySet()) {
            assertThat(c.node(id).applied).as("state of node %d", id).isEqualTo(c.node(1).applied);
            assertThat(c.core(id).commitIndex()).as("commit of node %d", id).isEqualTo(c.core(1).commitIndex());
        }
    }

    @Test
    void theLeaderAsksForASnapshotByEntryCountAndCompactsOnlyOnceItIsDurable() {
        TestCluster c = TestCluster.of(SNAPSHOTS, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.holdSnapshots(1);
        proposeMany(c, 1, 0, 30);
        List<Action.TakeSnapshot> asked = c.node(1).actions(Action.TakeSnapshot.class);
        assertThat(asked).as("a request per 10 entries, counted from the previous request").hasSize(3);
        for (int i = 1; i < asked.size(); i++) {
            assertThat(asked.get(i).index()).isGreaterThanOrEqualTo(asked.get(i - 1).index() + 10);
        }
        assertThat(asked.get(0).index()).isGreaterThanOrEqualTo(10).isLessThan(20);
        assertThat(asked.get(0).members()).containsExactly(1L, 2L, 3L);
        assertThat(c.node(1).actions(Action.CompactLog.class)).as("nothing compacted before it is durable").isEmpty();
        assertThat(c.core(1).firstLogIndex()).isEqualTo(1);

        c.releaseSnapshots(1);
        long trailing = SNAPSHOTS.snapshotTrailingEntries();
        assertThat(c.node(1).actions(Action.CompactLog.class)).first()
                .isEqualTo(new Action.CompactLog(asked.get(0).index() - trailing));
        long newest = asked.get(asked.size() - 1).index();
        assertThat(c.core(1).status().snapshotIndex()).isEqualTo(newest);
        assertThat(c.core(1).firstLogIndex()).isEqualTo(newest - trailing + 1);
    }

    @Test
    void theByteTriggerAsksForASnapshotAfterEnoughAppliedBytes() {
        long entryBytes = LogEntry.normal(1, 1, new byte[50]).sizeBytes();
        RaftConfig bytes = SNAPSHOTS.toBuilder().snapshotEntries(0).snapshotBytes(5 * entryBytes).build();
        TestCluster c = TestCluster.of(bytes, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        for (int i = 0; i < 3; i++) {
            c.propose(1, i, "x".repeat(50));
            c.deliverAll();
        }
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).as("3 entries are not enough").isEmpty();
        for (int i = 3; i < 6; i++) {
            c.propose(1, i, "x".repeat(50));
            c.deliverAll();
        }
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).isNotEmpty();
    }

    @Test
    void snapshotsOffMeansNoSnapshotIsEverAskedFor() {
        RaftConfig off = SNAPSHOTS.toBuilder().snapshotEntries(0).snapshotBytes(0).build();
        TestCluster c = TestCluster.of(off, 1, 2, 3);
        c.elect(1);
        proposeMany(c, 1, 0, 50);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.node(id).actions(Action.TakeSnapshot.class)).isEmpty();
        }
    }

    @Test
    void aFollowerBehindTheCompactionPointCatchesUpByAChunkedSnapshot() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        int mark = c.node(1).mark();
        c.tickAll(30);

        assertConverged(c);
        List<Action.SendSnapshotChunk> chunks = chunksSentTo(c, 1, 3, mark);
        assertThat(chunks).as("the snapshot goes in several chunks").hasSizeGreaterThan(2);
        assertThat(chunks).allMatch(ch -> ch.length() <= SNAPSHOTS.snapshotChunkBytes());
        assertThat(c.node(3).actions(Action.ResetLog.class)).as("3's log did not hold the snapshot's entry")
                .hasSize(1);
        assertThat(c.node(3).actions(Action.RestoreSnapshot.class)).hasSize(1);
        assertThat(c.core(1).status().peers()).filteredOn(p -> p.id() == 3).first()
                .extracting(PeerProgress::state).isEqualTo(PeerProgress.State.REPLICATE);
        // The follower then appends after the snapshot as usual.
        proposeMany(c, 1, 100, 3);
        c.tickAll(2);
        assertConverged(c);
    }

    @Test
    void chunksArePacedByTheWindow() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        int mark = c.node(1).mark();
        // One heartbeat round: 3 answers it (rejecting), which starts the transfer; deliver nothing to 3 after.
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        List<Action.SendSnapshotChunk> chunks = chunksSentTo(c, 1, 3, mark);
        assertThat(chunks).as("no more than the window before any acknowledgement")
                .hasSize(SNAPSHOTS.snapshotChunksInFlight());
        assertThat(chunks.get(0).offset()).isZero();
        assertThat(chunks.get(1).offset()).isEqualTo(SNAPSHOTS.snapshotChunkBytes());
        assertThat(c.core(1).status().peers()).filteredOn(p -> p.id() == 3).first()
                .extracting(PeerProgress::state).isEqualTo(PeerProgress.State.SNAPSHOT);
    }

    @Test
    void aLostChunkResumesFromTheConfirmedOffsetNotFromZero() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        int mark = c.node(1).mark();
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        // Lose the second chunk; the first arrives and is confirmed.
        int dropped = c.dropWhere(m -> m instanceof Message.InstallSnapshot
                && ((Message.InstallSnapshot) m).offset() == SNAPSHOTS.snapshotChunkBytes());
        assertThat(dropped).isEqualTo(1);
        int afterLoss = c.node(1).mark();
        c.deliverAll();
        c.tickAll(30);

        assertConverged(c);
        List<Action.SendSnapshotChunk> resent = chunksSentTo(c, 1, 3, afterLoss);
        assertThat(resent).isNotEmpty();
        assertThat(resent).as("nothing before the confirmed offset is sent again")
                .allMatch(ch -> ch.offset() >= SNAPSHOTS.snapshotChunkBytes());
        assertThat(chunksSentTo(c, 1, 3, mark)).filteredOn(ch -> ch.offset() == 0).hasSize(1);
    }

    @Test
    void aSilentFollowerMakesTheLeaderGiveUpAfterBoundedRetriesAndResumeWhenItAnswers() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        c.isolate(3);
        int mark = c.node(1).mark();
        c.tickAll(200);
        int window = SNAPSHOTS.snapshotChunksInFlight();
        assertThat(chunksSentTo(c, 1, 3, mark)).as("resends are bounded by retries times the window")
                .hasSizeLessThanOrEqualTo(SNAPSHOTS.snapshotMaxRetries() * window);
        assertThat(c.core(1).status().peers()).filteredOn(p -> p.id() == 3).first()
                .extracting(PeerProgress::state).isEqualTo(PeerProgress.State.PROBE);

        c.heal(3);
        c.tickAll(40);
        assertConverged(c);
    }

    @Test
    void duplicatedAndReorderedChunksInstallOnce() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        for (int round = 0; round < 40; round++) {
            c.tick(1, 1);
            c.tick(2, 1);
            c.tick(3, 1);
            c.duplicateWhere(m -> m instanceof Message.InstallSnapshot);
            c.deliverReversed(m -> m instanceof Message.InstallSnapshot);
            c.deliverAll();
        }
        assertConverged(c);
        assertThat(c.node(3).actions(Action.RestoreSnapshot.class)).hasSize(1);
    }

    @Test
    void aNewLeaderMidTransferSendsItsOwnSnapshotAndTheFollowerStillConverges() {
        TestCluster c = clusterWithFollowerBehindCompaction();
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        c.dropWhere(m -> m instanceof Message.InstallSnapshot && m.to() == 3
                && ((Message.InstallSnapshot) m).offset() > 0);
        c.deliverAll();
        c.isolate(1);
        for (int i = 0; i < 200 && (c.leader() == 0 || c.leader() == 1); i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).as("only node 2's log can win").isEqualTo(2);
        c.tickAll(40);
        for (long id = 2; id <= 3; id++) {
            assertThat(c.node(id).applied).as("state of node %d", id).isEqualTo(c.node(2).applied);
        }
        assertThat(c.node(2).applied).hasSizeGreaterThanOrEqualTo(c.node(1).applied.size());
    }

    @Test
    void aRestartedNodeStartsFromItsSnapshotAndReplaysTheTail() {
        TestCluster c = TestCluster.of(SNAPSHOTS, 1, 2, 3);
        c.elect(1);
        proposeMany(c, 1, 0, 35);
        long snapshotIndex = c.node(2).newestSnapshot().info().index();
        c.restart(2);
        assertThat(c.core(2).commitIndex()).as("commit starts at the snapshot").isEqualTo(snapshotIndex);
        assertThat(c.core(2).appliedIndex()).isEqualTo(snapshotIndex);
        c.tickAll(5);
        assertConverged(c);
    }

    @Test
    void aFollowerWhoseLogHoldsTheSnapshotsEntryKeepsTheEntriesAfterIt() {
        // Raft §7: the follower has entries 1..8 of term 1 (uncommitted here); the snapshot ends at 5@1.
        InMemoryLog log = InMemoryLog.of(TestCluster.logOfTerms(1, 1, 1, 1, 1, 1, 1, 1));
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, log, new HardState(1, 0));
        byte[] payload = "state-at-5".getBytes(StandardCharsets.UTF_8);
        SnapshotInfo info = new SnapshotInfo(5, 1, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));

        List<Action> written = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0, payload)));
        assertThat(written).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).hasSize(1);
        List<Action> installed = core.step(new Event.SnapshotSaved(info));

        assertThat(installed).noneMatch(a -> a instanceof Action.ResetLog || a instanceof Action.RestoreSnapshot);
        assertThat(core.lastLogIndex()).as("entries 6..8 kept").isEqualTo(8);
        assertThat(core.commitIndex()).isEqualTo(5);
        assertThat(installed).filteredOn(a -> a instanceof Action.Apply)
                .flatExtracting(a -> ((Action.Apply) a).entries()).extracting(LogEntry::index)
                .containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(installed).contains(new Action.Send(
                new Message.InstallSnapshotResponse(3, 1, 1, 5, payload.length, true, true)));
    }

    @Test
    void aFollowerWhoseLogConflictsDiscardsItRestoresTheSnapshotAndReportsCoveredProposalsUnknown() {
        // Node 1 led term 1 and accepted proposal 77 at index 2; a term-2 leader's snapshot ends at 5@2.
        TestCluster c = TestCluster.of(SNAPSHOTS, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(1);
        c.propose(1, 77, "lost-or-not");
        c.propose(1, 78, "newer");
        RaftCore core = c.core(1);
        byte[] payload = "state-at-5".getBytes(StandardCharsets.UTF_8);
        long term = core.term() + 1;
        SnapshotInfo info = new SnapshotInfo(2, term, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));
        List<Action> written = core.step(new Event.Receive(
                new Message.InstallSnapshot(2, 1, term, info, 0, payload)));
        assertThat(written).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).hasSize(1);
        List<Action> installed = core.step(new Event.SnapshotSaved(info));

        assertThat(installed).contains(new Action.ResetLog(2, term), new Action.RestoreSnapshot(info));
        assertThat(installed).contains(new Action.ProposalUnknown(77, 2, term - 1),
                new Action.ProposalDropped(78, 3, term - 1));
        assertThat(core.commitIndex()).isEqualTo(2);
        assertThat(core.appliedIndex()).isEqualTo(2);
        assertThat(core.firstLogIndex()).isEqualTo(3);
        assertThat(core.lastLogIndex()).isEqualTo(2);
        assertThat(core.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aTransferWhoseBytesDoNotMatchTheChecksumIsNeverInstalled() {
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(1, 0));
        byte[] payload = "0123456789".getBytes(StandardCharsets.UTF_8);
        SnapshotInfo info = new SnapshotInfo(5, 1, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));
        byte[] damaged = payload.clone();
        damaged[7] ^= 1;
        List<Action> first = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0,
                Arrays.copyOfRange(damaged, 0, 5))));
        assertThat(first).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).hasSize(1);
        List<Action> last = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 5,
                Arrays.copyOfRange(damaged, 5, 10))));
        assertThat(last).noneMatch(a -> a instanceof Action.WriteSnapshotChunk);
        assertThat(last).contains(new Action.Send(new Message.InstallSnapshotResponse(3, 1, 1, 5, 0, false, false)));
        // The transfer starts again from 0, and correct bytes then install.
        core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0, payload)));
        List<Action> installed = core.step(new Event.SnapshotSaved(info));
        assertThat(installed).contains(new Action.RestoreSnapshot(info));
    }

    @Test
    void aChunkThatDoesNotContinueTheReceivedBytesIsAnsweredWithTheOffsetToResumeFrom() {
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(1, 0));
        byte[] payload = "0123456789".getBytes(StandardCharsets.UTF_8);
        SnapshotInfo info = new SnapshotInfo(5, 1, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));
        List<Action> gap = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 4,
                Arrays.copyOfRange(payload, 4, 6))));
        assertThat(gap).contains(new Action.Send(new Message.InstallSnapshotResponse(3, 1, 1, 5, 0, false, false)));
        core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0,
                Arrays.copyOfRange(payload, 0, 4))));
        List<Action> dup = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0,
                Arrays.copyOfRange(payload, 0, 4))));
        assertThat(dup).noneMatch(a -> a instanceof Action.WriteSnapshotChunk);
        assertThat(dup).contains(new Action.Send(new Message.InstallSnapshotResponse(3, 1, 1, 5, 4, true, false)));
        List<Action> skip = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 8,
                Arrays.copyOfRange(payload, 8, 10))));
        assertThat(skip).contains(new Action.Send(new Message.InstallSnapshotResponse(3, 1, 1, 5, 4, false, false)));
    }

    @Test
    void aStaleLeadersChunkIsAnsweredWithTheNewerTerm() {
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(4, 0));
        byte[] payload = {1, 2, 3};
        SnapshotInfo info = new SnapshotInfo(5, 2, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));
        List<Action> actions = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 2, info, 0, payload)));
        assertThat(actions).contains(new Action.Send(new Message.InstallSnapshotResponse(3, 1, 4, 5, 0, false,
                false)));
        assertThat(actions).noneMatch(a -> a instanceof Action.WriteSnapshotChunk);
    }

    @Test
    void aCoreBuiltFromASnapshotStartsAtItsIndexAndRefusesALogThatDoesNotContainIt() {
        InMemoryLog log = InMemoryLog.of(TestCluster.logOfTerms(1, 1, 2, 2, 2, 3));
        log.compactPrefix(3);
        SnapshotInfo at4 = new SnapshotInfo(4, 2, List.of(1L, 2L, 3L), 0, 0);
        RaftCore core = RaftCore.create(1, List.of(1L, 2L, 3L), SNAPSHOTS, log, new HardState(3, 0),
                Optional.of(at4));
        assertThat(core.commitIndex()).isEqualTo(4);
        assertThat(core.appliedIndex()).isEqualTo(4);
        assertThat(core.firstLogIndex()).isEqualTo(4);
        assertThat(core.status().snapshotIndex()).isEqualTo(4);

        SnapshotInfo wrongTerm = new SnapshotInfo(5, 3, List.of(1L, 2L, 3L), 0, 0);
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 2L, 3L), SNAPSHOTS, log, new HardState(3, 0),
                Optional.of(wrongTerm))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not contain the snapshot's position 5@3");
        SnapshotInfo pastLog = new SnapshotInfo(9, 3, List.of(1L, 2L, 3L), 0, 0);
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 2L, 3L), SNAPSHOTS, log, new HardState(3, 0),
                Optional.of(pastLog))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reset the log");
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 2L, 3L), SNAPSHOTS, log, new HardState(3, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no snapshot covers");
    }

    @Test
    void compactionNeverPassesWhatIsAppliedOrDurable() {
        TestCluster c = TestCluster.of(SNAPSHOTS.toBuilder().snapshotTrailingEntries(0).build(), 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        proposeMany(c, 1, 0, 25);
        for (long id = 1; id <= 3; id++) {
            for (Action.CompactLog compact : c.node(id).actions(Action.CompactLog.class)) {
                assertThat(compact.upToIndex()).as("node %d", id)
                        .isLessThanOrEqualTo(c.node(id).newestSnapshot().info().index());
            }
            assertThat(c.core(id).firstLogIndex() - 1).isLessThanOrEqualTo(c.core(id).appliedIndex())
                    .isLessThanOrEqualTo(c.core(id).persistedIndex());
        }
    }

    /**
     * Raft §7 with the action contract: a follower applies what the leader committed even while its own disk lags,
     * and may snapshot it, but compacts only entries that are durable in its log; the rest follows once they are.
     */
    @Test
    void aFollowerWhoseDiskLagsCompactsOnlyWhatItsLogHoldsDurably() {
        TestCluster c = TestCluster.of(SNAPSHOTS.toBuilder().snapshotTrailingEntries(0).build(), 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.pauseDisk(3);
        proposeMany(c, 1, 0, 25);
        long durable = c.node(3).durableLog.lastIndex();
        assertThat(c.node(3).applied).as("3 applies what 1 and 2 committed").hasSizeGreaterThan((int) durable);
        assertThat(c.node(3).newestSnapshot()).as("and snapshots it").isNotNull();
        assertThat(c.node(3).actions(Action.CompactLog.class)).as("but compacts no further than its durable log")
                .allMatch(a -> a.upToIndex() <= durable);
        c.resumeDisk(3);
        proposeMany(c, 1, 100, 1);
        assertThat(c.node(3).actions(Action.CompactLog.class)).as("the compaction completes once durable")
                .anyMatch(a -> a.upToIndex() > durable);
    }

    @Test
    void aSnapshotCoveringCommittedButNotYetDurableEntriesIsAcknowledgedOnlyOnceTheyAreDurable() {
        // Review finding B2: a follower may commit entries it has not made durable; "installed" must wait for them.
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(1, 0));
        core.step(new Event.Receive(new Message.AppendRequest(1, 3, 1, 0, 0,
                TestCluster.logOfTerms(1, 1, 1, 1, 1), 5, 1)));
        assertThat(core.commitIndex()).isEqualTo(5);
        assertThat(core.persistedIndex()).isZero();
        byte[] payload = {7};
        SnapshotInfo info = new SnapshotInfo(5, 1, List.of(1L, 2L, 3L), 1, TestCluster.crc(payload));

        List<Action> early = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, info, 0, payload)));
        assertThat(early).as("nothing claimed before the entries are durable")
                .noneMatch(a -> a instanceof Action.Send
                        && ((Action.Send) a).message() instanceof Message.InstallSnapshotResponse)
                .noneMatch(a -> a instanceof Action.WriteSnapshotChunk);
        List<Action> durable = core.step(new Event.Persisted(5, 1, 1));
        assertThat(durable).contains(new Action.Send(new Message.AppendResponse(3, 1, 1, true, 5, 0, 0, 0, 1)));
    }

    @Test
    void aDifferentSnapshotArrivingWhileOneIsBeingCommittedGetsNoAnswerSoTheLeaderCannotStorm() {
        // Review finding B1: an immediate rejection per chunk made the leader resend whole windows, exponentially.
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(1, 0));
        byte[] first = {1, 2, 3};
        SnapshotInfo s1 = new SnapshotInfo(40, 1, List.of(1L, 2L, 3L), 3, TestCluster.crc(first));
        core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, s1, 0, first)));
        byte[] second = {4, 5, 6, 7};
        SnapshotInfo s2 = new SnapshotInfo(70, 2, List.of(1L, 2L, 3L), 4, TestCluster.crc(second));
        List<Action> answer = core.step(new Event.Receive(new Message.InstallSnapshot(2, 3, 2, s2, 0, second)));
        assertThat(answer).noneMatch(a -> a instanceof Action.Send || a instanceof Action.WriteSnapshotChunk);
        // Once the first is installed, the second is taken.
        core.step(new Event.SnapshotSaved(s1));
        List<Action> taken = core.step(new Event.Receive(new Message.InstallSnapshot(2, 3, 2, s2, 0, second)));
        assertThat(taken).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).hasSize(1);
    }

    @Test
    void repeatedRejectionsOfOneLostChunkCostOneWindowOfResends() {
        TestCluster c = clusterWithFollowerBehindCompaction(SNAPSHOTS.toBuilder().snapshotChunksInFlight(4).build());
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        // Lose chunk 0: each later chunk in flight is rejected with "resume at 0".
        c.dropWhere(m -> m instanceof Message.InstallSnapshot && ((Message.InstallSnapshot) m).offset() == 0);
        int mark = c.node(1).mark();
        c.deliverWhere(m -> m instanceof Message.InstallSnapshot || m instanceof Message.InstallSnapshotResponse);
        assertThat(chunksSentTo(c, 1, 3, mark)).filteredOn(ch -> ch.offset() == 0).as("chunk 0 resent once")
                .hasSize(1);
        c.tickAll(30);
        assertConverged(c);
    }

    @Test
    void aReceivedSnapshotOvertakenByTheLogNoLongerBlocksALaterTransfer() {
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), SNAPSHOTS, new InMemoryLog(), new HardState(1, 0));
        byte[] first = {1, 2, 3};
        SnapshotInfo s1 = new SnapshotInfo(3, 1, List.of(1L, 2L, 3L), 3, TestCluster.crc(first));
        core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, s1, 0, first)));
        // Its commit never gets reported (the runtime gave it up), and the log catches up past it instead.
        core.step(new Event.Receive(new Message.AppendRequest(1, 3, 1, 0, 0,
                TestCluster.logOfTerms(1, 1, 1, 1), 4, 2)));
        core.step(new Event.Persisted(4, 1, 1));
        byte[] second = {4, 5};
        SnapshotInfo s2 = new SnapshotInfo(9, 1, List.of(1L, 2L, 3L), 2, TestCluster.crc(second));
        List<Action> taken = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, s2, 0, second)));
        assertThat(taken).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).hasSize(1);
    }

    @Test
    void aSilentTransferRestartsWithTheNewestSnapshotOnTimeout() {
        // Simulator finding S3: the transfer's snapshot may be deleted (stores keep the newest few); chunks of it are
        // dropped, and retrying the same snapshot until the retries run out stalls the follower.
        TestCluster c = clusterWithFollowerBehindCompaction();
        c.tick(1, SNAPSHOTS.heartbeatIntervalTicks());
        c.deliverWhere(m -> !(m instanceof Message.InstallSnapshot));
        long first = c.node(1).newestSnapshot().info().index();
        c.dropWhere(m -> m instanceof Message.InstallSnapshot);
        proposeMany(c, 1, 200, 12);
        c.dropWhere(m -> m instanceof Message.InstallSnapshot);
        long newer = c.node(1).newestSnapshot().info().index();
        assertThat(newer).isGreaterThan(first);
        int mark = c.node(1).mark();
        c.tick(1, SNAPSHOTS.snapshotChunkTimeoutTicks());
        assertThat(chunksSentTo(c, 1, 3, mark)).isNotEmpty()
                .allMatch(ch -> ch.snapshot().index() == newer);
        c.tickAll(40);
        assertConverged(c);
    }
}
