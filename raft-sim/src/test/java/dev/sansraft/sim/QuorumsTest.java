package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.core.Membership;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Quorums}, the definitions the membership invariants are checked against. */
class QuorumsTest {

    private static Membership voters(long... ids) {
        List<Long> list = new java.util.ArrayList<>();
        for (long id : ids) {
            list.add(id);
        }
        return Membership.ofVoters(list);
    }

    @Test
    void aMajorityOfEachHalfIsAJointQuorumAndLearnersNeverCount() {
        Membership joint = voters(1, 2, 3).transitionTo(voters(3, 4, 5));
        assertThat(joint.isJoint()).isTrue();
        assertThat(Quorums.isQuorum(joint, List.of(1L, 2L, 4L))).as("old majority only").isFalse();
        assertThat(Quorums.isQuorum(joint, List.of(1L, 3L, 4L))).isTrue();
        Membership withLearner = Membership.of(voters(1, 2, 3).voters(), List.of(new Membership.Member(4, "")));
        assertThat(Quorums.isQuorum(withLearner, List.of(1L, 4L))).isFalse();
        assertThat(Quorums.isQuorum(Membership.EMPTY, List.of(1L))).isFalse();
    }

    @Test
    void oneVoterAtATimeOrThroughTheJointConfigurationOverlapsAndTwoAtOnceDoesNot() {
        assertThat(Quorums.disjointQuorums(voters(1, 2, 3), voters(1, 2, 3, 4))).isNull();
        assertThat(Quorums.disjointQuorums(voters(1, 2, 3, 4), voters(1, 2, 3))).isNull();
        Membership joint = voters(1, 2, 3).transitionTo(voters(1, 4, 5));
        assertThat(Quorums.disjointQuorums(voters(1, 2, 3), joint)).isNull();
        assertThat(Quorums.disjointQuorums(joint, voters(1, 4, 5))).isNull();
        assertThat(Quorums.disjointQuorums(voters(1, 2, 3), voters(1, 4, 5)))
                .as("{2,3} and {4,5} are both majorities").isNotNull();
        assertThat(Quorums.disjointQuorums(voters(1, 2, 3), voters(1, 2, 3, 4, 5))).isNotNull();
    }
}
