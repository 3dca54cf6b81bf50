package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.LogStore;
import dev.sansraft.storage.file.FileLogStore;
import dev.sansraft.transport.tcp.TcpTransport;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;

/**
 * The {@code server} subcommand's node: claims the data directory, opens the file log in {@code DIR/log}, binds the
 * TCP transport on its raft port, and starts a {@link KvNode} with the HTTP API on its HTTP port.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class NodeServer implements AutoCloseable {
    static final String LOG_DIR = "log";

    private final KvNode node;

    private NodeServer(KvNode node) {
        this.node = node;
    }

    /**
     * Starts the node.
     *
     * @throws DataDirectoryException if the data directory belongs to another node or cluster
     * @throws IOException            if the log cannot be opened or a port cannot be bound
     */
    public static NodeServer start(NodeSettings settings) throws IOException {
        return start(settings, null);
    }

    /** As {@link #start(NodeSettings)}, taking over an already bound raft listening channel when given. */
    static NodeServer start(NodeSettings settings, ServerSocketChannel boundRaftChannel) throws IOException {
        settings.identity().claim(settings.dataDir(), LOG_DIR);
        LogStore store = FileLogStore.open(settings.dataDir().resolve(LOG_DIR));
        TcpTransport transport;
        try {
            TcpTransport.Builder b = TcpTransport.builder()
                    .nodeId(settings.id())
                    .clusterId(settings.identity().clusterId());
            if (boundRaftChannel != null) {
                b.listen(boundRaftChannel);
            } else {
                b.listen(settings.self().raftAddress());
            }
            settings.peers().peers().stream().filter(p -> p.id() != settings.id())
                    .forEach(p -> b.peer(p.id(), p.raftAddress()));
            transport = b.build();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        // Each process draws its own seed so that nodes started together do not time out in lockstep.
        RaftConfig config = RaftConfig.builder().randomSeed(new SecureRandom().nextLong()).build();
        try {
            return new NodeServer(KvNode.start(settings.id(), settings.peers().ids(), config, store, transport,
                    settings.self().httpAddress(), settings.peers().httpBaseUrls(), settings.httpThreads()));
        } catch (IOException | RuntimeException e) {
            transport.close();
            store.close();
            throw e;
        }
    }

    public KvNode node() {
        return node;
    }

    @Override
    public void close() {
        node.close();
    }
}
