package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every accepted proposal gets one later outcome: an apply of its (index, term), a drop, or an unknown. */
class AcceptedProposalsTest {

    private final AcceptedProposals proposals = new AcceptedProposals();

    @Test
    void anApplyOfTheAcceptedIndexAndTermResolvesItOnce() {
        proposals.accepted(7, 10, 2);
        assertThat(proposals.applied(10, 3)).as("another term at the index").isNull();
        proposals.accepted(8, 11, 2);
        assertThat(proposals.applied(11, 2)).isEqualTo(new AcceptedProposals.Accepted(8, 11, 2));
        assertThat(proposals.applied(11, 2)).as("a second apply").isNull();
        assertThat(proposals.resolve(8, 11)).as("an outcome after the apply").isNull();
        // Proposal 7 lost its index to another term's entry; it still needs its own outcome.
        assertThat(proposals.unresolvedUpTo(10)).isEqualTo(new AcceptedProposals.Accepted(7, 10, 2));
        assertThat(proposals.resolve(7, 10)).isNotNull();
        assertThat(proposals.unresolvedUpTo(100)).isNull();
    }

    @Test
    void anIndexAcceptedAgainKeepsTheOlderProposalAwaitingItsOwnOutcome() {
        proposals.accepted(1, 5, 1);
        proposals.accepted(2, 5, 3);
        assertThat(proposals.resolve(1, 6)).as("wrong index").isNull();
        assertThat(proposals.resolve(1, 5)).isEqualTo(new AcceptedProposals.Accepted(1, 5, 1));
        assertThat(proposals.applied(5, 3)).as("the newer one is still matched by its apply")
                .isEqualTo(new AcceptedProposals.Accepted(2, 5, 3));
        assertThat(proposals.resolve(3, 5)).as("never accepted").isNull();
    }
}
