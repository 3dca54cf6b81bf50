package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.LeadershipTransferScenarioTest.outcomes;
import static dev.sansraft.core.LeadershipTransferScenarioTest.transfer;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §3.10: a transfer that does not complete within an election timeout is abandoned and its requester told so.
 * That holds even when the old leader already stepped down for the target's election and then never hears who won:
 * the client asking for the transfer still gets an answer after one election timeout. And the leader hands over as
 * soon as the target's own acknowledgement shows it holds the whole log, whatever the other followers do.
 */
class TransferAbortAfterStepDownScenarioTest {

    @Test
    @DisplayName("§3.10: a leader that stepped down for a target whose election stalls reports TIMED_OUT after one election timeout")
    void aTransferWhoseTargetNeverWinsTimesOutOnTheSteppedDownLeader() {
        TestCluster c = started(1, 1, 2, 3);
        transfer(c, 1, 7, 2);
        c.deliverWhere(m -> m instanceof Message.TimeoutNow);
        assertThat(c.core(2).role()).isEqualTo(Role.CANDIDATE);
        // Node 1 grants the target's vote and steps down; the grant and the request to 3 are lost.
        c.deliverWhere(m -> m instanceof Message.VoteRequest && m.to() == 1);
        c.dropWhere(m -> true);
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(1).leaderId()).as("no leader known for the target's term").isZero();

        c.tick(1, c.config.electionTimeoutTicks() - 1);
        assertThat(outcomes(c, 1, 7)).as("still within the election timeout").isEmpty();
        c.tick(1, 1);
        assertThat(outcomes(c, 1, 7)).containsExactly(
                new Action.TransferOutcome(7, 2, Action.TransferResult.TIMED_OUT, 0));
    }

    @Test
    @DisplayName("§3.10: TimeoutNow goes out as soon as the target acknowledges the leader's last entry")
    void timeoutNowFollowsTheTargetsAcknowledgementOfTheLastEntry() {
        TestCluster c = started(1, 1, 2, 3);
        long term = c.core(1).term();
        c.propose(1, 1, "x");
        transfer(c, 1, 7, 2);
        assertThat(c.queued(Message.TimeoutNow.class)).as("2 does not hold x yet").isEmpty();
        c.deliverWhere(TestCluster.between(1, 2));
        assertThat(c.node(1).sent(Message.TimeoutNow.class)).as("3's acknowledgement is not needed")
                .containsExactly(new Message.TimeoutNow(1, 2, term));
        assertThat(c.core(2).role()).isEqualTo(Role.LEADER);
    }
}
