package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads (thesis §6.4) when leadership ends and starts again on the same node: each read gets exactly one outcome,
 * and each leadership builds its lease from its own rounds.
 */
class ReadAcrossLeadershipScenarioTest {

    /** Every outcome node {@code id} reported for read {@code readId}. */
    private static List<Action> readOutcomes(TestCluster c, long id, long readId) {
        return c.node(id).actions.stream()
                .filter(a -> (a instanceof Action.ReadReady && ((Action.ReadReady) a).readId() == readId)
                        || (a instanceof Action.ReadRejected && ((Action.ReadRejected) a).readId() == readId))
                .toList();
    }

    /**
     * A read that reached a new leader before its NOOP committed waits for that commit (thesis §6.4 step 1). If the
     * leader is deposed first, the read is rejected, once: leading again later does not serve it a second time.
     */
    @Test
    void aReadRejectedWhenItsLeaderWasDeposedBeforeItsNoopCommittedIsNotServedByItsNextLeadership() {
        RaftConfig config = RaftConfig.builder().preVote(false).checkQuorum(false).build();
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.timeOut(1);
        c.deliverWhere(m -> m instanceof Message.VoteRequest || m instanceof Message.VoteResponse);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.dropWhere(m -> true); // the NOOP reaches nobody
        c.step(1, new Event.ReadIndex(7, false));
        assertThat(readOutcomes(c, 1, 7)).as("waiting for the NOOP").isEmpty();
        // Node 2 starts term 2; node 1 hears of it and steps down.
        c.deliver(new Message.VoteRequest(2, 1, 2, 0, 0, false));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(readOutcomes(c, 1, 7)).as("the deposed leader's read").containsExactly(
                new Action.ReadRejected(7, 0));
        c.dropWhere(m -> true);
        // Node 1 leads again, in term 3, and commits its NOOP there.
        c.elect(1);
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.core(1).term()).isEqualTo(3);
        assertThat(c.core(1).commitIndex()).isEqualTo(c.core(1).lastLogIndex());
        assertThat(readOutcomes(c, 1, 7)).as("still the one outcome").containsExactly(
                new Action.ReadRejected(7, 0));
    }

    /**
     * Thesis §6.4 step 3: a read whose index is fixed waits for a round of heartbeats a quorum acknowledges. If the
     * leader is deposed before that, the read is rejected, once: the rounds of a later leadership of the same node
     * must not serve it a second time.
     */
    @Test
    void aReadRejectedWhileItWaitedOnARoundIsNotServedByALaterLeadership() {
        RaftConfig config = RaftConfig.builder().preVote(false).checkQuorum(false).build();
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.core(1).commitIndex()).as("the NOOP committed").isEqualTo(c.core(1).lastLogIndex());
        c.dropWhere(m -> true);
        c.step(1, new Event.ReadIndex(8, false));
        c.dropWhere(m -> true); // the read's round reaches nobody
        assertThat(readOutcomes(c, 1, 8)).as("waiting for its round").isEmpty();
        long term = c.core(1).term();
        c.deliver(new Message.VoteRequest(2, 1, term + 1, 0, 0, false));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(readOutcomes(c, 1, 8)).as("the deposed leader's read").containsExactly(
                new Action.ReadRejected(8, 0));
        c.dropWhere(m -> true);
        c.elect(1);
        c.deliverAll();
        for (int i = 0; i < 10; i++) {
            c.tickAll(1);
            c.deliverAll();
        }
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isGreaterThan(term + 1);
        assertThat(readOutcomes(c, 1, 8)).as("still the one outcome after ten acknowledged rounds").containsExactly(
                new Action.ReadRejected(8, 0));
    }

    /**
     * Thesis §6.4.1: a lease runs from the sending of a round a quorum acknowledged. A leader that lost its quorum
     * (its rounds went unanswered) and then leads again gets its lease from the new leadership's first acknowledged
     * round, so a lease read right after is served without another round.
     */
    @Test
    void aLeaderElectedAgainAfterLosingItsQuorumGetsALeaseFromItsNewRounds() {
        RaftConfig config = RaftConfig.defaults();
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(2);
        // Only node 1 can win the next election: 2 and 3 cannot reach each other, and node 1's log is longer.
        c.cut(2, 3);
        c.isolate(1);
        c.propose(1, 1, "only on node 1");
        int et = config.electionTimeoutTicks();
        for (int i = 0; i < 3 * et && c.core(1).role() == Role.LEADER; i++) {
            c.tick(1, 1);
        }
        assertThat(c.core(1).role()).as("CheckQuorum: unanswered rounds end the leadership").isEqualTo(
                Role.FOLLOWER);
        c.heal(1);
        long oldTerm = c.core(1).term();
        for (int i = 0; i < 20 * et && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isEqualTo(1);
        assertThat(c.core(1).term()).isGreaterThan(oldTerm);
        c.tickAll(2);
        assertThat(c.core(1).commitIndex()).isEqualTo(c.core(1).lastLogIndex());
        int mark = c.node(1).mark();
        List<Action> actions = c.step(1, new Event.ReadIndex(99, true));
        assertThat(actions).as("a lease read while the new lease holds")
                .contains(new Action.ReadReady(99, c.core(1).commitIndex()));
        assertThat(c.node(1).sentSince(mark, Message.AppendRequest.class)).as("no round needed").isEmpty();
    }
}
