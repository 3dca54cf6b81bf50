package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §7 on both ends of a snapshot. A follower whose log already holds, committed and durable, everything a
 * leader's snapshot covers tells the leader at once that it is installed, so the leader moves on to appends. A
 * leader's durable snapshot lets it drop the log prefix that is both applied and durable right away, and the rest of
 * the covered prefix (less the trailing entries kept for slow followers) once its own disk catches up.
 */
class SnapshotAnswerAndCompactionScenarioTest {

    @Test
    @DisplayName("§7: a snapshot chunk covering only what the follower holds committed and durable is answered as installed")
    void aSnapshotTheFollowerAlreadyHoldsIsAnsweredAsInstalled() {
        TestCluster c = started(1, 1, 2, 3);
        for (int i = 0; i < 3; i++) {
            c.propose(1, i, "e" + i);
        }
        c.deliverAll();
        c.tickAll(2);
        long last = c.core(2).lastLogIndex();
        assertThat(c.core(2).commitIndex()).isEqualTo(last);
        assertThat(c.core(2).persistedIndex()).isEqualTo(last);
        long term = c.core(1).term();
        SnapshotInfo s = new SnapshotInfo(last, c.core(2).termAt(last), List.of(1L, 2L, 3L), 4, 0);

        int mark = c.node(2).mark();
        c.deliver(new Message.InstallSnapshot(1, 2, term, s, 0, new byte[4]));
        assertThat(c.node(2).sentSince(mark, Message.InstallSnapshotResponse.class))
                .containsExactly(new Message.InstallSnapshotResponse(2, 1, term, last, 4, true, true));
        assertThat(c.node(2).actions(Action.WriteSnapshotChunk.class)).as("nothing to write").isEmpty();
        assertThat(c.node(2).actions(Action.RestoreSnapshot.class)).as("nothing to restore").isEmpty();
    }

    @Test
    @DisplayName("§7: a leader with a slow disk compacts what is durable at once and the rest once its disk catches up")
    void aLeadersSnapshotCompactsWhatIsDurableNowAndTheRestLater() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(5).snapshotTrailingEntries(2).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        long durable = c.core(1).persistedIndex();
        c.pauseDisk(1);
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(new Event.Propose(i, ("e" + i).getBytes(StandardCharsets.UTF_8)));
        }
        c.stepAll(1, batch);
        c.deliverAll();
        long last = c.core(1).lastLogIndex();
        assertThat(c.core(1).commitIndex()).as("committed by the followers' copies").isEqualTo(last);
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).singleElement()
                .satisfies(t -> assertThat(t.index()).isEqualTo(last));
        assertThat(c.core(1).snapshot()).as("the snapshot is durable").isPresent();
        assertThat(c.node(1).actions(Action.CompactLog.class)).as("only the durable prefix goes now")
                .containsExactly(new Action.CompactLog(durable));

        c.resumeDisk(1);
        assertThat(c.node(1).actions(Action.CompactLog.class)).as("then up to the snapshot, less 2 trailing entries")
                .containsExactly(new Action.CompactLog(durable), new Action.CompactLog(last - 2));
        assertThat(c.core(1).firstLogIndex()).isEqualTo(last - 1);
    }

    @Test
    @DisplayName("§7 policy: a snapshot is asked for as soon as exactly snapshotBytes of entries are applied")
    void aSnapshotIsAskedForOnceExactlySnapshotBytesAreApplied() {
        long threshold = LogEntry.noop(1, 1).sizeBytes()
                + LogEntry.normal(2, 1, "x".getBytes(StandardCharsets.UTF_8)).sizeBytes();
        RaftConfig config = RaftConfig.builder().snapshotEntries(0).snapshotBytes(threshold).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).as("the NOOP alone is below the threshold")
                .isEmpty();
        c.propose(1, 1, "x");
        c.deliverAll();
        long x = c.core(1).lastLogIndex();
        assertThat(c.core(1).appliedIndex()).isEqualTo(x);
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).singleElement()
                .satisfies(t -> assertThat(t.index()).isEqualTo(x));
    }

    @Test
    @DisplayName("§5.4 Leader Completeness: an append reaching back before the follower's compaction point is appended from there")
    void anAppendReachingBackBeforeTheCompactionPointAppendsItsNewEntries() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        for (int i = 0; i < 3; i++) {
            c.propose(1, i, "e" + i);
        }
        c.deliverAll();
        c.tickAll(2);
        long compacted = c.core(2).firstLogIndex() - 1;
        long last = c.core(2).lastLogIndex();
        assertThat(compacted).as("node 2 compacted its log").isGreaterThan(1);
        // The leader appends one more entry; its append to 2 is lost, and it resends from index 2 (its view of 2
        // lagged), the old entries included.
        c.propose(1, 9, "new");
        c.dropWhere(TestCluster.to(2));
        List<LogEntry> entries = new ArrayList<>(c.node(1).applied.subList(1, (int) last));
        entries.add(c.node(1).log.entry(last + 1));
        long term = c.core(1).term();
        int mark = c.node(2).mark();
        c.deliver(new Message.AppendRequest(1, 2, term, 1, c.node(1).applied.get(0).term(), entries, c.core(1).commitIndex(),
                0));
        assertThat(c.core(2).lastLogIndex()).isEqualTo(last + 1);
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class)).singleElement()
                .satisfies(r -> {
                    assertThat(r.success()).isTrue();
                    assertThat(r.matchIndex()).isEqualTo(last + 1);
                });
    }

    @Test
    @DisplayName("§7 policy: an older snapshot saved late does not make the node ask again for the newer one it is writing")
    void anOlderSnapshotSavedLateDoesNotRepeatTheNewerRequest() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.holdSnapshots(1);
        for (int i = 0; i < 6 && c.core(1).appliedIndex() < 6; i++) {
            c.propose(1, i, "e" + i);
            c.deliverAll();
        }
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).extracting(Action.TakeSnapshot::index)
                .as("a second request while the first is still being written").containsExactly(3L, 6L);
        c.releaseSnapshots(1);
        assertThat(c.core(1).snapshot()).hasValueSatisfying(s -> assertThat(s.index()).isEqualTo(6));
        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).extracting(Action.TakeSnapshot::index)
                .as("no request repeated when the snapshot at 3 is reported first").containsExactly(3L, 6L);
    }
}
