package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VoteTallyTest {

    private static VoteTally tally(long... voters) {
        return new VoteTally(voters);
    }

    @Test
    void pendingUntilAMajorityAnswers() {
        VoteTally t = tally(1, 2, 3, 4, 5);
        t.record(1, true);
        t.record(2, true);
        assertThat(t.result()).isEqualTo(VoteTally.Result.PENDING);
        t.record(3, true);
        assertThat(t.result()).isEqualTo(VoteTally.Result.WON);
    }

    @Test
    void lostOnceAMajorityRejects() {
        VoteTally t = tally(1, 2, 3);
        t.record(1, true);
        t.record(2, false);
        assertThat(t.result()).isEqualTo(VoteTally.Result.PENDING);
        t.record(3, false);
        assertThat(t.result()).isEqualTo(VoteTally.Result.LOST);
    }

    @Test
    void aVoterCountsOnceAndItsFirstAnswerStands() {
        VoteTally t = tally(1, 2, 3);
        t.record(2, true);
        t.record(2, true);
        assertThat(t.result()).as("a duplicate grant is not a second vote").isEqualTo(VoteTally.Result.PENDING);
        t.record(3, false);
        t.record(3, true);
        assertThat(t.result()).as("a later grant does not overturn a rejection").isEqualTo(VoteTally.Result.PENDING);
    }

    @Test
    void strangersAreIgnored() {
        VoteTally t = tally(1, 2, 3);
        t.record(1, true);
        t.record(9, true);
        t.record(0, true);
        assertThat(t.result()).isEqualTo(VoteTally.Result.PENDING);
    }

    @Test
    void evenClusterSplitIsNeitherWonNorLost() {
        VoteTally t = tally(1, 2, 3, 4);
        t.record(1, true);
        t.record(2, true);
        t.record(3, false);
        t.record(4, false);
        assertThat(t.result()).as("2 of 4 is not a majority either way").isEqualTo(VoteTally.Result.PENDING);
    }

    @Test
    void singleVoterWinsWithItsOwnVote() {
        VoteTally t = tally(7);
        assertThat(t.result()).isEqualTo(VoteTally.Result.PENDING);
        t.record(7, true);
        assertThat(t.result()).isEqualTo(VoteTally.Result.WON);
    }
}
