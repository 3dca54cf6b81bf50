package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code maxUncommittedBytes} back-pressure (see {@link ProposalTracker}): a proposal's bytes count from its
 * acceptance until its fate is known, and not a moment longer, across leaderships. Here a leader that still holds a
 * proposal from an earlier term of its own commits its new NOOP (Raft §5.4.2) while a proposal of the new term
 * waits right behind it; that proposal is committed later, and from then on nothing counts.
 */
class ProposalBackPressureScenarioTest {

    private static final int PAYLOAD = 50;
    private static final long EACH = LogEntry.OVERHEAD_BYTES + PAYLOAD;

    private static boolean isVote(Message m) {
        return m instanceof Message.VoteRequest || m instanceof Message.VoteResponse;
    }

    @Test
    @DisplayName("§5.4.2: a proposal queued behind the new leader's NOOP still frees its bytes when it commits")
    void aProposalQueuedBehindTheNoopFreesItsBytesWhenItCommits() {
        // Without PreVote and CheckQuorum a vote request of a higher term always reaches the voter's logic.
        RaftConfig config = RaftConfig.builder().preVote(false).checkQuorum(false).maxUncommittedBytes(2 * EACH)
                .build();
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        long t = c.core(1).term();
        c.isolate(1);
        assertThat(c.step(1, new Event.Propose(10, new byte[PAYLOAD])))
                .contains(new Action.ProposalAccepted(10, 2, t));
        c.heal(1);

        // Node 3 campaigns in t + 1 and only node 1 hears it: node 1 refuses (its log is longer) but steps down.
        c.timeOut(3);
        c.dropWhere(TestCluster.to(2));
        c.deliverAll();
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(3).role()).isEqualTo(Role.CANDIDATE);

        // Node 1 wins t + 2 with its proposal of term t still pending at index 2, and appends its NOOP at 3.
        c.timeOut(1);
        c.deliverWhere(ProposalBackPressureScenarioTest::isVote);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(t + 2);
        // Both followers lack index 2: they reject the first probe, and the leader probes again from index 2.
        c.deliverWhere(m -> m instanceof Message.AppendRequest);
        c.deliverWhere(m -> m instanceof Message.AppendResponse);
        assertThat(c.queued(Message.AppendRequest.class)).as("the second probes carry indexes 2 and 3")
                .allMatch(a -> a.prevLogIndex() == 1 && a.entries().size() == 2);

        // A proposal of the new term, behind the NOOP; the outstanding probes hold it back.
        assertThat(c.step(1, new Event.Propose(20, new byte[PAYLOAD])))
                .contains(new Action.ProposalAccepted(20, 4, t + 2));
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(4);
        assertThat(c.node(1).outcomes(10)).as("committed at its index with its term: applied")
                .containsExactly(new Action.ProposalAccepted(10, 2, t));
        assertThat(c.node(1).outcomes(20)).containsExactly(new Action.ProposalAccepted(20, 4, t + 2));

        // Every proposal is settled: the whole budget is free again.
        assertThat(c.step(1, new Event.Propose(30, new byte[(int) (2 * EACH - LogEntry.OVERHEAD_BYTES)])))
                .anyMatch(a -> a instanceof Action.ProposalAccepted);
    }
}
