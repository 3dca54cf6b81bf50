package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipScenarioTest.membership;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §4.1: a server uses the newest configuration in its log, committed or not. After a restart the core reads
 * it back from the log, wherever in the log it is, including right after the first entry.
 */
class RestartConfigurationScenarioTest {

    @Test
    @DisplayName("§4.1: a restarted node takes its configuration from its log, even one at index 2")
    void aRestartedNodeUsesTheConfigurationAtTheStartOfItsLog() {
        TestCluster c = started(1, 1, 2, 3);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.core(2).termAt(2)).isEqualTo(c.core(1).term());
        assertThat(membership(c, 2).learnerIds()).containsExactly(4L);

        c.restart(2);
        assertThat(membership(c, 2).learnerIds()).as("the configuration entry at index 2 is read back")
                .containsExactly(4L);
    }
}
