package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.3–§5.4: a leader commits an entry of its term as soon as a majority holds it. The acknowledgement that
 * completes the majority may come from a follower the leader has just moved to a snapshot transfer (Raft §7) on a
 * rejection that overtook it in the network; it counts all the same, and the commit does not wait for some later
 * message.
 */
class SnapshotStateAcknowledgementScenarioTest {

    /** Snapshots after 4 applied entries, compacting all of them. */
    private static final RaftConfig SNAPSHOT_AT_FIVE = RaftConfig.builder()
            .snapshotEntries(4)
            .snapshotBytes(0)
            .snapshotTrailingEntries(0)
            .build();

    private static void deliverOnly(TestCluster c, Message m) {
        c.deliverWhere(queued -> queued == m);
    }

    @Test
    @DisplayName("§5.4: an acknowledgement arriving while the follower is sent a snapshot commits at once")
    void anAcknowledgementFromAFollowerInSnapshotStateCommitsAtOnce() {
        TestCluster c = TestCluster.of(SNAPSHOT_AT_FIVE, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        c.propose(1, 1, "two");
        c.propose(1, 2, "three");
        c.deliverAll();
        assertThat(c.core(2).lastLogIndex()).isEqualTo(3);

        // Indexes 4 and 5 commit with node 3 alone; the leader snapshots at 5 and compacts its whole log.
        c.stepAll(1, List.of(new Event.Propose(3, new byte[8]), new Event.Propose(4, new byte[8])));
        c.deliverWhere(m -> m.to() == 3 || m.from() == 3);
        assertThat(c.core(1).commitIndex()).isEqualTo(5);
        assertThat(c.core(1).firstLogIndex()).as("compacted through 5").isEqualTo(6);
        c.cut(1, 3);
        c.propose(1, 5, "six");

        // To node 2, in send order: the append of 4..5, a heartbeat at 5 telling it the commit, the append of 6.
        List<Message.AppendRequest> toTwo = c.queued(Message.AppendRequest.class);
        assertThat(toTwo).extracting(Message.AppendRequest::prevLogIndex).containsExactly(3L, 5L, 5L);
        assertThat(toTwo.get(1).entries()).isEmpty();
        // The heartbeat overtakes the append before it: node 2 rejects it; then both appends arrive.
        for (int i : new int[] {1, 0, 2}) {
            deliverOnly(c, toTwo.get(i));
        }
        assertThat(c.core(2).lastLogIndex()).isEqualTo(6);

        List<Message.AppendResponse> answers = c.queued(Message.AppendResponse.class);
        Message.AppendResponse rejection = answers.stream().filter(r -> !r.success()).findFirst().orElseThrow();
        Message.AppendResponse ofSix = answers.stream().filter(r -> r.success() && r.matchIndex() == 6)
                .findFirst().orElseThrow();
        deliverOnly(c, rejection);
        assertThat(c.core(1).status().peers()).filteredOn(p -> p.id() == 2).extracting(PeerProgress::state)
                .as("node 2 seems to need compacted entries").containsExactly(PeerProgress.State.SNAPSHOT);

        deliverOnly(c, ofSix);
        assertThat(c.core(1).commitIndex()).as("leader and node 2 hold index 6").isEqualTo(6);
        assertThat(c.node(1).applied).extracting(LogEntry::index).contains(6L);
    }
}
