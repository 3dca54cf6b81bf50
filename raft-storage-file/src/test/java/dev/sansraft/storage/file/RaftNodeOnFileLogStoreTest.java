package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.InMemoryNetwork;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.StateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Three real RaftNodes, each on its own FileLogStore, survive a full-cluster restart with their logs intact. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RaftNodeOnFileLogStoreTest {

    @TempDir
    Path tmp;

    private static final List<Long> IDS = List.of(1L, 2L, 3L);

    /** Records every applied command. */
    private static final class RecordingMachine implements StateMachine {
        final List<String> applied = new CopyOnWriteArrayList<>();

        @Override
        public byte[] apply(LogEntry entry) {
            applied.add(new String(entry.payload(), StandardCharsets.UTF_8));
            return new byte[0];
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    private Map<Long, RaftNode> startCluster(InMemoryNetwork network, ScheduledExecutorService scheduler,
                                             Map<Long, RecordingMachine> machines) throws IOException {
        Map<Long, RaftNode> nodes = new HashMap<>();
        for (long id : IDS) {
            RecordingMachine machine = new RecordingMachine();
            machines.put(id, machine);
            RaftNode node = RaftNode.builder().id(id).members(IDS)
                    .config(RaftConfig.builder().randomSeed(7).electionTimeoutTicks(20).heartbeatIntervalTicks(2)
                            .build())
                    .logStore(FileLogStore.builder(tmp.resolve("node-" + id)).segmentSizeBytes(4096).open())
                    .snapshotStore(FileSnapshotStore.open(tmp.resolve("snapshots-" + id)))
                    .transport(network.transport(id)).stateMachine(machine).tickInterval(Duration.ofMillis(20))
                    .requestTimeout(Duration.ofSeconds(10)).scheduler(scheduler).build();
            nodes.put(id, node);
            node.start();
        }
        return nodes;
    }

    private static RaftNode awaitLeader(Map<Long, RaftNode> nodes) {
        RaftNode[] leader = new RaftNode[1];
        await("a leader", () -> {
            for (RaftNode n : nodes.values()) {
                if (n.status().isLeader()) {
                    leader[0] = n;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private static void proposeAll(RaftNode leader, List<String> commands) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (String c : commands) {
            futures.add(leader.propose(c.getBytes(StandardCharsets.UTF_8)));
        }
        futures.forEach(CompletableFuture::join);
    }

    @Test
    void aClusterRestartReplaysTheCommittedLogFromDisk() throws IOException {
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            first.add("cmd-" + i);
        }
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Map<Long, RecordingMachine> machines = new HashMap<>();
            try (InMemoryNetwork network = InMemoryNetwork.create()) {
                Map<Long, RaftNode> nodes = startCluster(network, scheduler, machines);
                proposeAll(awaitLeader(nodes), first);
                for (long id : IDS) {
                    await("node " + id + " applies 60", () -> machines.get(id).applied.size() >= 60);
                }
                nodes.values().forEach(RaftNode::close);
            }
            Map<Long, RecordingMachine> restarted = new HashMap<>();
            try (InMemoryNetwork network = InMemoryNetwork.create()) {
                Map<Long, RaftNode> nodes = startCluster(network, scheduler, restarted);
                proposeAll(awaitLeader(nodes), List.of("after-restart"));
                List<String> expected = new ArrayList<>(first);
                expected.add("after-restart");
                for (long id : IDS) {
                    await("node " + id + " replays and applies 61", () -> restarted.get(id).applied.size() >= 61);
                    assertThat(restarted.get(id).applied).as("node %d", id).isEqualTo(expected);
                }
                nodes.values().forEach(RaftNode::close);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }
}
