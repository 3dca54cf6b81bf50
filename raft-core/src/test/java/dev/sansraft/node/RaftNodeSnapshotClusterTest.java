package dev.sansraft.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static dev.sansraft.node.CountingStateMachine.string;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three real RaftNodes (real RaftCore) with tiny snapshot thresholds: snapshots are taken, logs compacted, a lagging
 * follower catches up from a streamed snapshot, and nodes restart from a snapshot plus the log after it.
 */
class RaftNodeSnapshotClusterTest {

    private static final long SNAPSHOT_ENTRIES = 50;
    private static final long TRAILING_ENTRIES = 5;
    /** Small enough that every transfer takes several chunks. */
    private static final int CHUNK_BYTES = 256;

    private static List<String> writeAll(RaftNode leader, String prefix, int n) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            written.add(prefix + i);
            futures.add(leader.propose(bytes(prefix + i)));
        }
        for (int i = 0; i < n; i++) {
            assertThat(string(futures.get(i).join())).isEqualTo("applied:" + prefix + i);
        }
        return written;
    }

    private static void awaitState(TestCluster c, long id, List<String> expected) {
        Poll.until("node " + id + " holds the " + expected.size() + " writes", Duration.ofSeconds(30),
                () -> c.listMachines.get(id).state().size() >= expected.size());
        assertThat(c.listMachines.get(id).state()).as("state of node %d", id).isEqualTo(expected);
    }

    private static double metric(RaftNode node, String name) {
        return node.metrics().get(name);
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @CsvSource({"21, CAPTURE", "22, CAPTURE", "23, WRITE"})
    void aFollowerBehindTheLeadersCompactedLogCatchesUpFromASnapshot(long seed, ListMachine.Snapshots mode) {
        try (TestCluster c = new TestCluster(3, seed)
                .withSnapshots(SNAPSHOT_ENTRIES, TRAILING_ENTRIES, CHUNK_BYTES, mode).startAll()) {
            RaftNode leader = c.awaitLeader();
            List<String> written = new ArrayList<>(writeAll(leader, "a", 10));
            long followerId = c.aFollower().id();
            awaitState(c, followerId, written);
            c.stop(followerId);

            written.addAll(writeAll(leader, "b", 300));
            Poll.until("the leader compacted its log past the stopped follower", Duration.ofSeconds(30),
                    () -> c.stores.get(leader.id()).firstIndex() > 20);
            assertThat(metric(leader, "sansraft_snapshots_taken_total")).isPositive();

            RaftNode follower = c.start(followerId);
            awaitState(c, followerId, written);

            assertThat(metric(follower, "sansraft_snapshots_received_total")).as("received a snapshot, seed %d", seed)
                    .isPositive();
            // The apply thread counts the install just after the restore that awaitState saw, so it may trail it.
            Poll.until("installed it", () -> metric(follower, "sansraft_snapshots_installed_total") > 0);
            assertThat(metric(follower, "sansraft_snapshot_bytes_received_total")).isGreaterThan(CHUNK_BYTES);
            assertThat(metric(leader, "sansraft_snapshot_bytes_sent_total")).isGreaterThan(CHUNK_BYTES);
            // The reset is a log write on the storage thread; it may trail the restore on the apply thread.
            Poll.until("the follower's log continues after the snapshot", () -> c.stores.get(followerId).firstIndex() > 21);
            for (long id : c.ids) {
                awaitState(c, id, written);
            }

            // The cluster goes on with the caught-up follower.
            written.addAll(writeAll(c.awaitLeader(), "c", 20));
            for (long id : c.ids) {
                awaitState(c, id, written);
            }
        }
    }

    @Test
    void aDeposedLeadersProposalThatASnapshotCoversFailsWithOutcomeUnknown() {
        try (TestCluster c = new TestCluster(3, 25, Duration.ofSeconds(60))
                .withSnapshots(SNAPSHOT_ENTRIES, TRAILING_ENTRIES, CHUNK_BYTES, ListMachine.Snapshots.CAPTURE)
                .startAll()) {
            RaftNode old = c.awaitLeader();
            List<String> written = new ArrayList<>(writeAll(old, "a", 5));
            c.network.disconnect(old.id());
            CompletableFuture<byte[]> stranded = old.propose(bytes("stranded"));
            Poll.until("the cut-off leader appended the proposal",
                    () -> old.metrics().get("sansraft_proposals_accepted_total") == 6.0);

            c.nodes.remove(old.id());
            RaftNode leader = c.awaitLeader();
            written.addAll(writeAll(leader, "b", 200));
            Poll.until("the new leader compacted past the stranded proposal", Duration.ofSeconds(30),
                    () -> c.stores.get(leader.id()).firstIndex() > 20);
            c.nodes.put(old.id(), old);
            c.network.connect(old.id());

            Poll.until("the stranded proposal completes", Duration.ofSeconds(30), stranded::isDone);
            assertThat(stranded).isCompletedExceptionally();
            Throwable cause = stranded.handle((r, e) -> e).join();
            assertThat(cause).isInstanceOf(OutcomeUnknownException.class);
            Poll.until("the unknown outcome counted (just after the future failed)",
                    () -> metric(old, "sansraft_proposals_unknown_total") == 1.0);
            Poll.until("the old leader installs the snapshot",
                    () -> metric(old, "sansraft_snapshots_installed_total") > 0);
            for (long id : c.ids) {
                awaitState(c, id, written);
            }
        }
    }

    @Test
    void nodesRestartFromTheirSnapshotAndTheLogAfterIt() throws Exception {
        try (TestCluster c = new TestCluster(3, 24)
                .withSnapshots(SNAPSHOT_ENTRIES, TRAILING_ENTRIES, CHUNK_BYTES, ListMachine.Snapshots.CAPTURE).startAll()) {
            List<String> written = new ArrayList<>(writeAll(c.awaitLeader(), "r", 130));
            for (long id : c.ids) {
                awaitState(c, id, written);
                long node = id;
                Poll.until("node " + id + " took a snapshot and compacted its log", Duration.ofSeconds(30),
                        () -> !c.snapshotStores.get(node).list().isEmpty() && c.stores.get(node).firstIndex() > 1);
            }

            for (long id : c.ids) {
                c.stop(id);
            }
            for (long id : c.ids) {
                c.start(id);
                assertThat(c.listMachines.get(id).restores()).as("node %d restored from its snapshot", id)
                        .isEqualTo(1);
            }
            RaftNode leader = c.awaitLeader();
            written.addAll(writeAll(leader, "s", 10));

            for (long id : c.ids) {
                awaitState(c, id, written);
            }
            assertThat(string(leader.query(bytes("all"), ReadConsistency.LINEARIZABLE).get(10, TimeUnit.SECONDS)))
                    .isEqualTo(String.join(",", written));
        }
    }
}
