package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leadership transfer (thesis §3.10): the leader stops taking proposals, brings the target up to date, sends it
 * TimeoutNow; the target campaigns at once without PreVote, and voters ignore their lease for it; the old leader
 * stops lease reads; the transfer is abandoned after an election timeout; only voters can be targets.
 */
class LeadershipTransferScenarioTest {

    static List<Action.TransferOutcome> outcomes(TestCluster c, long id, long requestId) {
        return c.node(id).actions(Action.TransferOutcome.class).stream().filter(o -> o.requestId() == requestId)
                .toList();
    }

    static List<Action> transfer(TestCluster c, long leader, long requestId, long target) {
        return c.step(leader, new Event.TransferLeadership(requestId, target));
    }

    @Test
    void leadershipMovesToACaughtUpFollower() {
        TestCluster c = started(1, 1, 2, 3);
        long term = c.core(1).term();
        transfer(c, 1, 7, 2);
        assertThat(c.queued(Message.TimeoutNow.class)).as("2 already holds the whole log")
                .containsExactly(new Message.TimeoutNow(1, 2, term));
        c.deliverAll();

        assertThat(c.core(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(2).term()).isEqualTo(term + 1);
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(outcomes(c, 1, 7)).containsExactly(
                new Action.TransferOutcome(7, 2, Action.TransferResult.COMPLETED, 2));
    }

    @Test
    void theTargetCampaignsAtOnceWithoutPreVoteAndVotersIgnoreTheirLease() {
        TestCluster c = started(1, 1, 2, 3);
        transfer(c, 1, 7, 2);
        c.deliverWhere(m -> m instanceof Message.TimeoutNow);

        assertThat(c.core(2).role()).as("no tick needed").isEqualTo(Role.CANDIDATE);
        List<Message.VoteRequest> requests = c.queued(Message.VoteRequest.class);
        assertThat(requests).hasSize(2).allSatisfy(r -> {
            assertThat(r.preVote()).isFalse();
            assertThat(r.leadershipTransfer()).isTrue();
        });
        c.deliverWhere(m -> m instanceof Message.VoteRequest && m.to() == 3);
        assertThat(c.node(3).sent(Message.VoteResponse.class)).as("3 heard from 1 a tick ago and still grants")
                .anyMatch(r -> r.to() == 2 && r.voteGranted());
    }

    @Test
    void theLeaderBringsTheTargetUpToDateBeforeTimeoutNow() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(2);
        c.propose(1, 1, "a");
        c.propose(1, 2, "b");
        c.deliverAll();
        c.heal(2);
        transfer(c, 1, 7, 2);
        assertThat(c.queued(Message.TimeoutNow.class)).as("2 misses two entries").isEmpty();

        for (int i = 0; i < 3 && c.core(2).role() != Role.LEADER; i++) {
            c.tick(1, 1); // the heartbeat finds 2 behind, and the leader repairs its log
            c.deliverAll();
        }
        assertThat(c.node(1).sent(Message.TimeoutNow.class)).hasSize(1);
        assertThat(c.core(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(2).applied.size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void theLeaderRejectsProposalsWhileHandingOver() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(2);
        transfer(c, 1, 7, 2);
        c.propose(1, 5, "during");
        assertThat(c.node(1).outcomes(5)).containsExactly(
                new Action.ProposalRejected(5, Action.RejectReason.LEADERSHIP_TRANSFER, 2));
        c.changeMembership(1, 6, addLearner(4, "h4"));
        assertThat(c.node(1).outcomes(6)).singleElement().extracting(o -> ((Action.ProposalRejected) o).reason())
                .isEqualTo(Action.RejectReason.LEADERSHIP_TRANSFER);
    }

    @Test
    void theOldLeaderStopsLeaseReadsOnceItStartsATransfer() {
        TestCluster c = started(1, 1, 2, 3);
        c.tickAll(1);
        assertThat(c.step(1, new Event.ReadIndex(1, true))).as("the lease holds before")
                .anyMatch(a -> a instanceof Action.ReadReady);
        c.isolate(2);
        transfer(c, 1, 7, 2);
        assertThat(c.step(1, new Event.ReadIndex(2, true))).as("a vote for 2 may ignore the lease now")
                .noneMatch(a -> a instanceof Action.ReadReady);

        c.tick(1, c.config.electionTimeoutTicks());
        assertThat(outcomes(c, 1, 7)).singleElement().extracting(Action.TransferOutcome::result)
                .isEqualTo(Action.TransferResult.TIMED_OUT);
        c.deliverAll();
        assertThat(c.step(1, new Event.ReadIndex(3, true))).as("nor after an abort, in the same term")
                .noneMatch(a -> a instanceof Action.ReadReady);
    }

    @Test
    void aTransferIsAbandonedAfterAnElectionTimeout() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(2);
        transfer(c, 1, 7, 2);
        c.tick(1, c.config.electionTimeoutTicks() - 1);
        assertThat(outcomes(c, 1, 7)).isEmpty();
        c.tick(1, 1);
        assertThat(outcomes(c, 1, 7)).containsExactly(
                new Action.TransferOutcome(7, 2, Action.TransferResult.TIMED_OUT, 1));
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.propose(1, 5, "after");
        assertThat(c.node(1).outcomes(5)).singleElement().isInstanceOf(Action.ProposalAccepted.class);
    }

    @Test
    void onlyAVoterCanBeTheTarget() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.tickAll(3);

        transfer(c, 1, 7, 4);
        transfer(c, 1, 8, 9);
        assertThat(outcomes(c, 1, 7)).containsExactly(
                new Action.TransferOutcome(7, 4, Action.TransferResult.INVALID_TARGET, 1));
        assertThat(outcomes(c, 1, 8)).containsExactly(
                new Action.TransferOutcome(8, 9, Action.TransferResult.INVALID_TARGET, 1));
        transfer(c, 2, 9, 3);
        assertThat(outcomes(c, 2, 9)).containsExactly(
                new Action.TransferOutcome(9, 3, Action.TransferResult.NOT_LEADER, 1));
        c.step(4, new Event.Receive(new Message.TimeoutNow(1, 4, c.core(1).term())));
        assertThat(c.core(4).role()).as("a learner told to time out does not campaign").isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aSecondTransferIsRefusedWhileOneIsUnderWay() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(2);
        transfer(c, 1, 7, 2);
        transfer(c, 1, 8, 3);
        assertThat(outcomes(c, 1, 8)).containsExactly(
                new Action.TransferOutcome(8, 3, Action.TransferResult.IN_PROGRESS, 1));
        assertThat(c.core(1).status().transferTarget()).isEqualTo(2);
    }
}
