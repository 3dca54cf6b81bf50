package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RaftStatus#matchIndexOf}: the leader's matchIndex for each follower (Raft Figure 2, volatile state on
 * leaders), as an operator reads it to see who is behind; -1 for a node that is not a follower of this leader and
 * on every node that is not the leader.
 */
class MatchIndexStatusTest {

    @Test
    @DisplayName("Figure 2 matchIndex: each follower's own value, -1 for self, strangers and on followers")
    void theLeaderReportsEachFollowersOwnMatchIndex() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        long caughtUp = c.core(1).lastLogIndex();
        c.isolate(3);
        c.propose(1, 1, "a");
        c.propose(1, 2, "b");
        c.deliverAll();
        long last = c.core(1).lastLogIndex();
        assertThat(last).isEqualTo(caughtUp + 2);

        RaftStatus status = c.core(1).status();
        assertThat(status.matchIndexOf(2)).as("follower 2 holds everything").isEqualTo(last);
        assertThat(status.matchIndexOf(3)).as("follower 3 was cut off before the proposals").isEqualTo(caughtUp);
        assertThat(status.matchIndexOf(1)).as("the leader is not its own follower").isEqualTo(-1);
        assertThat(status.matchIndexOf(9)).as("not a member").isEqualTo(-1);
        assertThat(c.core(2).status().matchIndexOf(3)).as("a follower tracks no matchIndex").isEqualTo(-1);
    }
}
