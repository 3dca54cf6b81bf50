package dev.sansraft.examples.server;

import dev.sansraft.core.RaftStatus;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.PutLoad;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.node.NodeMetrics;
import dev.sansraft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, catch-up by snapshot over the real stack: three in-process nodes on 127.0.0.1 with file logs, file
 * snapshot stores, the TCP transport and the key-value state machine. A follower is stopped, 100,000 writes go
 * through the other two (which snapshot every 5,000 entries and compact their logs behind the snapshots), and when
 * the follower comes back the entries it misses are gone from every log: it can only catch up by installing the
 * leader's snapshot, after which its state must equal the leader's.
 */
class TcpSnapshotCatchUpTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int WRITES = 100_000;
    private static final SnapshotSettings SNAPSHOTS = new SnapshotSettings(5_000, 0, 500);

    @TempDir
    Path dir;

    private final Map<Long, KvStateMachine> closedMachines = new TreeMap<>();
    private InProcessCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void stop(long id) {
        closedMachines.put(id, cluster.stop(id).node().stateMachine());
    }

    private RaftNode node(long id) {
        return cluster.get(id).node().raftNode();
    }

    private RaftNode leader() {
        return Poll.until(TIMEOUT, "a leader among " + cluster.runningIds(), () -> cluster.runningIds().stream()
                .map(this::node).filter(n -> n.status().isLeader()).findFirst().orElse(null));
    }

    @Test
    void restartedFollowerCatchesUpByInstallingTheLeadersSnapshot() {
        PeerList peers = LoopbackPeers.pick(3);
        cluster = new InProcessCluster(peers, id -> new NodeSettings(new NodeIdentity("snap", id),
                dir.resolve("node-" + id), peers, 2, SNAPSHOTS, 1L << 20));
        for (long id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        PutLoad load = new PutLoad(this::leader, 10_000, 2_000, TIMEOUT);
        long firstIndex = load.write(0, 100, null);
        long lagging = cluster.runningIds().stream().filter(id -> !node(id).status().isLeader()).findFirst()
                .orElseThrow();
        Poll.untilTrue(TIMEOUT, "node " + lagging + " to apply index " + firstIndex,
                () -> node(lagging).status().appliedIndex() >= firstIndex);
        stop(lagging);
        long laggingLastIndex = closedMachines.get(lagging).lastAppliedIndex();

        long lastIndex = load.write(100, WRITES, null);
        RaftStatus leaderBefore = leader().status();
        assertThat(leaderBefore.snapshotIndex()).as("the leader's snapshot index after %d writes", WRITES)
                .isGreaterThan(laggingLastIndex + SNAPSHOTS.trailingEntries());

        cluster.start(lagging);
        Poll.untilTrue(TIMEOUT, "node " + lagging + " to apply index " + lastIndex,
                () -> node(lagging).status().appliedIndex() >= lastIndex);
        RaftStatus caughtUp = node(lagging).status();
        NodeMetrics metrics = node(lagging).metrics();
        assertThat(caughtUp.snapshotIndex()).as("snapshot index of node %d, whose log ended at %d", lagging,
                laggingLastIndex).isGreaterThan(laggingLastIndex);
        assertThat(metrics.get("sansraft_snapshots_received_total")).as("snapshots received by node %d", lagging)
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics.get("sansraft_snapshots_installed_total")).as("snapshots installed by node %d", lagging)
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics.get("sansraft_entries_applied_total"))
                .as("entries node %d applied one by one after the restart (the rest came in the snapshot)", lagging)
                .isLessThan((double) (lastIndex - laggingLastIndex) / 2);

        // Closing a node ends its apply thread, so its state machine can then be read from here. No write is in
        // flight, so every node holds the state after the last acknowledged put.
        for (long id : List.copyOf(cluster.runningIds())) {
            stop(id);
        }
        KvStateMachine follower = closedMachines.get(lagging);
        for (Map.Entry<Long, KvStateMachine> e : closedMachines.entrySet()) {
            assertThat(e.getValue().lastAppliedIndex()).as("last applied put on node %d", e.getKey())
                    .isEqualTo(follower.lastAppliedIndex());
            assertThat(e.getValue().digest()).as("state digest of node %d vs. the caught-up node %d", e.getKey(),
                    lagging).isEqualTo(follower.digest());
        }
        assertThat(follower.size()).isEqualTo(10_000);
        for (long i = WRITES - 10_000; i < WRITES; i += 997) {
            Bytes value = follower.get(Bytes.ofUtf8(load.key(i)));
            assertThat(value).as("key of put %d on the caught-up node", i).isNotNull();
            assertThat(value.toUtf8()).isEqualTo(PutLoad.value(i));
        }
    }
}
