package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipScenarioTest.membership;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §4.1 across a restart after compaction: a server uses the newest configuration in its log, committed or
 * not, over its snapshot's. When the log after the snapshot holds exactly one entry and that entry is a
 * configuration, the restarted node still reads it back.
 */
class RestartSnapshotConfigurationScenarioTest {

    /**
     * Nodes 1, 2 and 3 led by 1, each of which took a snapshot at index 4 (every 4 entries, nothing trailing kept)
     * and compacted its log up to it.
     */
    static TestCluster snapshottedAtFour() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(4).snapshotBytes(0).snapshotTrailingEntries(0)
                .build();
        TestCluster c = started(config, 1, 1, 2, 3);
        while (c.core(1).lastLogIndex() < 4) {
            c.propose(1, c.core(1).lastLogIndex(), "e");
        }
        c.deliverAll();
        c.tickAll(2);
        return c;
    }

    @Test
    @DisplayName("§4.1: a node restarted with one configuration entry after its snapshot uses that configuration")
    void theOnlyEntryAfterTheSnapshotIsReadBackAsTheConfiguration() {
        TestCluster c = snapshottedAtFour();
        assertThat(c.core(2).snapshot()).hasValueSatisfying(s -> assertThat(s.index()).isEqualTo(4));
        assertThat(c.core(2).firstLogIndex()).isEqualTo(5);

        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.core(2).lastLogIndex()).as("the configuration is the one entry after the snapshot").isEqualTo(5);
        assertThat(membership(c, 2).learnerIds()).containsExactly(4L);

        c.restart(2);
        assertThat(c.core(2).firstLogIndex()).isEqualTo(5);
        assertThat(membership(c, 2).learnerIds()).as("the configuration at index 5 is read back, not the snapshot's")
                .containsExactly(4L);
        assertThat(c.core(2).status().members()).containsExactlyInAnyOrder(1L, 2L, 3L);
    }
}
