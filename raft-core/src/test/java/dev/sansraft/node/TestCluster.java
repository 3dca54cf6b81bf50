package dev.sansraft.node;

import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * N real RaftNodes in one JVM over an {@link InMemoryNetwork}, each with its own {@link InMemoryLogStore} that
 * survives restarts. Ticks are 20 ms and the election timeout 20 ticks (0.4–0.8 s): generous, because the test
 * machine is small and shared, and a stall longer than the election timeout would start a needless election.
 *
 * <p>{@link #withSnapshots} switches the cluster to snapshot-taking {@link ListMachine}s with tiny snapshot thresholds
 * and chunks, and gives every node a snapshot store that, like its log store, survives restarts.
 */
final class TestCluster implements AutoCloseable {

    final InMemoryNetwork network = InMemoryNetwork.create();
    final List<Long> ids = new ArrayList<>();
    /** Nodes started as members-to-be; they restart that way too (their log holds their configuration). */
    final Set<Long> joining = new HashSet<>();
    final Map<Long, InMemoryLogStore> stores = new HashMap<>();
    final Map<Long, CountingStateMachine> machines = new HashMap<>();
    final Map<Long, ListMachine> listMachines = new HashMap<>();
    final Map<Long, ForwardingSnapshotStore> snapshotStores = new HashMap<>();
    final Map<Long, RaftNode> nodes = new HashMap<>();
    /** A listener to register on a node whenever it starts, by id. */
    final Map<Long, RaftNodeListener> listeners = new HashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-cluster-ticks");
        t.setDaemon(true);
        return t;
    });
    private final long seed;
    private final Duration requestTimeout;
    private boolean snapshots;
    private long snapshotEntries;
    private long snapshotTrailingEntries;
    private int snapshotChunkBytes;
    private ListMachine.Snapshots snapshotMode;

    TestCluster(int size, long seed, Duration requestTimeout) {
        this.seed = seed;
        this.requestTimeout = requestTimeout;
        for (long id = 1; id <= size; id++) {
            ids.add(id);
            stores.put(id, new InMemoryLogStore());
        }
    }

    TestCluster(int size, long seed) {
        this(size, seed, Duration.ofSeconds(5));
    }

    /**
     * Every node snapshots after {@code entries} applied entries, keeps {@code trailingEntries} behind a snapshot when
     * it compacts, and streams snapshots in chunks of {@code chunkBytes}; the state machines take them as
     * {@code mode} says. Call before starting nodes.
     */
    TestCluster withSnapshots(long entries, long trailingEntries, int chunkBytes, ListMachine.Snapshots mode) {
        snapshots = true;
        snapshotMode = mode;
        snapshotEntries = entries;
        snapshotTrailingEntries = trailingEntries;
        snapshotChunkBytes = chunkBytes;
        for (long id : ids) {
            snapshotStores.put(id, new ForwardingSnapshotStore(new InMemorySnapshotStore()));
        }
        return this;
    }

    TestCluster startAll() {
        ids.forEach(this::start);
        return this;
    }

    /**
     * Starts a new node {@code id} on an empty store as a member-to-be ({@link Membership#EMPTY}): it waits for the
     * leader to add it. Not part of {@link #ids}.
     */
    RaftNode startJoining(long id) {
        stores.put(id, new InMemoryLogStore());
        if (snapshots) {
            snapshotStores.put(id, new ForwardingSnapshotStore(new InMemorySnapshotStore()));
        }
        joining.add(id);
        return start(id);
    }

    /** Starts (or restarts) node {@code id} on its stores, with an empty state machine. */
    RaftNode start(long id) {
        RaftConfig.Builder config = RaftConfig.builder().randomSeed(seed).electionTimeoutTicks(20)
                .heartbeatIntervalTicks(2);
        RaftNode.Builder builder = RaftNode.builder().id(id).logStore(stores.get(id))
                .transport(network.transport(id)).tickInterval(Duration.ofMillis(20)).requestTimeout(requestTimeout)
                .scheduler(scheduler);
        if (joining.contains(id)) {
            builder.membership(Membership.EMPTY);
        } else {
            builder.members(ids);
        }
        if (snapshots) {
            config.snapshotEntries(snapshotEntries).snapshotTrailingEntries(snapshotTrailingEntries)
                    .snapshotChunkBytes(snapshotChunkBytes);
            ListMachine sm = new ListMachine(snapshotMode);
            builder.stateMachine(sm).snapshotStore(snapshotStores.get(id));
            listMachines.put(id, sm);
        } else {
            CountingStateMachine sm = new CountingStateMachine();
            builder.stateMachine(sm);
            machines.put(id, sm);
        }
        if (listeners.containsKey(id)) {
            builder.listener(listeners.get(id));
        }
        RaftNode node = builder.config(config.build()).build();
        nodes.put(id, node);
        node.start();
        return node;
    }

    void stop(long id) {
        RaftNode node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    /** Waits until exactly one running node is leader and every running node follows it; returns it. */
    RaftNode awaitLeader() {
        RaftNode[] leader = new RaftNode[1];
        Poll.until("one leader that every running node knows", Duration.ofSeconds(20), () -> {
            RaftNode found = null;
            long term = -1;
            for (RaftNode n : nodes.values()) {
                RaftStatus s = n.status();
                if (s.isLeader()) {
                    if (found != null) {
                        return false;
                    }
                    found = n;
                    term = s.term();
                }
            }
            if (found == null) {
                return false;
            }
            for (RaftNode n : nodes.values()) {
                RaftStatus s = n.status();
                if (s.term() != term || s.leaderId() != found.id()) {
                    return false;
                }
            }
            leader[0] = found;
            return true;
        });
        return leader[0];
    }

    RaftNode aFollower() {
        RaftNode leader = awaitLeader();
        return nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        new ArrayList<>(nodes.keySet()).forEach(this::stop);
        scheduler.shutdownNow();
        network.close();
    }
}
