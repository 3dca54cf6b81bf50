package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §6.2 (CheckQuorum): a leader steps down when it has not heard from a majority within an election timeout.
 * Any message from a follower is hearing from it; a read the follower forwards counts as much as an acknowledgement.
 */
class CheckQuorumActivityScenarioTest {

    @Test
    @DisplayName("§6.2: a follower that only forwards reads still counts as active for CheckQuorum")
    void aFollowerForwardingReadsKeepsTheLeaderInOffice() {
        TestCluster c = started(1, 1, 2, 3);
        c.isolate(3);
        int ticks = 3 * c.config.electionTimeoutTicks();
        for (int i = 0; i < ticks; i++) {
            c.step(2, new Event.ReadIndex(100 + i, false));
            c.tick(1, 1);
            c.tick(2, 1);
            // 2's acknowledgements are lost; its forwarded reads get through.
            c.dropWhere(m -> m instanceof Message.AppendResponse);
            c.deliverWhere(m -> !(m instanceof Message.AppendResponse));
            c.dropWhere(m -> m instanceof Message.AppendResponse);
        }
        assertThat(c.core(1).role()).as("1 heard from 2 every tick").isEqualTo(Role.LEADER);
        assertThat(c.core(2).leaderId()).isEqualTo(1);
    }
}
