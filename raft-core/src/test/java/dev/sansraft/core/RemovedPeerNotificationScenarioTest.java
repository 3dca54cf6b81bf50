package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.remove;
import static dev.sansraft.core.MembershipScenarioTest.acceptedIndex;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §4.2.2 and §4.3: once the configuration that removes a peer is committed, the leader stops replicating to
 * it, and tells it once that the removing entry is committed (a heartbeat whose previous entry is that one), so a
 * removed node that holds the entry learns its removal is final and stops campaigning. That holds wherever the entry
 * sits in the leader's log, the first entry after its compaction point included.
 */
class RemovedPeerNotificationScenarioTest {

    /** The appends {@code leader} sent {@code to} since {@code mark} that carry a commit index of at least {@code index}. */
    private static List<Message.AppendRequest> appendsTellingCommit(TestCluster c, long leader, long to, int mark,
                                                                    long index) {
        return c.node(leader).sentSince(mark, Message.AppendRequest.class).stream()
                .filter(m -> m.to() == to && m.leaderCommit() >= index).toList();
    }

    @Test
    @DisplayName("§4.2.2: once its removal commits, the removed peer is told once and sent nothing newer")
    void aRemovedPeerIsToldOnceAndThenLeftAlone() {
        TestCluster c = started(1, 1, 2, 3);
        int mark = c.node(1).mark();
        c.changeMembership(1, 100, remove(3));
        long index = acceptedIndex(c, 1, 100);
        c.deliverWhere(m -> m instanceof Message.AppendRequest);
        Message.AppendResponse fromTwo = c.queued(Message.AppendResponse.class).stream()
                .filter(r -> r.from() == 2 && r.matchIndex() >= index).findFirst().orElseThrow();
        c.dropWhere(m -> m.equals(fromTwo));
        // 2's acknowledgement commits C_new = {1, 2}; a proposal arrives in the same batch.
        c.stepAll(1, List.of(new Event.Receive(fromTwo),
                new Event.Propose(101, "after".getBytes(StandardCharsets.UTF_8))));
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
        long after = acceptedIndex(c, 1, 101);
        c.deliverAll();
        c.tickAll(5 * RaftConfig.defaults().heartbeatIntervalTicks() + 5);

        assertThat(c.core(2).commitIndex()).isGreaterThanOrEqualTo(after);
        assertThat(appendsTellingCommit(c, 1, 3, mark, index))
                .as("one heartbeat after C_new is committed, then nothing more for the removed node")
                .singleElement().satisfies(m -> {
                    assertThat(m.prevLogIndex()).as("whose previous entry is the one that removed it")
                            .isEqualTo(index);
                    assertThat(m.entries()).isEmpty();
                });
        assertThat(c.core(3).commitIndex()).as("3 learned its removal is committed").isEqualTo(index);
        assertThat(c.core(3).lastLogIndex()).as("and never got the entry proposed after it").isEqualTo(index);
    }

    @Test
    @DisplayName("§4.2.2: the removed peer is told even when the removing entry is the first of the leader's compacted log")
    void aRemovalRightAfterTheCompactionPointIsStillTold() {
        TestCluster c = RestartSnapshotConfigurationScenarioTest.snapshottedAtFour();
        assertThat(c.core(1).firstLogIndex()).as("the leader compacted up to its snapshot at 4").isEqualTo(5);

        int mark = c.node(1).mark();
        c.changeMembership(1, 100, remove(3));
        long index = acceptedIndex(c, 1, 100);
        assertThat(index).as("the removal is the first entry the leader's log holds").isEqualTo(5);
        c.deliverAll();
        c.tickAll(3);

        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
        assertThat(appendsTellingCommit(c, 1, 3, mark, index)).singleElement()
                .satisfies(m -> assertThat(m.prevLogIndex()).isEqualTo(index));
        assertThat(c.core(3).commitIndex()).as("3 learned its removal is committed").isEqualTo(index);
    }
}
