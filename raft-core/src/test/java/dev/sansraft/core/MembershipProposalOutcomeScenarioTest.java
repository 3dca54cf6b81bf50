package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipScenarioTest.acceptedIndex;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every proposal gets exactly one outcome after its acceptance, membership changes included (thesis §4.1 with the
 * proposal contract of {@link Action}): a configuration entry that a later leader overwrites is reported dropped.
 */
class MembershipProposalOutcomeScenarioTest {

    @Test
    @DisplayName("§4.1: an accepted membership change overwritten by a later leader is reported dropped")
    void anOverwrittenMembershipChangeIsReportedDropped() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(1);
        long oldTerm = c.core(1).term();
        c.changeMembership(1, 100, addLearner(4, "h4"));
        long index = acceptedIndex(c, 1, 100);
        for (int i = 0; i < 200 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        assertThat(leader).isNotZero();
        c.propose(leader, 1, "overwrites the change");
        c.deliverAll();
        c.heal(1);
        for (int i = 0; i < 5 * c.config.electionTimeoutTicks() && c.core(1).commitIndex() <= index; i++) {
            c.tickAll(1);
        }
        assertThat(c.core(1).commitIndex()).isGreaterThan(index);
        assertThat(c.core(1).termAt(index)).as("a later leader's entry is at the change's index")
                .isGreaterThan(oldTerm);
        assertThat(c.node(1).outcomes(100)).hasSize(2)
                .last().isInstanceOf(Action.ProposalDropped.class);
    }
}
