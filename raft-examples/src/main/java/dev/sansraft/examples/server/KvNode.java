package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.http.KvHttpServer;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.node.LogStore;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.Transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One running key-value node: a {@link RaftNode} with a fresh {@link KvStateMachine} over the given log store and
 * transport, and the HTTP API in front of it. Owns everything it is given: {@link #close()} stops the HTTP API,
 * then the node (which closes the transport and the log store).
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class KvNode implements AutoCloseable {
    private final RaftNode node;
    private final KvHttpServer http;

    private KvNode(RaftNode node, KvHttpServer http) {
        this.node = node;
        this.http = http;
    }

    /**
     * Starts the node and its HTTP API.
     *
     * @param httpAddress where the API listens (port 0 picks one)
     * @param httpUrls    node id to HTTP base URL, for redirects to the leader
     */
    public static KvNode start(long id, List<Long> members, RaftConfig config, LogStore logStore,
                               Transport transport, InetSocketAddress httpAddress, Map<Long, String> httpUrls,
                               int httpThreads) throws IOException {
        KvStateMachine stateMachine = KvStateMachine.create();
        RaftNode node = RaftNode.builder()
                .id(id)
                .members(members)
                .config(config)
                .logStore(logStore)
                .transport(transport)
                .stateMachine(stateMachine)
                .build();
        node.start();
        try {
            KvHttpServer http = KvHttpServer.start(httpAddress,
                    new RaftKvBackend(node, KvCommandCodec.withDefaultLimits()), httpUrls, httpThreads);
            return new KvNode(node, http);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    public RaftNode raftNode() {
        return node;
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        node.close();
    }
}
