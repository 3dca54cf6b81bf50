package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Regression tests for core-bugs.md B6: proposals that can never commit are dropped, and free their bytes. */
class StrandedProposalTest {

    /**
     * Node 1 accepts three proposals (indexes 2..4) while cut off, loses leadership, and its tail is replaced by the
     * term-2 leader's shorter log. Later it leads again. The proposal at index 4 can never commit (every later
     * leader's log holds a newer-term entry before it), yet it is never resolved on an idle cluster.
     */
    private static TestCluster deposedLeaderWithAStrandedProposal(RaftConfig config, int... payloads) {
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        c.isolate(1);
        for (int i = 0; i < 3; i++) {
            assertThat(c.step(1, new Event.Propose(10 + i, new byte[payloads[i]])))
                    .anyMatch(a -> a instanceof Action.ProposalAccepted);
        }
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tick(2, 1);
            c.tick(3, 1);
            c.deliverAll();
        }
        c.heal(1);
        c.tickAll(3);
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        // Node 1 leads again (term 3) while the term-2 leader is away; its NOOP lands at index 3.
        long termTwoLeader = c.leader();
        long other = termTwoLeader == 2 ? 3 : 2;
        c.isolate(termTwoLeader);
        c.tick(other, config.electionTimeoutTicks());
        c.dropWhere(m -> m.from() == other);
        c.elect(1);
        c.heal(termTwoLeader);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.deliverAll();
        c.tickAll(2);
        return c;
    }

    @Test
    void aProposalThatCanNeverCommitIsDroppedOnceANewerTermCommitsBeforeIt() {
        TestCluster c = deposedLeaderWithAStrandedProposal(RaftConfig.defaults(), 50, 50, 50);
        assertThat(c.core(1).commitIndex()).as("the term-3 NOOP at index 3 committed").isEqualTo(3);
        for (long id = 10; id <= 12; id++) {
            assertThat(c.node(1).outcomes(id)).as("proposal %d: accepted, then dropped", id).hasSize(2)
                    .last().isInstanceOf(Action.ProposalDropped.class);
        }
    }

    @Test
    void strandedProposalsDoNotKeepAnIdleLeaderOverloadedForever() {
        long small = LogEntry.OVERHEAD_BYTES + 50;
        long large = LogEntry.OVERHEAD_BYTES + 500;
        TestCluster c = deposedLeaderWithAStrandedProposal(
                RaftConfig.builder().maxUncommittedBytes(2 * small + large).build(), 50, 50, 500);
        c.tickAll(50);
        assertThat(c.core(1).status().peers()).as("nothing in flight").allMatch(p -> p.matchIndex() == 3);
        assertThat(c.step(1, new Event.Propose(99, new byte[200])))
                .as("leader of an idle, healthy cluster whose only pending bytes can never commit")
                .anyMatch(a -> a instanceof Action.ProposalAccepted);
    }
}
