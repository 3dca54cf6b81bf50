package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §6.4.1: a leader's lease runs from the moment it sent the newest heartbeat round a quorum acknowledged.
 * While a quorum is silent the leader remembers the send times of its newest {@value #REMEMBERED_ROUNDS} rounds only
 * (the bound of {@link LeaseTracker}, so that memory stays bounded); a quorum that answers any of those still starts
 * a lease, and lease reads are served at once again.
 */
class LeaseRoundMemoryScenarioTest {

    /** How many unacknowledged rounds {@link LeaseTracker} remembers. */
    private static final int REMEMBERED_ROUNDS = 4096;

    @Test
    @DisplayName("§6.4.1: an acknowledgement of the oldest remembered round starts a lease")
    void anAcknowledgementOfTheOldestRememberedRoundStartsALease() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        // The lease runs out while the followers are cut off.
        c.isolate(2);
        c.isolate(3);
        c.tick(1, c.config.electionTimeoutTicks() - c.config.leaseClockDriftTicks());
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.step(1, new Event.ReadIndex(0, true))).noneMatch(a -> a instanceof Action.ReadReady);
        c.heal(2);
        c.heal(3);

        // One more round than the leader remembers: every read starts one, and nothing is answered yet.
        for (int read = 1; read <= REMEMBERED_ROUNDS + 1; read++) {
            c.step(1, new Event.ReadIndex(read, false));
        }
        long newest = c.queued(Message.AppendRequest.class).stream().mapToLong(Message.AppendRequest::round).max()
                .orElseThrow();
        long oldestRemembered = newest - (REMEMBERED_ROUNDS - 1);
        c.deliverWhere(m -> m instanceof Message.AppendResponse
                || m instanceof Message.AppendRequest && ((Message.AppendRequest) m).round() == oldestRemembered);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("the reads of the acknowledged rounds").isNotEmpty();

        assertThat(c.step(1, new Event.ReadIndex(REMEMBERED_ROUNDS + 2, true)))
                .as("the lease runs from the send time of round %d, sent this very tick", oldestRemembered)
                .contains(new Action.ReadReady(REMEMBERED_ROUNDS + 2, c.core(1).commitIndex()));
    }
}
