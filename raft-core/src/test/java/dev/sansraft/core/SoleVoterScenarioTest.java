package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.remove;
import static dev.sansraft.core.MembershipScenarioTest.acceptedIndex;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §4.1: a configuration takes effect as soon as it is appended, and the leader counts majorities in it. A
 * leader that removes the only other voter is a majority by itself from that moment: what it already holds durably
 * of its term commits at once, without waiting for another disk write, and a read waiting for a heartbeat round
 * (thesis §6.4) is confirmed by the leader's own round, as no other voter is left to acknowledge it.
 */
class SoleVoterScenarioTest {

    @Test
    @DisplayName("§4.1: removing the last other voter commits the leader's durable entries at once")
    void removingTheLastOtherVoterCommitsWhatTheLeaderHoldsDurably() {
        TestCluster c = started(1, 1, 2);
        c.isolate(2);
        c.propose(1, 1, "x");
        long x = acceptedIndex(c, 1, 1);
        assertThat(c.core(1).persistedIndex()).as("x is durable on the leader").isEqualTo(x);
        assertThat(c.core(1).commitIndex()).as("without 2, x is not on a majority of {1, 2}").isLessThan(x);

        c.pauseDisk(1);
        c.changeMembership(1, 9, remove(2));
        assertThat(c.core(1).status().membership().allVoterIds()).containsExactly(1L);
        assertThat(c.core(1).commitIndex()).as("x is on a majority of {1} already").isEqualTo(x);
        assertThat(c.node(1).applied).anyMatch(e -> e.index() == x);
    }

    @Test
    @DisplayName("§4.1 and §6.4: a read waiting for a round is served by the leader's next round once it is the sole voter")
    void aReadWaitingForARoundIsServedOnceTheLeaderIsTheSoleVoter() {
        TestCluster c = started(1, 1, 2);
        c.isolate(2);
        c.step(1, new Event.ReadIndex(5, false));
        c.tick(1, 2);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("2 cannot confirm the round").isEmpty();

        c.changeMembership(1, 9, remove(2));
        c.tick(1, 1);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(1).actions(Action.ReadReady.class)).singleElement()
                .satisfies(r -> assertThat(r.readId()).isEqualTo(5));
    }
}
