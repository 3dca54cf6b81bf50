package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Linearizable reads (thesis §6.4): ReadIndex rounds, the new leader's wait for its NOOP, and leases. */
class ReadScenarioTest {

    private static TestCluster electedCluster(RaftConfig config, long... ids) {
        TestCluster c = TestCluster.of(config, ids);
        c.elect(ids[0]);
        c.deliverAll();
        c.tickAll(1);
        return c;
    }

    private static boolean isAppend(Message m) {
        return m instanceof Message.AppendRequest || m instanceof Message.AppendResponse;
    }

    @Test
    void aReadWaitsForAHeartbeatRoundAcknowledgedByAQuorum() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        List<Action> actions = c.step(1, new Event.ReadIndex(7, false));
        assertThat(actions).noneMatch(a -> a instanceof Action.ReadReady);
        assertThat(c.queued(Message.AppendRequest.class)).as("a round goes to every follower").hasSize(2);
        c.deliverWhere(m -> m.to() == 3);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("a round sent, not yet acknowledged").isEmpty();
        c.deliverWhere(m -> m.from() == 3);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("leader + node 3 is a quorum")
                .containsExactly(new Action.ReadReady(7, 1));
    }

    @Test
    void anAcknowledgementOfAnEarlierRoundDoesNotServeALaterRead() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.tick(1, 1);
        c.step(1, new Event.ReadIndex(7, false));
        // Only the responses to the tick's heartbeat round come back; the read's own round is lost.
        Message.AppendRequest first = c.queued(Message.AppendRequest.class).get(0);
        long tickRound = first.round();
        c.dropWhere(m -> m instanceof Message.AppendRequest && ((Message.AppendRequest) m).round() > tickRound);
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).isEmpty();
        c.tick(1, 1);
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(7, 1));
    }

    @Test
    void aNewLeaderServesNoReadUntilItsNoopCommits() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.propose(1, 0, "ignored"); // a follower's proposal is simply rejected
        c.timeOut(1);
        c.deliverWhere(m -> m instanceof Message.VoteRequest || m instanceof Message.VoteResponse);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.step(1, new Event.ReadIndex(1, false));
        c.step(1, new Event.ReadIndex(2, true));
        assertThat(c.node(1).actions(Action.ReadReady.class)).isEmpty();
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(1);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("both served at the NOOP's index")
                .extracting(Action.ReadReady::readIndex).containsExactly(1L, 1L);
    }

    @Test
    void manyReadsShareOneRound() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        List<Event> reads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reads.add(new Event.ReadIndex(i, false));
        }
        c.stepAll(1, reads);
        assertThat(c.queued(Message.AppendRequest.class)).as("one heartbeat per follower for ten reads")
                .hasSize(2);
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).hasSize(10)
                .allMatch(r -> r.readIndex() == 1);
    }

    @Test
    void theReadIndexIsTheCommitIndexWhenTheReadArrived() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.propose(1, 1, "a");
        c.deliverAll();
        c.step(1, new Event.ReadIndex(5, false));
        c.propose(1, 2, "b");
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(5, 2));
        assertThat(c.core(1).commitIndex()).isEqualTo(3);
    }

    @Test
    void aDeposedLeadersPendingReadsAreRejected() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.isolate(1);
        c.step(1, new Event.ReadIndex(9, false));
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        c.heal(1);
        c.tickAll(3);
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(1).actions(Action.ReadReady.class)).isEmpty();
        assertThat(c.node(1).actions(Action.ReadRejected.class)).singleElement()
                .matches(r -> r.readId() == 9 && (r.leaderHint() == 0 || r.leaderHint() == leader));
    }

    @Test
    void aFollowerReadGoesThroughTheLeader() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.propose(1, 1, "a");
        c.deliverAll();
        List<Action> actions = c.step(2, new Event.ReadIndex(33, false));
        assertThat(actions).anyMatch(a -> a instanceof Action.Send
                && ((Action.Send) a).message().equals(new Message.ReadIndexRequest(2, 1, 1, 33)));
        c.deliverAll();
        assertThat(c.node(2).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(33, 2));
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("served remotely, not locally").isEmpty();
    }

    @Test
    void aFollowerWithNoLeaderRejectsReads() {
        TestCluster c = TestCluster.of(1, 2, 3);
        assertThat(c.step(2, new Event.ReadIndex(4, false))).contains(new Action.ReadRejected(4, 0));
    }

    @Test
    void aForwardedReadIsRejectedWhenTheFollowerLosesItsLeader() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.isolate(1);
        c.step(2, new Event.ReadIndex(8, false));
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.node(2).actions(Action.ReadRejected.class)).singleElement().matches(r -> r.readId() == 8);
        assertThat(c.node(2).actions(Action.ReadReady.class)).isEmpty();
    }

    @Test
    void aSingleNodeServesReadsOnceItsNoopCommits() {
        TestCluster c = TestCluster.of(1);
        c.tick(1, 1);
        assertThat(c.step(1, new Event.ReadIndex(3, false))).contains(new Action.ReadReady(3, 1));
    }

    @Test
    void aLeaseReadIsServedAtOnceWhileTheLeaseHolds() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.isolate(2);
        c.isolate(3);
        int holds = c.config.electionTimeoutTicks() - c.config.leaseClockDriftTicks() - 1;
        c.tick(1, holds);
        assertThat(c.step(1, new Event.ReadIndex(1, true))).as("within the lease, no round needed")
                .contains(new Action.ReadReady(1, 1));
    }

    @Test
    void aLeaseReadNeedsARoundOnceTheLeaseExpired() {
        TestCluster c = electedCluster(RaftConfig.defaults(), 1, 2, 3);
        c.isolate(2);
        c.isolate(3);
        c.tick(1, c.config.electionTimeoutTicks() - c.config.leaseClockDriftTicks());
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.step(1, new Event.ReadIndex(1, true))).noneMatch(a -> a instanceof Action.ReadReady);
        c.heal(2);
        c.tick(1, 1);
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(1, 1));
    }

    @Test
    void withoutCheckQuorumLeaseReadsFallBackToARound() {
        TestCluster c = electedCluster(RaftConfig.builder().checkQuorum(false).build(), 1, 2, 3);
        assertThat(c.step(1, new Event.ReadIndex(1, true))).noneMatch(a -> a instanceof Action.ReadReady);
        c.deliverAll();
        assertThat(c.node(1).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(1, 1));
    }

    @Test
    void aNewLeaderHasNoLeaseUntilARoundIsAcknowledged() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.timeOut(1);
        c.deliverWhere(m -> m instanceof Message.VoteRequest || m instanceof Message.VoteResponse);
        c.step(1, new Event.ReadIndex(1, true));
        assertThat(c.node(1).actions(Action.ReadReady.class)).isEmpty();
        c.deliverWhere(ReadScenarioTest::isAppend);
        assertThat(c.node(1).actions(Action.ReadReady.class)).containsExactly(new Action.ReadReady(1, 1));
    }
}
