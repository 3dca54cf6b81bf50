package dev.sansraft.examples.embed;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.kv.KvStore;
import dev.sansraft.node.RaftNode;
import dev.sansraft.storage.file.FileLogStore;
import dev.sansraft.storage.file.FileSnapshotStore;
import dev.sansraft.transport.tcp.TcpTransport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The README's embedding example, verbatim: one node of a replicated key-value store inside your own JVM service.
 * Kept here so that the README's code always compiles and runs ({@link EmbeddedNodeTest}).
 */
final class EmbeddedNode {

    private EmbeddedNode() {
    }

    // README:begin
    /** Starts node {@code id} of a static cluster; {@code cluster} maps every member's id to its raft address. */
    static KvStore start(long id, Path dataDir, Map<Long, InetSocketAddress> cluster) throws IOException {
        TcpTransport.Builder transport = TcpTransport.builder()
                .nodeId(id)
                .clusterId("inventory")                 // both ends of every connection must agree
                .listen(cluster.get(id));
        cluster.forEach((peerId, address) -> {
            if (peerId != id) {
                transport.peer(peerId, address);
            }
        });
        RaftNode node = RaftNode.builder()
                .id(id)
                .members(new ArrayList<>(cluster.keySet()))
                .config(RaftConfig.builder().randomSeed(System.nanoTime()).build())
                .logStore(FileLogStore.open(dataDir.resolve("log")))   // durable, checksummed, group-committed
                .snapshotStore(FileSnapshotStore.open(dataDir.resolve("snapshots")))  // atomic, checksummed
                .transport(transport.build())
                .stateMachine(KvStateMachine.create())  // or your own dev.sansraft.node.StateMachine
                .build();
        node.start();
        return KvStore.create(node);                    // futures; exactly-once retries of writes
    }
    // README:end

    static List<Long> ids(Map<Long, InetSocketAddress> cluster) {
        return List.copyOf(cluster.keySet());
    }
}
