package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read contract (thesis §6.4, {@link Event.ReadIndex}): every read gets exactly one answer, {@link
 * Action.ReadReady} or {@link Action.ReadRejected}. A follower gives up on a forwarded read after one election
 * timeout, not before, and a leader's answer arriving after that is not a second answer; a read a new leader served
 * once its NOOP committed is not rejected again when that leader steps down.
 */
class ReadAnsweredOnceScenarioTest {

    static List<Action> answers(TestCluster c, long node, long readId) {
        return c.node(node).actions.stream()
                .filter(a -> (a instanceof Action.ReadReady && ((Action.ReadReady) a).readId() == readId)
                        || (a instanceof Action.ReadRejected && ((Action.ReadRejected) a).readId() == readId))
                .toList();
    }

    /** Ticks every node once, then delivers everything but forwarded read requests. */
    private static void tickHoldingReadRequests(TestCluster c) {
        for (long id : c.nodes.keySet()) {
            c.tick(id, 1);
        }
        c.deliverWhere(m -> !(m instanceof Message.ReadIndexRequest));
    }

    @Test
    @DisplayName("§6.4: a forwarded read expires after exactly one election timeout, and a late answer is not a second one")
    void aForwardedReadExpiresAfterOneElectionTimeoutAndALateAnswerIsIgnored() {
        TestCluster c = started(1, 1, 2, 3);
        c.step(2, new Event.ReadIndex(5, false));
        int timeout = c.config.electionTimeoutTicks();
        for (int i = 0; i < timeout - 1; i++) {
            tickHoldingReadRequests(c);
        }
        assertThat(answers(c, 2, 5)).as("still within the election timeout").isEmpty();
        tickHoldingReadRequests(c);
        assertThat(answers(c, 2, 5)).containsExactly(new Action.ReadRejected(5, 1));

        // The request reaches the leader late and it confirms the read; the follower already answered.
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.node(1).sent(Message.ReadIndexResponse.class)).as("the leader did answer")
                .anyMatch(r -> r.readId() == 5 && r.success());
        assertThat(answers(c, 2, 5)).containsExactly(new Action.ReadRejected(5, 1));
    }

    @Test
    @DisplayName("§6.4: a read a new leader served after its NOOP committed is not rejected when it steps down")
    void aReadServedAfterTheNoopCommittedIsNotRejectedLater() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.timeOut(1);
        c.deliverWhere(m -> m instanceof Message.VoteRequest || m instanceof Message.VoteResponse);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.step(1, new Event.ReadIndex(1, false));
        c.deliverAll();
        assertThat(answers(c, 1, 1)).singleElement().isInstanceOf(Action.ReadReady.class);

        long term = c.core(1).term();
        c.deliver(new Message.AppendResponse(2, 1, term + 1, false, 0, 0, 0, 0, 0));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(answers(c, 1, 1)).as("one answer only").singleElement().isInstanceOf(Action.ReadReady.class);
    }
}
