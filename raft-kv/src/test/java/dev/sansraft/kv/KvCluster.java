package dev.sansraft.kv;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.InMemoryLogStore;
import dev.sansraft.node.InMemoryNetwork;
import dev.sansraft.node.RaftNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/** Three in-process {@link RaftNode}s with {@link KvStateMachine}s over an {@link InMemoryNetwork}. */
final class KvCluster implements AutoCloseable {

    static final List<Long> MEMBERS = List.of(1L, 2L, 3L);

    final InMemoryNetwork network = InMemoryNetwork.create();
    final List<RaftNode> nodes = new ArrayList<>();
    final List<KvStateMachine> machines = new ArrayList<>();
    final List<InMemoryLogStore> stores = new ArrayList<>();

    KvCluster(LongFunction<RaftConfig> config, Duration requestTimeout) {
        for (long id : MEMBERS) {
            KvStateMachine sm = KvStateMachine.create();
            InMemoryLogStore store = new InMemoryLogStore();
            RaftNode node = RaftNode.builder().id(id).members(MEMBERS).config(config.apply(id)).logStore(store)
                    .transport(network.transport(id)).stateMachine(sm).tickInterval(Duration.ofMillis(10))
                    .requestTimeout(requestTimeout).build();
            machines.add(sm);
            stores.add(store);
            nodes.add(node);
        }
        nodes.forEach(RaftNode::start);
    }

    static KvCluster withDefaults() {
        return new KvCluster(id -> RaftConfig.builder().randomSeed(id).build(), Duration.ofSeconds(5));
    }

    RaftNode node(long id) {
        return nodes.get((int) id - 1);
    }

    KvStateMachine machine(long id) {
        return machines.get((int) id - 1);
    }

    /** Waits for a leader that all nodes agree on and returns it. */
    RaftNode awaitLeader() {
        RaftNode[] leader = new RaftNode[1];
        Poll.until("a leader", 10_000, () -> {
            for (RaftNode n : nodes) {
                if (n.status().isLeader()) {
                    long id = n.id();
                    boolean agreed = nodes.stream().allMatch(o -> o.status().leaderId() == id);
                    leader[0] = n;
                    return agreed;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Waits until every node has applied {@code index}. */
    void awaitApplied(long index) {
        Poll.until("every node applied " + index, 10_000,
                () -> nodes.stream().allMatch(n -> n.status().appliedIndex() >= index));
    }

    @Override
    public void close() {
        nodes.forEach(RaftNode::close);
        network.close();
    }
}
