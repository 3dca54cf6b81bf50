package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Proposals: exactly one outcome each, batching, pipelining and back-pressure. */
class ProposalScenarioTest {

    private static TestCluster electedCluster(RaftConfig config, long... ids) {
        TestCluster c = TestCluster.of(config, ids);
        c.elect(ids[0]);
        c.deliverAll();
        c.tickAll(1);
        return c;
    }

    private static List<Event> proposals(int count, int payloadBytes) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Event.Propose(i, new byte[payloadBytes]));
        }
        return events;
    }

    private static long appendsTo(List<Action> actions, long follower) {
        return actions.stream().filter(a -> a instanceof Action.Send
                && ((Action.Send) a).message() instanceof Message.AppendRequest
                && ((Action.Send) a).message().to() == follower).count();
    }

    @Test
    void anAcceptedProposalIsAppliedWithItsIndexAndTerm() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        List<Action> actions = c.propose(1, 42, "hello");
        assertThat(actions).contains(new Action.ProposalAccepted(42, 2, 1));
        c.deliverAll();
        assertThat(c.node(1).applied).anyMatch(e -> e.index() == 2 && e.term() == 1
                && new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8).equals("hello"));
        assertThat(c.node(1).outcomes(42)).as("exactly one outcome").hasSize(1);
    }

    @Test
    void aFollowerRejectsProposalsNamingTheLeader() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        assertThat(c.propose(2, 7, "x"))
                .containsExactly(new Action.ProposalRejected(7, Action.RejectReason.NOT_LEADER, 1));
        assertThat(c.core(2).lastLogIndex()).as("nothing appended").isEqualTo(1);
    }

    @Test
    void withNoLeaderKnownTheHintIsZero() {
        TestCluster c = TestCluster.of(1, 2, 3);
        assertThat(c.propose(2, 7, "x"))
                .contains(new Action.ProposalRejected(7, Action.RejectReason.NOT_LEADER, 0));
        c.timeOut(2);
        assertThat(c.propose(2, 8, "x")).as("a (pre-)candidate is not a leader")
                .containsExactly(new Action.ProposalRejected(8, Action.RejectReason.NOT_LEADER, 0));
    }

    @Test
    void proposalsBeyondMaxUncommittedBytesAreRejectedAsOverloadedUntilSomethingCommits() {
        long entry = LogEntry.OVERHEAD_BYTES + 50;
        RaftConfig config = RaftConfig.builder().maxUncommittedBytes(2 * entry + 10).build();
        TestCluster c = electedCluster(config, 1, 2, 3);
        c.isolate(2);
        c.isolate(3);
        assertThat(c.step(1, new Event.Propose(1, new byte[50]))).contains(new Action.ProposalAccepted(1, 2, 1));
        assertThat(c.step(1, new Event.Propose(2, new byte[50]))).contains(new Action.ProposalAccepted(2, 3, 1));
        assertThat(c.step(1, new Event.Propose(3, new byte[50])))
                .contains(new Action.ProposalRejected(3, Action.RejectReason.OVERLOADED, 1));
        assertThat(c.core(1).lastLogIndex()).isEqualTo(3);
        c.heal(2);
        c.heal(3);
        c.tickAll(3);
        assertThat(c.core(1).commitIndex()).isEqualTo(3);
        assertThat(c.step(1, new Event.Propose(4, new byte[50]))).as("committed bytes no longer count")
                .contains(new Action.ProposalAccepted(4, 4, 1));
    }

    @Test
    void aDeposedLeadersOverwrittenProposalIsDroppedExactlyOnce() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.isolate(1);
        c.propose(1, 100, "lost-1");
        c.propose(1, 101, "lost-2");
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        c.propose(leader, 200, "kept");
        c.heal(1);
        c.tickAll(5);
        for (long id : new long[] {100, 101}) {
            List<Action.ProposalOutcome> outcomes = c.node(1).outcomes(id);
            assertThat(outcomes).as("proposal %d", id).hasSize(2);
            assertThat(outcomes.get(0)).isInstanceOf(Action.ProposalAccepted.class);
            Action.ProposalAccepted accepted = (Action.ProposalAccepted) outcomes.get(0);
            assertThat(outcomes.get(1)).isEqualTo(new Action.ProposalDropped(id, accepted.index(),
                    accepted.term()));
            assertThat(c.node(1).applied).as("never applied")
                    .noneMatch(e -> e.index() == accepted.index() && e.term() == accepted.term());
        }
        assertThat(c.node(leader).outcomes(200)).hasSize(1);
    }

    @Test
    void aDeposedLeadersProposalThatTheNextLeaderCommitsIsAppliedNotDropped() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.propose(1, 5, "replicated");
        c.deliverWhere(m -> m instanceof Message.AppendRequest && m.to() == 2);
        // Node 2 holds index 2; node 1 is cut off before it learns that anything committed.
        c.isolate(1);
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).as("only node 2 holds index 2, so only it can win").isEqualTo(2);
        c.heal(1);
        c.tickAll(3);
        assertThat(c.node(1).outcomes(5)).as("accepted, then applied: no second outcome").hasSize(1)
                .first().isEqualTo(new Action.ProposalAccepted(5, 2, 1));
        assertThat(c.node(1).applied).anyMatch(e -> e.index() == 2 && e.term() == 1);
    }

    @Test
    void aBatchOfProposalsGoesOutAsOneAppendPerFollower() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        List<Action> actions = c.stepAll(1, proposals(100, 8));
        assertThat(actions).filteredOn(a -> a instanceof Action.ProposalAccepted).hasSize(100);
        assertThat(appendsTo(actions, 2)).isEqualTo(1);
        assertThat(appendsTo(actions, 3)).isEqualTo(1);
        assertThat(actions).filteredOn(a -> a instanceof Action.AppendLog).as("one log write for the batch")
                .hasSize(1);
        assertThat(c.queued(Message.AppendRequest.class)).allMatch(a -> a.entries().size() == 100);
    }

    @Test
    void batchesAreCutAtMaxEntriesPerAppend() {
        TestCluster c = electedCluster(RaftConfig.builder().maxEntriesPerAppend(30).build(), 1, 2, 3);
        List<Action> actions = c.stepAll(1, proposals(100, 8));
        assertThat(appendsTo(actions, 2)).isEqualTo(4);
        assertThat(c.queued(Message.AppendRequest.class)).filteredOn(a -> a.to() == 2)
                .extracting(a -> a.entries().size()).containsExactly(30, 30, 30, 10);
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(101);
    }

    @Test
    void batchesAreCutAtMaxBytesPerAppend() {
        int payload = 100 - LogEntry.OVERHEAD_BYTES;
        TestCluster c = electedCluster(RaftConfig.builder().maxBytesPerAppend(1000).build(), 1, 2, 3);
        c.stepAll(1, proposals(100, payload));
        assertThat(c.queued(Message.AppendRequest.class)).filteredOn(a -> a.to() == 2).hasSize(10)
                .allMatch(a -> a.entries().stream().mapToLong(LogEntry::sizeBytes).sum() <= 1000);
    }

    @Test
    void anEntryLargerThanMaxBytesPerAppendStillGoesAlone() {
        TestCluster c = electedCluster(RaftConfig.builder().maxBytesPerAppend(100).build(), 1, 2, 3);
        c.stepAll(1, proposals(3, 500));
        assertThat(c.queued(Message.AppendRequest.class)).filteredOn(a -> a.to() == 2).hasSize(3)
                .allMatch(a -> a.entries().size() == 1);
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(4);
    }

    @Test
    void appendsArePipelinedUpToMaxInflightThenPause() {
        RaftConfig config = RaftConfig.builder().maxInflightAppends(3).maxEntriesPerAppend(1).build();
        TestCluster c = electedCluster(config, 1, 2, 3);
        for (int i = 0; i < 10; i++) {
            c.propose(1, i, "p" + i);
        }
        assertThat(c.queued(Message.AppendRequest.class)).filteredOn(a -> a.to() == 2).as("window of 3")
                .hasSize(3);
        assertThat(c.core(1).status().peers()).allMatch(p -> p.state() == PeerProgress.State.REPLICATE
                && p.inflight() == 3);
        Message first = c.queued(Message.AppendRequest.class).stream().filter(a -> a.to() == 2).findFirst()
                .orElseThrow();
        c.inFlight.remove(first);
        c.deliver(first);
        c.deliverWhere(m -> m instanceof Message.AppendResponse && m.from() == 2);
        assertThat(c.queued(Message.AppendRequest.class)).filteredOn(a -> a.to() == 2)
                .as("one acknowledgement opens one slot").hasSize(3);
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(11);
        assertThat(c.node(2).log.snapshotEntries()).isEqualTo(c.node(1).log.snapshotEntries());
    }

    @Test
    void aSingleProposalLargerThanMaxUncommittedBytesIsAcceptedWhenNothingIsPending() {
        TestCluster c = electedCluster(RaftConfig.builder().maxUncommittedBytes(100).build(), 1, 2, 3);
        assertThat(c.step(1, new Event.Propose(1, new byte[500]))).as("no starvation of large commands")
                .contains(new Action.ProposalAccepted(1, 2, 1));
        assertThat(c.step(1, new Event.Propose(2, new byte[1])))
                .contains(new Action.ProposalRejected(2, Action.RejectReason.OVERLOADED, 1));
    }

    @Test
    void largeCommitsAreAppliedInBoundedBatchesInOrder() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.pauseDisk(2);
        c.pauseDisk(3);
        c.stepAll(1, proposals(20, 1 << 20));
        c.deliverAll();
        int mark = c.node(1).mark();
        c.resumeDisk(2);
        c.deliverAll();
        List<Action.Apply> applies = new ArrayList<>();
        for (Action a : c.node(1).actions.subList(mark, c.node(1).actions.size())) {
            if (a instanceof Action.Apply) {
                applies.add((Action.Apply) a);
            }
        }
        assertThat(c.node(1).applied).hasSize(21);
        assertThat(applies).as("20 MiB committed at once").hasSize(3).allMatch(a -> a.entries().stream().mapToLong(LogEntry::sizeBytes).sum()
                <= (8L << 20) + LogEntry.OVERHEAD_BYTES, "an Apply holds at most about 8 MiB");
        for (int i = 0; i < 20; i++) {
            assertThat(c.node(1).outcomes(i)).as("proposal %d", i).hasSize(1);
        }
    }
}
