package dev.sansraft.examples.server;

import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.LogStore;
import dev.sansraft.node.SnapshotStore;
import dev.sansraft.storage.file.FileLogStore;
import dev.sansraft.storage.file.FileSnapshotStore;
import dev.sansraft.transport.tcp.TcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.util.List;

/**
 * The {@code server} subcommand's node: claims the data directory, opens the file log in {@code DIR/log} and the
 * snapshot store in {@code DIR/snapshots}, binds the TCP transport on its raft port, and starts a {@link KvNode}
 * with the HTTP API on its HTTP port.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class NodeServer implements AutoCloseable {
    static final String LOG_DIR = "log";
    /** Its own directory: each file store locks the directory it lives in. */
    static final String SNAPSHOT_DIR = "snapshots";

    private static final Logger log = LoggerFactory.getLogger(NodeServer.class);

    private final KvNode node;
    /** Null without TLS. */
    private final CertificatePoll certificatePoll;

    private NodeServer(KvNode node, CertificatePoll certificatePoll) {
        this.node = node;
        this.certificatePoll = certificatePoll;
    }

    /**
     * Starts the node.
     *
     * @param settings what to start
     * @return the running node
     * @throws DataDirectoryException if the data directory belongs to another node or cluster
     * @throws IOException            if the log or the snapshot store cannot be opened or a port cannot be bound
     */
    public static NodeServer start(NodeSettings settings) throws IOException {
        return start(settings, null, ServerSecurity.NONE);
    }

    /**
     * As {@link #start(NodeSettings)}, with TLS and an API token as {@code security} says.
     *
     * @param settings what to start
     * @param security TLS and API token settings
     * @return the running node
     * @throws IOException if the log or the snapshot store cannot be opened or a port cannot be bound
     */
    public static NodeServer start(NodeSettings settings, ServerSecurity security) throws IOException {
        return start(settings, null, security);
    }

    /** As {@link #start(NodeSettings)}, taking over an already bound raft listening channel when given. */
    static NodeServer start(NodeSettings settings, ServerSocketChannel boundRaftChannel) throws IOException {
        return start(settings, boundRaftChannel, ServerSecurity.NONE);
    }

    private static NodeServer start(NodeSettings settings, ServerSocketChannel boundRaftChannel,
                                    ServerSecurity security) throws IOException {
        settings.identity().claim(settings.dataDir(), LOG_DIR);
        LogStore logStore = FileLogStore.builder(settings.dataDir().resolve(LOG_DIR))
                .segmentSizeBytes(settings.logSegmentBytes())
                .open();
        SnapshotStore snapshotStore;
        try {
            snapshotStore = FileSnapshotStore.open(settings.dataDir().resolve(SNAPSHOT_DIR));
        } catch (IOException | RuntimeException e) {
            closeQuietly(logStore, settings);
            throw e;
        }
        HeapBudget heap = settings.heapBudget();
        TcpTransport transport;
        try {
            TcpTransport.Builder b = TcpTransport.builder()
                    .nodeId(settings.id())
                    .clusterId(settings.identity().clusterId());
            heap.applyTo(b);
            if (security.tls() != null) {
                b.tls(security.tls());
            }
            if (boundRaftChannel != null) {
                b.listen(boundRaftChannel);
            } else {
                b.listen(settings.self().raftAddress());
            }
            settings.peers().peers().stream().filter(p -> p.id() != settings.id())
                    .forEach(p -> b.peer(p.id(), p.raftAddress()));
            transport = b.build();
        } catch (RuntimeException e) {
            closeQuietly(snapshotStore, settings);
            closeQuietly(logStore, settings);
            throw e;
        }
        // Each process draws its own seed so that nodes started together do not time out in lockstep.
        RaftConfig config = heap.applyTo(settings.snapshots()
                .applyTo(RaftConfig.builder().randomSeed(new SecureRandom().nextLong())))
                .build();
        log.info("node {}: memory limits from the {}", settings.id(), heap);
        if (settings.snapshots().isDisabled()) {
            log.warn("node {}: snapshots are disabled (--snapshot-entries 0 --snapshot-bytes 0): the log in {} grows"
                    + " without bound and a restart replays all of it", settings.id(), settings.dataDir());
        }
        try {
            // A static cluster's members carry their endpoints into the configuration, so that members added later
            // learn every address from the log; a joining or rejoining node waits for its configuration.
            Membership bootstrap = settings.bootstrap() ? Membership.of(settings.peers().peers().stream()
                    .map(p -> new Membership.Member(p.id(), p.endpoint())).toList(), List.of()) : Membership.EMPTY;
            KvNode node = KvNode.start(settings.id(), bootstrap, config, logStore, snapshotStore,
                    transport, settings.self().httpAddress(), security.withScheme(settings.peers().httpBaseUrls()),
                    settings.httpThreads(), security.http(), heap.queueLimits());
            return new NodeServer(node, security.tls() == null ? null
                    : CertificatePoll.start(settings.id(), security.tls(), security.tlsReloadInterval()));
        } catch (IOException | RuntimeException e) {
            transport.close();
            closeQuietly(snapshotStore, settings);
            closeQuietly(logStore, settings);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable store, NodeSettings settings) {
        try {
            store.close();
        } catch (Exception e) {
            // The start already failed; that failure is the one to report, this one only to the log.
            log.warn("node {}: cannot close {} after a failed start", settings.id(), store, e);
        }
    }

    /** {@return the running node} */
    public KvNode node() {
        return node;
    }

    /** {@return the poll that reloads rotated TLS files, or null without TLS} */
    CertificatePoll certificatePoll() {
        return certificatePoll;
    }

    @Override
    public void close() {
        if (certificatePoll != null) {
            certificatePoll.close();
        }
        node.close();
    }
}
