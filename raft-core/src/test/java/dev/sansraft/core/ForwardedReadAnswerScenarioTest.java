package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.LeadershipTransferScenarioTest.transfer;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §6.4: a follower serves a read by asking its leader for the read index. Every forwarded read gets an answer
 * without waiting for a timeout: a node that is not the leader refuses it at once, a leader that steps down refuses
 * the ones it holds, and a follower that learns of a new leader rejects the reads it forwarded to the old one (their
 * answers can no longer arrive in its term), naming the new leader so the client retries there.
 */
class ForwardedReadAnswerScenarioTest {

    @Test
    @DisplayName("§6.4: a follower refuses a read forwarded to it")
    void aFollowerRefusesAForwardedRead() {
        TestCluster c = started(1, 1, 2, 3);
        assertNode2RefusesAReadForwardedToIt(c);
    }

    @Test
    @DisplayName("§6.4: a (pre-)candidate refuses a read forwarded to it")
    void aCandidateRefusesAForwardedRead() {
        TestCluster c = started(1, 1, 2, 3);
        c.timeOut(2);
        assertThat(c.core(2).role()).isEqualTo(Role.PRE_CANDIDATE);
        assertNode2RefusesAReadForwardedToIt(c);
    }

    /** Node 3 forwards a read to node 2, which is not the leader: the answer is an immediate refusal in 2's term. */
    private static void assertNode2RefusesAReadForwardedToIt(TestCluster c) {
        long term = c.core(2).term();
        int mark = c.node(2).mark();
        c.deliver(new Message.ReadIndexRequest(3, 2, term, 9));
        assertThat(c.node(2).sentSince(mark, Message.ReadIndexResponse.class))
                .containsExactly(new Message.ReadIndexResponse(2, 3, term, 9, 0, false));
    }

    @Test
    @DisplayName("§6.4: a leader that steps down refuses the forwarded reads it was confirming")
    void aLeaderThatStepsDownRefusesTheForwardedReadsItHolds() {
        TestCluster c = started(1, 1, 2, 3);
        long term = c.core(1).term();
        c.step(2, new Event.ReadIndex(5, false));
        c.deliverWhere(m -> m instanceof Message.ReadIndexRequest);
        assertThat(c.dropWhere(m -> m instanceof Message.AppendRequest)).as("the confirming round is lost")
                .isPositive();
        int mark = c.node(1).mark();
        // 3 moved to a later term meanwhile and answers with it.
        c.deliver(new Message.AppendResponse(3, 1, term + 1, false, 0, 0, 0, 0, 0));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(1).leaderId()).as("a reply in a later term names no leader of it").isZero();
        assertThat(c.node(1).sentSince(mark, Message.ReadIndexResponse.class))
                .containsExactly(new Message.ReadIndexResponse(1, 2, term + 1, 5, 0, false));
    }

    @Test
    @DisplayName("§6.4: a read forwarded to a deposed leader is rejected as soon as the follower hears from the new one")
    void aReadForwardedToADeposedLeaderIsRejectedNamingTheNewLeader() {
        TestCluster c = started(1, 1, 2, 3);
        c.step(2, new Event.ReadIndex(5, false));
        assertThat(c.dropWhere(m -> m instanceof Message.ReadIndexRequest)).as("the forwarded read is lost")
                .isEqualTo(1);
        // Leadership moves to 3 without 2 taking part in the election.
        transfer(c, 1, 7, 3);
        c.deliverWhere(m -> m instanceof Message.TimeoutNow);
        c.dropWhere(m -> m instanceof Message.VoteRequest && m.to() == 2);
        int mark = c.node(2).mark();
        c.deliverAll();
        assertThat(c.core(3).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(2).leaderId()).isEqualTo(3);

        assertThat(c.node(2).actions.subList(mark, c.node(2).actions.size()))
                .as("rejected on hearing from leader 3, without a tick")
                .contains(new Action.ReadRejected(5, 3));
        c.tickAll(2 * c.config.electionTimeoutTicks());
        assertThat(ReadAnsweredOnceScenarioTest.answers(c, 2, 5)).as("one answer only")
                .containsExactly(new Action.ReadRejected(5, 3));
    }
}
