package dev.sansraft.core;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JointQuorumTest {

    private static final long[] NONE = new long[0];

    @Test
    void aSimpleConfigurationTakesTheMajorityValue() {
        JointQuorum q = new JointQuorum(new long[] {1, 2, 3}, NONE);
        Map<Long, Long> match = Map.of(1L, 10L, 2L, 7L, 3L, 3L);
        assertThat(q.quorumValue(match::get)).isEqualTo(7);
        assertThat(q.hasQuorum(Set.of(1L, 3L)::contains)).isTrue();
        assertThat(q.hasQuorum(Set.of(2L)::contains)).isFalse();
    }

    @Test
    void theJointStateTakesTheLowerOfBothMajorities() {
        JointQuorum q = new JointQuorum(new long[] {1, 4, 5}, new long[] {1, 2, 3});
        Map<Long, Long> match = Map.of(1L, 10L, 2L, 9L, 3L, 9L, 4L, 2L, 5L, 1L);
        assertThat(q.quorumValue(match::get)).as("C_new's majority reached only 2").isEqualTo(2);
        Map<Long, Long> other = Map.of(1L, 10L, 2L, 1L, 3L, 0L, 4L, 8L, 5L, 8L);
        assertThat(q.quorumValue(other::get)).as("C_old's majority reached only 1").isEqualTo(1);
        assertThat(q.voters()).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void aJointQuorumNeedsAMajorityOfEachHalf() {
        JointQuorum q = new JointQuorum(new long[] {1, 4, 5}, new long[] {1, 2, 3});
        assertThat(q.hasQuorum(Set.of(1L, 4L)::contains)).isFalse();
        assertThat(q.hasQuorum(Set.of(4L, 5L, 2L, 3L)::contains)).isTrue();
        assertThat(q.hasQuorum(Set.of(1L, 2L, 3L)::contains)).isFalse();
        assertThat(q.hasQuorum(Set.of(1L, 2L, 5L)::contains)).isTrue();
    }

    @Test
    void anElectionIsLostOnceEitherHalfRejects() {
        JointQuorum q = new JointQuorum(new long[] {1, 4, 5}, new long[] {1, 2, 3});
        assertThat(q.tally(Set.of(4L, 5L)::contains, Set.of(2L, 3L)::contains)).isEqualTo(VoteTally.Result.LOST);
        assertThat(q.tally(Set.of(4L, 5L)::contains, Set.of(2L)::contains)).isEqualTo(VoteTally.Result.PENDING);
        assertThat(q.tally(Set.of(4L, 5L, 3L)::contains, Set.of(2L)::contains)).isEqualTo(VoteTally.Result.PENDING);
        assertThat(q.tally(Set.of(1L, 4L, 3L)::contains, Set.of(2L)::contains)).isEqualTo(VoteTally.Result.WON);
    }

    @Test
    void learnersAreNotVoters() {
        JointQuorum q = JointQuorum.of(Membership.of(
                java.util.List.of(new Membership.Member(1, ""), new Membership.Member(2, "")),
                java.util.List.of(new Membership.Member(3, ""), new Membership.Member(4, ""))));
        assertThat(q.isVoter(3)).isFalse();
        assertThat(q.voters()).containsExactly(1, 2);
        assertThat(q.hasQuorum(Set.of(1L, 3L, 4L)::contains)).as("2 of 2 voters are needed").isFalse();
    }

    @Test
    void anUnconfiguredNodeHasNoQuorum() {
        JointQuorum q = JointQuorum.of(Membership.EMPTY);
        assertThat(q.hasQuorum(id -> true)).isFalse();
        assertThat(q.tally(id -> true, id -> false)).isEqualTo(VoteTally.Result.LOST);
        assertThat(q.quorumValue(id -> 5)).isZero();
    }
}
