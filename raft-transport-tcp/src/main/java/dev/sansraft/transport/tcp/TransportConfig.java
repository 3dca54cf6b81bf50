package dev.sansraft.transport.tcp;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The validated settings of one {@link TcpTransport}, produced by {@link TcpTransport.Builder}. Immutable apart from
 * {@code random}, which only the selector thread uses.
 *
 * @param peers    node id to address, never containing {@code nodeId}
 * @param tls      null for plaintext
 * @param refusals told of every refused connection, on the selector thread; never null
 */
record TransportConfig(long nodeId, String clusterId, Map<Long, InetSocketAddress> peers, int maxFrameBytes,
                       long maxQueuedBytesPerPeer, int maxQueuedMessagesPerPeer, long maxQueuedSnapshotBytesPerPeer,
                       long reconnectMinNanos, long reconnectMaxNanos, long connectTimeoutNanos,
                       RandomGenerator random, TransportTls tls, Consumer<ConnectionRefusal> refusals) {

    /**
     * Size of each established inbound connection's reused direct read buffer; frames up to this size are decoded in
     * place, larger ones are read into a second direct buffer (see {@link FrameReader}).
     */
    static final int READ_BUFFER_BYTES = 256 * 1024;
    /** Size of each outbound link's reused direct staging buffer: the most bytes one batch of small frames holds. */
    static final int STAGING_BYTES = 256 * 1024;
    /** Bytes one connection may read or write per selector round before the others get a turn. */
    static final int IO_BUDGET_BYTES = 4 << 20;
    /** Connections accepted but not yet through the handshake; more are closed at once. */
    static final int MAX_PENDING_INBOUND = 32;
}
