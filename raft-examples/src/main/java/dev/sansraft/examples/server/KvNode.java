package dev.sansraft.examples.server;

import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.http.HttpSecurity;
import dev.sansraft.examples.http.KvHttpServer;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.node.LogStore;
import dev.sansraft.node.QueueLimits;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.SnapshotStore;
import dev.sansraft.node.Transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One running key-value node: a {@link RaftNode} with a fresh {@link KvStateMachine} over the given log store,
 * snapshot store and transport, and the HTTP API in front of it. The node restores the state machine from the newest
 * snapshot in the store, then replays the log after it. Owns everything it is given: {@link #close()} stops the HTTP
 * API, then the node (which closes the transport and both stores).
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class KvNode implements AutoCloseable {
    private final RaftNode node;
    private final KvStateMachine stateMachine;
    private final KvHttpServer http;

    private KvNode(RaftNode node, KvStateMachine stateMachine, KvHttpServer http) {
        this.node = node;
        this.stateMachine = stateMachine;
        this.http = http;
    }

    /**
     * Starts the node and its HTTP API with the node runtime's default snapshot store, which keeps snapshots in
     * memory only (fine with an in-memory log; a durable log needs a durable snapshot store).
     *
     * @param id this node's id, positive
     * @param members the ids of every initial voter, this node included
     * @param config the Raft settings
     * @param logStore the log store, owned by the node from now on
     * @param transport the transport, owned by the node from now on
     * @param httpAddress where the API listens (port 0 picks one)
     * @param httpUrls    node id to HTTP base URL, for redirects to the leader
     * @param httpThreads threads for the HTTP API, at least 1
     * @return the running node
     * @throws IOException if the log cannot be read or the HTTP port cannot be bound
     */
    public static KvNode start(long id, List<Long> members, RaftConfig config, LogStore logStore,
                               Transport transport, InetSocketAddress httpAddress, Map<Long, String> httpUrls,
                               int httpThreads) throws IOException {
        return start(id, members, config, logStore, null, transport, httpAddress, httpUrls, httpThreads);
    }

    /**
     * Starts the node and its HTTP API.
     *
     * @param id this node's id, positive
     * @param members the ids of every initial voter, this node included
     * @param config the Raft settings
     * @param logStore the log store, owned by the node from now on
     * @param snapshotStore where snapshots are kept, or null for the node runtime's in-memory default (allowed
     *                      only with an in-memory log store)
     * @param transport the transport, owned by the node from now on
     * @param httpAddress   where the API listens (port 0 picks one)
     * @param httpUrls      node id to HTTP base URL, for redirects to the leader
     * @param httpThreads threads for the HTTP API, at least 1
     * @return the running node
     * @throws IOException if the log or snapshot store cannot be read or the HTTP port cannot be bound
     */
    public static KvNode start(long id, List<Long> members, RaftConfig config, LogStore logStore,
                               SnapshotStore snapshotStore, Transport transport, InetSocketAddress httpAddress,
                               Map<Long, String> httpUrls, int httpThreads) throws IOException {
        return start(id, members, config, logStore, snapshotStore, transport, httpAddress, httpUrls, httpThreads,
                HttpSecurity.NONE, QueueLimits.forThisHeap());
    }

    /**
     * As above, with HTTPS and a bearer token on the API as {@code security} says, and the node's queue limits (a
     * request beyond them gets 503).
     *
     * @param id this node's id, positive
     * @param members the ids of every initial voter, this node included
     * @param config the Raft settings
     * @param logStore the log store, owned by the node from now on
     * @param snapshotStore the snapshot store, or null for the in-memory default (only with an in-memory log)
     * @param transport the transport, owned by the node from now on
     * @param httpAddress where the API listens (port 0 picks one)
     * @param httpUrls node id to HTTP base URL, for redirects to the leader
     * @param httpThreads threads for the HTTP API, at least 1
     * @param security TLS and bearer-token settings of the API
     * @param queueLimits the node's request queue bounds
     * @return the running node
     * @throws IOException if the log or snapshot store cannot be read or the HTTP port cannot be bound
     */
    public static KvNode start(long id, List<Long> members, RaftConfig config, LogStore logStore,
                               SnapshotStore snapshotStore, Transport transport, InetSocketAddress httpAddress,
                               Map<Long, String> httpUrls, int httpThreads, HttpSecurity security,
                               QueueLimits queueLimits)
            throws IOException {
        return start(id, Membership.ofVoters(members), config, logStore, snapshotStore, transport, httpAddress,
                httpUrls, httpThreads, security, queueLimits);
    }

    /**
     * As above, starting the node from the configuration {@code bootstrap} (see {@link RaftNode.Builder#membership}:
     * {@link Membership#EMPTY} for a node that joins, or rejoins with its configuration in its stores).
     *
     * @param id this node's id, positive
     * @param bootstrap the configuration to start from, or {@link Membership#EMPTY} to wait to be added
     * @param config the Raft settings
     * @param logStore the log store, owned by the node from now on
     * @param snapshotStore the snapshot store, or null for the in-memory default (only with an in-memory log)
     * @param transport the transport, owned by the node from now on
     * @param httpAddress where the API listens (port 0 picks one)
     * @param httpUrls node id to HTTP base URL, for redirects to the leader
     * @param httpThreads threads for the HTTP API, at least 1
     * @param security TLS and bearer-token settings of the API
     * @param queueLimits the node's request queue bounds
     * @return the running node
     * @throws IOException if the log or snapshot store cannot be read or the HTTP port cannot be bound
     */
    public static KvNode start(long id, Membership bootstrap, RaftConfig config, LogStore logStore,
                               SnapshotStore snapshotStore, Transport transport, InetSocketAddress httpAddress,
                               Map<Long, String> httpUrls, int httpThreads, HttpSecurity security,
                               QueueLimits queueLimits)
            throws IOException {
        KvStateMachine stateMachine = KvStateMachine.create();
        RaftNode.Builder builder = RaftNode.builder()
                .id(id)
                .membership(bootstrap)
                .config(config)
                .logStore(logStore)
                .transport(transport)
                .stateMachine(stateMachine)
                .queueLimits(queueLimits);
        if (snapshotStore != null) {
            builder.snapshotStore(snapshotStore);
        }
        RaftNode node = builder.build();
        node.start();
        try {
            KvHttpServer http = KvHttpServer.start(httpAddress,
                    new RaftKvBackend(node, KvCommandCodec.withDefaultLimits()), httpUrls, httpThreads, security);
            return new KvNode(node, stateMachine, http);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /** {@return the Raft node; owned by this object, do not close it directly} */
    public RaftNode raftNode() {
        return node;
    }

    /**
     * The state machine, for inspection once the node is closed (its apply thread has then ended, so reads from any
     * thread see its final state). While the node runs, only its apply thread may touch it.
     *
     * @return the state machine
     */
    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    /** {@return the port the HTTP API listens on} */
    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        node.close();
    }
}
