package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §7 on a follower whose own log catches up with a snapshot it is receiving. Follower 3 holds entries 2 to 4,
 * not yet known committed, when the leader's snapshot at 4 reaches it. If the log's commit index reaches the
 * snapshot's index first, the snapshot no longer brings anything, and a newer snapshot may start at once; if the
 * snapshot is installed, its entries are kept (receiver rule 6) and applied, and the snapshot just received
 * already covers them, so the follower does not ask to take one of its own at the same index.
 */
class ReceivedSnapshotOvertakenScenarioTest {

    /**
     * Node 3 gets entries 2 to 4 in one append while the leader's commit index is still 1, then is cut off; the
     * leader commits them with node 2 and, after {@code proposals} entries in all, has taken its snapshots. Nothing
     * queued for node 3 is left.
     */
    private static TestCluster followerHoldingUncommittedEntries(RaftConfig config, int proposals) {
        TestCluster c = started(config, 1, 1, 2, 3);
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(new Event.Propose(i, ("e" + i).getBytes(StandardCharsets.UTF_8)));
        }
        c.stepAll(1, batch);
        c.deliverWhere(m -> m.to() == 3 && m instanceof Message.AppendRequest);
        assertThat(c.core(3).lastLogIndex()).isEqualTo(4);
        assertThat(c.core(3).commitIndex()).isEqualTo(1);
        c.isolate(3);
        for (int i = 3; i < proposals; i++) {
            c.propose(1, i, "e" + i);
            c.deliverAll();
        }
        c.deliverAll();
        c.tickAll(2);
        c.heal(3);
        c.dropWhere(m -> m.to() == 3 || m.from() == 3);
        return c;
    }

    /** The leader's snapshot at {@code index}, whole, as one chunk to node 3. */
    private static Message.InstallSnapshot wholeSnapshotTo3(TestCluster c, long index) {
        TestCluster.StoredSnapshot s = c.node(1).snapshots.stream().filter(x -> x.info().index() == index)
                .findFirst().orElseThrow();
        return new Message.InstallSnapshot(1, 3, c.core(1).term(), s.info(), 0, s.payload());
    }

    @Test
    @DisplayName("§7: a received snapshot the log's commit index has caught up with does not hold back a newer one")
    void aSnapshotTheLogCaughtUpWithGivesWayToANewerOne() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(4).snapshotBytes(0).snapshotTrailingEntries(0)
                .build();
        TestCluster c = followerHoldingUncommittedEntries(config, 7);
        assertThat(c.node(1).snapshots).extracting(s -> s.info().index()).containsExactly(4L, 8L);

        c.holdSnapshots(3);
        c.deliver(wholeSnapshotTo3(c, 4));
        assertThat(c.node(3).actions(Action.WriteSnapshotChunk.class)).singleElement()
                .satisfies(w -> assertThat(w.isLast()).as("received whole, not yet durable").isTrue());
        // The leader probes at 4; the heartbeat tells 3 that everything up to 4 is committed.
        c.deliver(new Message.AppendRequest(1, 3, c.core(1).term(), 4, c.core(3).termAt(4), List.of(),
                c.core(1).commitIndex(), 0));
        assertThat(c.core(3).commitIndex()).as("the log reached the snapshot's index").isEqualTo(4);

        c.deliver(wholeSnapshotTo3(c, 8));
        assertThat(c.node(3).actions(Action.WriteSnapshotChunk.class)).extracting(w -> w.snapshot().index())
                .as("the snapshot at 8 is written, not refused while the one at 4 waits to be durable")
                .containsExactly(4L, 8L);
    }

    @Test
    @DisplayName("§7 policy: a follower that installs a snapshot matching its log does not ask for one at the same index")
    void anInstalledSnapshotIsNotTakenAgain() {
        long fourEntries = LogEntry.noop(1, 1).sizeBytes()
                + 3 * LogEntry.normal(2, 1, "e0".getBytes(StandardCharsets.UTF_8)).sizeBytes();
        RaftConfig config = RaftConfig.builder().snapshotEntries(0).snapshotBytes(fourEntries)
                .snapshotTrailingEntries(0).build();
        TestCluster c = followerHoldingUncommittedEntries(config, 3);
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).extracting(Action.TakeSnapshot::index)
                .containsExactly(4L);

        c.deliver(wholeSnapshotTo3(c, 4));
        assertThat(c.core(3).snapshot()).hasValueSatisfying(s -> assertThat(s.index()).isEqualTo(4));
        assertThat(c.node(3).actions(Action.RestoreSnapshot.class)).as("receiver rule 6: the log is kept").isEmpty();
        assertThat(c.node(3).applied).extracting(LogEntry::index).containsExactly(1L, 2L, 3L, 4L);
        assertThat(c.node(3).actions(Action.TakeSnapshot.class))
                .as("snapshotBytes were applied, but the snapshot just received covers them").isEmpty();
    }
}
