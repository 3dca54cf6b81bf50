package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A {@link Transport} over TCP, built on NIO with one selector thread for all peers.
 *
 * <p>Connections: this node dials every configured peer and sends its messages for that peer on that connection;
 * it accepts the connections its peers dial and receives their messages on those. One connection per direction and
 * pair keeps per-link order trivial and gives each socket one owner. Each connection starts with a handshake that
 * carries the cluster id and node id; a peer with another cluster id or an unknown node id is refused with a log
 * line. A lost connection is re-dialed with exponential backoff and jitter. The peers are those given to the builder
 * until {@link #updatePeers} replaces them with the members of a new configuration. Without TLS the handshake guards
 * against misconfiguration, not against attackers: the cluster id is not a secret and there is no encryption, so run
 * such a cluster on a trusted network only (tests, loopback).
 *
 * <p>TLS: with {@link Builder#tls} every connection, in both directions, is mutual TLS 1.3 over the same selector
 * (the JDK's {@link javax.net.ssl.SSLEngine}), and the handshake frame travels inside it. A node accepts a peer only if
 * its certificate chains to the cluster CA, names the node id the peer claims, and that node is a member; see
 * {@link TransportTls} for the certificate naming rule and for rotating certificates without a restart. A TLS
 * transport never speaks plaintext and a plaintext one never speaks TLS: plaintext bytes on a TLS port fail the TLS
 * handshake, and a TLS hello on a plaintext port is not a valid frame; both close the connection with a log line.
 * Every refused connection is logged at WARN with its reason, counted in {@code handshakesRefused}, and reported to
 * {@link Builder#refusalListener}.
 *
 * <p>Sending: {@link #send} never blocks. Each peer has a queue bounded both in frame bytes and in messages; a
 * message that does not fit is dropped and counted (Raft retransmits), so memory stays bounded when a peer is slow,
 * stops reading or is gone. Messages to one peer are written in {@code send} order, many frames per gathering write,
 * with TCP_NODELAY. {@link #sendAll}, which the node uses for each round of its sends, writes them from the calling
 * thread when the link is plaintext, connected and idle, and leaves only the rest to the selector thread.
 *
 * <p>Snapshot transfers: an {@link dev.sansraft.core.Message.InstallSnapshot} chunk is one frame, so
 * {@code maxFrameBytes} must admit {@code RaftConfig.snapshotChunkBytes} plus the header and member list; the builder
 * checks this against {@link Builder#snapshotChunkBytes} (default 1 MiB, the core's default) and every node of a
 * cluster must use the same {@code maxFrameBytes}, because a receiver refuses larger frames. Chunks get back-pressure
 * rather than unbounded queueing: a chunk is dropped and counted (in {@code messagesDropped} and
 * {@code snapshotChunksDropped}) when its peer already has {@code maxQueuedSnapshotBytesPerPeer} of chunks queued,
 * unless no chunk is queued at all; the leader then resumes from the offset the follower reports. Heartbeats and
 * appends to the same peer therefore wait behind at most that many chunk bytes, and other peers' links are served
 * between the writes of a large chunk because each connection gets a bounded share of every selector round. A chunk
 * is copied once on each side between its {@code byte[]} and a reused direct buffer that the socket reads or writes
 * (on receipt, the part that arrived with the preceding frames is moved once more, from the read buffer); no side
 * holds more of a snapshot than the chunks in flight.
 *
 * <p>Receiving: frames are decoded on the selector thread and handed to the consumer given to {@link #start}, which
 * per the {@link Transport} contract must not block (it is called on the selector thread, in arrival order per
 * peer). Bytes that are not valid frames close only the connection they came on, with a log line; the other peers'
 * traffic and everything queued for them are unaffected. A consumer that is an {@link dev.sansraft.node.InboundBurst}
 * (a {@code RaftNode}'s) gets the messages of one selector round without a wake-up each, then one
 * {@code endOfBurst()} before the round's sends are flushed, so the node can step them on the selector thread and its
 * answers leave in the same round.
 *
 * <p>Memory: per peer, at most {@code maxQueuedBytesPerPeer} of queued frames, a 256 KiB direct staging buffer and
 * one frame being written (kept for reuse up to 4 MiB); per accepted connection, a 1 KiB read buffer until its
 * handshake, then 256 KiB, plus one direct buffer for a frame larger than that (kept for reuse up to 4 MiB); at
 * most 32 accepted connections may wait for their handshake at a time. With TLS, each connection adds two buffers of
 * four TLS records (about 68 KiB each) and one of one record.
 *
 * <p>Thread-safety: {@link #send}, {@link #counters()} and {@link #close()} may be called from any thread;
 * {@link #start} once. Create instances with {@link #builder()}; {@link Builder#build()} binds the listening socket,
 * so {@link #localAddress()} is known before {@link #start}.
 */
public final class TcpTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(TcpTransport.class);
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private final TransportConfig config;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final InetSocketAddress localAddress;
    private final LiveCounters counters = new LiveCounters();
    private final EventLoop loop;
    private final Function<String, InetSocketAddress> endpointResolver;
    private final Object lifecycle = new Object();
    private Thread thread;
    private boolean started;
    private volatile boolean closed;

    private TcpTransport(TransportConfig config, ServerSocketChannel server, Selector selector,
                         Function<String, InetSocketAddress> endpointResolver) throws IOException {
        this.config = config;
        this.endpointResolver = endpointResolver;
        this.server = server;
        this.selector = selector;
        this.localAddress = (InetSocketAddress) server.getLocalAddress();
        this.loop = new EventLoop(config, selector, server, counters);
    }

    /**
     * A builder; {@code nodeId}, {@code clusterId} and {@code listen} are required.
     *
     * @return a builder with every optional setting at its default
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the address the listening socket is bound to, with the real port when port 0 was asked for} */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** {@return this node's id} */
    public long nodeId() {
        return config.nodeId();
    }

    /** {@return true if this transport speaks TLS only} */
    public boolean isTls() {
        return config.tls() != null;
    }

    /** The validated settings; for tests. */
    TransportConfig config() {
        return config;
    }

    /** Outbound connection attempts so far, and how many of them failed or were lost later; for tests. */
    long dials() {
        return counters.dials.get();
    }

    long dialFailures() {
        return counters.dialFailures.get();
    }

    /** Batches written by a sending thread itself (see {@link #sendAll}); for tests. */
    long callerWrites() {
        return counters.callerWrites.get();
    }

    /**
     * A snapshot of the counters. Any thread.
     *
     * @return the counters summed over every peer link at the time of the call
     */
    public TransportCounters counters() {
        long messages = 0;
        long bytes = 0;
        for (PeerLink link : loop.links()) {
            messages += link.queuedMessages() + link.batchedMessages();
            bytes += link.queuedBytes();
        }
        return counters.snapshot(messages, bytes);
    }

    /**
     * Starts the selector thread, which dials every peer and delivers inbound messages to {@code inbound}.
     *
     * @throws IllegalStateException if called twice or after {@link #close()}
     */
    @Override
    public void start(Consumer<Message> inbound) {
        Objects.requireNonNull(inbound, "inbound consumer");
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException("transport of node " + config.nodeId() + " already "
                        + (closed ? "closed" : "started"));
            }
            started = true;
            loop.consumer(inbound);
            thread = new Thread(loop, "sansraft-tcp-" + config.nodeId());
            thread.setDaemon(true);
            thread.start();
        }
        log.info("node {}: transport listening on {} ({}) for cluster '{}', peers {}", config.nodeId(), localAddress,
                config.tls() != null ? "mutual " + TransportTls.PROTOCOL : "plaintext", config.clusterId(),
                config.peers());
    }

    /**
     * Queues {@code message} for {@link Message#to()}; never blocks. Drops and counts it if the recipient is not a
     * configured peer, the frame would exceed the maximum frame size, the peer's queue is full or the transport is
     * closed. Messages queued before {@link #start} are sent once it runs.
     */
    @Override
    public void send(Message message) {
        long size = MessageCodec.frameSize(message);
        PeerLink link = linkFor(message, size);
        if (link != null && !link.offer(message, (int) size)) {
            counters.dropped.incrementAndGet();
        }
    }

    /**
     * Queues every message like {@link #send}, in list order, and then gets each link's new messages written: over
     * plaintext, by the calling thread at once when the link is connected and has nothing else queued or in flight,
     * in one gathering write per link, otherwise by the selector thread as {@link #send} does. Writing from the caller
     * saves the selector thread's wake-up and one thread hand-off on the message's way out; the write is
     * non-blocking, and whatever the socket does not take at once is left to the selector thread, so this never
     * blocks either. Over TLS every write stays on the selector thread.
     */
    @Override
    public void sendAll(List<Message> messages) {
        PeerLink[] touched = null;
        int count = 0;
        for (int i = 0, n = messages.size(); i < n; i++) {
            Message message = messages.get(i);
            long size = MessageCodec.frameSize(message);
            PeerLink link = linkFor(message, size);
            if (link == null) {
                continue;
            }
            if (!link.offerQuietly(message, (int) size)) {
                counters.dropped.incrementAndGet();
                continue;
            }
            if (touched == null) {
                touched = new PeerLink[Math.min(n, 8)];
            }
            if (indexOf(touched, count, link) < 0) {
                if (count == touched.length) {
                    touched = Arrays.copyOf(touched, count * 2);
                }
                touched[count++] = link;
            }
        }
        for (int i = 0; i < count; i++) {
            touched[i].writeOrSchedule();
        }
    }

    private static int indexOf(PeerLink[] links, int count, PeerLink link) {
        for (int i = 0; i < count; i++) {
            if (links[i] == link) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The link that carries {@code message}, whose frame is {@code size} bytes, or null after dropping and counting
     * it (closed transport, unknown recipient, unencodable frame).
     */
    private PeerLink linkFor(Message message, long size) {
        if (closed) {
            counters.dropped.incrementAndGet();
            return null;
        }
        PeerLink link = loop.link(message.to());
        if (link == null) {
            counters.dropped.incrementAndGet();
            log.warn("node {}: dropping {}: recipient is not a configured peer", config.nodeId(),
                    MessageCodec.describe(message));
            return null;
        }
        String refusal = MessageCodec.unencodable(message, size, config.maxFrameBytes());
        if (refusal != null) {
            counters.dropped.incrementAndGet();
            log.warn("node {}: dropping {}: {}", config.nodeId(), MessageCodec.describe(message), refusal);
            return null;
        }
        return link;
    }

    /**
     * Switches the peer set to the members of a new configuration: {@code endpoints} maps each member's id to its
     * endpoint string, read by the {@link Builder#endpointResolver} (by default {@code host:raftPort[/...]}). This
     * node's own id is skipped. A member whose endpoint is empty keeps the address this transport already has for
     * it (members of a static configuration carry none); one whose endpoint does not resolve keeps its old address,
     * with a log line. Links to new members are dialed at once; links to members no longer present are closed with
     * whatever was queued for them, and their inbound connections are refused from then on. Any thread; the change
     * reaches the selector thread soon after the call returns.
     */
    @Override
    public void updatePeers(Map<Long, String> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        Map<Long, InetSocketAddress> next = new TreeMap<>();
        for (Map.Entry<Long, String> e : endpoints.entrySet()) {
            long peerId = e.getKey();
            if (peerId == config.nodeId()) {
                continue;
            }
            PeerLink current = loop.link(peerId);
            String endpoint = e.getValue();
            if (endpoint == null || endpoint.isEmpty()) {
                if (current != null) {
                    next.put(peerId, current.address());
                } else {
                    log.warn("node {}: member {} has no endpoint and no known address; it cannot be reached",
                            config.nodeId(), peerId);
                }
                continue;
            }
            try {
                next.put(peerId, endpointResolver.apply(endpoint));
            } catch (RuntimeException ex) {
                log.warn("node {}: cannot resolve the endpoint of member {}: {}", config.nodeId(), peerId,
                        ex.getMessage());
                if (current != null) {
                    next.put(peerId, current.address());
                }
            }
        }
        loop.updatePeers(next);
    }

    /**
     * The ids of the peers this transport dials now, ascending. Any thread.
     *
     * @return the peer ids, ascending, as a new list the caller owns
     */
    public List<Long> peerIds() {
        List<Long> ids = new ArrayList<>();
        for (PeerLink link : loop.links()) {
            ids.add(link.peerId);
        }
        return ids;
    }

    /** Stops the selector thread and closes every socket; idempotent, any thread. */
    @Override
    public void close() {
        Thread toJoin;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            toJoin = thread;
        }
        if (toJoin == null) {
            // Never started: nothing but the listening socket and the selector exist.
            EventLoop.closeQuietly(server);
            try {
                selector.close();
            } catch (IOException e) {
                log.warn("node {}: closing selector failed: {}", config.nodeId(), e.toString());
            }
        } else {
            loop.stop();
            if (Thread.currentThread() != toJoin) {
                joinLoop(toJoin);
            }
        }
        log.info("node {}: transport closed", config.nodeId());
    }

    private void joinLoop(Thread toJoin) {
        try {
            toJoin.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (toJoin.isAlive()) {
            log.warn("node {}: selector thread still running {} ms after close", config.nodeId(), CLOSE_WAIT_MILLIS);
        }
    }

    /**
     * Collects and validates a {@link TcpTransport}'s settings. Not thread-safe; use from one thread.
     *
     * <p>Defaults: 16 MiB maximum frame, 64 MiB and 65,536 messages queued per peer of which at most 8 MiB of
     * snapshot chunks, 1 MiB snapshot chunks, reconnect backoff from 10 ms to 250 ms (see {@link #reconnectBackoff}),
     * 5 s connect-and-handshake timeout, an unseeded random source for the jitter.
     */
    public static final class Builder {

        /** The first reconnect delay unless set otherwise. */
        static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(10);
        /**
         * The largest reconnect delay unless set otherwise: 2.5 heartbeat intervals at the node runtime's default
         * 100 ms tick and one-tick heartbeat, a quarter of its default 1 s election timeout.
         */
        static final Duration DEFAULT_RECONNECT_MAX = Duration.ofMillis(250);
        /** {@link #reconnectBackoffFor} caps the backoff at this many heartbeat intervals. */
        static final int RECONNECT_HEARTBEATS = 3;

        private long nodeId;
        private String clusterId;
        private InetSocketAddress listen;
        private ServerSocketChannel boundChannel;
        private final Map<Long, InetSocketAddress> peers = new TreeMap<>();
        private int maxFrameBytes = 16 << 20;
        private long maxQueuedBytesPerPeer = 64L << 20;
        private int maxQueuedMessagesPerPeer = 65_536;
        private long maxQueuedSnapshotBytesPerPeer = 8L << 20;
        private int snapshotChunkBytes = 1 << 20;
        private Duration reconnectMin = DEFAULT_RECONNECT_MIN;
        private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private RandomGenerator random;
        private TransportTls tls;
        private Consumer<ConnectionRefusal> refusalListener = refusal -> { };
        private Function<String, InetSocketAddress> endpointResolver = RaftEndpoint::parse;

        private Builder() {
        }

        /**
         * This node's id; positive.
         *
         * @param nodeId this node's id, positive
         * @return this builder
         */
        public Builder nodeId(long nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /**
         * The cluster id every peer must present; 1 to 255 bytes of UTF-8.
         *
         * @param clusterId the cluster id, 1 to 255 bytes of UTF-8
         * @return this builder
         */
        public Builder clusterId(String clusterId) {
            this.clusterId = clusterId;
            return this;
        }

        /**
         * The address to listen on; port 0 picks a free port.
         *
         * @param address the local address to bind; not null
         * @return this builder
         */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen address");
            this.boundChannel = null;
            return this;
        }

        /**
         * An already bound listening channel to take over (the transport closes it). Lets callers learn every port
         * before building any transport.
         *
         * @param bound a bound listening channel, owned by the transport from now on; not null
         * @return this builder
         */
        public Builder listen(ServerSocketChannel bound) {
            this.boundChannel = Objects.requireNonNull(bound, "listening channel");
            this.listen = null;
            return this;
        }

        /**
         * A peer: its node id (positive, not this node's) and the address it listens on.
         *
         * @param peerId the peer's node id: positive and not this node's
         * @param address the address the peer listens on; not null
         * @return this builder
         */
        public Builder peer(long peerId, InetSocketAddress address) {
            if (peerId <= 0) {
                throw new IllegalArgumentException("peer id must be positive, got " + peerId);
            }
            Objects.requireNonNull(address, "address of peer " + peerId);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("address of peer " + peerId + " is unresolved: " + address);
            }
            if (peers.putIfAbsent(peerId, address) != null) {
                throw new IllegalArgumentException("peer " + peerId + " configured twice: " + peers.get(peerId)
                        + " and " + address);
            }
            return this;
        }

        /**
         * The largest frame sent or accepted, length field included; at least 1024, and large enough for a snapshot
         * chunk of {@link #snapshotChunkBytes} (see there). Use the same value on every node: a receiver closes the
         * connection of a peer that sends a frame larger than its own maximum.
         *
         * @param maxFrameBytes the largest frame in bytes, at least 1024
         * @return this builder
         */
        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * The most frame bytes queued for one peer; more messages are dropped.
         *
         * @param maxQueuedBytesPerPeer the per-peer bound on queued frame bytes
         * @return this builder
         */
        public Builder maxQueuedBytesPerPeer(long maxQueuedBytesPerPeer) {
            this.maxQueuedBytesPerPeer = maxQueuedBytesPerPeer;
            return this;
        }

        /**
         * The largest snapshot chunk this node will send: set it to the {@code RaftConfig.snapshotChunkBytes} the node
         * runs with (default 1 MiB, the core's default). {@link #build()} checks that {@link #maxFrameBytes} admits an
         * {@code InstallSnapshot} frame carrying that many bytes and a member list of this node and its peers, and
         * names the {@code maxFrameBytes} needed otherwise. For example, 4 MiB chunks in a 5-node cluster need
         * {@code maxFrameBytes} of at least 4 MiB plus 118 bytes, on every node.
         *
         * @param snapshotChunkBytes the largest snapshot chunk payload in bytes
         * @return this builder
         */
        public Builder snapshotChunkBytes(int snapshotChunkBytes) {
            this.snapshotChunkBytes = snapshotChunkBytes;
            return this;
        }

        /**
         * The most frame bytes of snapshot chunks queued for one peer; a chunk beyond it is dropped unless no chunk is
         * queued for that peer. {@link #maxQueuedBytesPerPeer} applies to chunks too, so the smaller bound wins. Bounds how long heartbeats and appends wait
         * behind a snapshot transfer on the same link.
         *
         * @param maxQueuedSnapshotBytesPerPeer the per-peer bound on queued snapshot chunk frame bytes
         * @return this builder
         */
        public Builder maxQueuedSnapshotBytesPerPeer(long maxQueuedSnapshotBytesPerPeer) {
            this.maxQueuedSnapshotBytesPerPeer = maxQueuedSnapshotBytesPerPeer;
            return this;
        }

        /**
         * The most messages queued for one peer; more are dropped.
         *
         * @param maxQueuedMessagesPerPeer the per-peer bound on queued messages
         * @return this builder
         */
        public Builder maxQueuedMessagesPerPeer(int maxQueuedMessagesPerPeer) {
            this.maxQueuedMessagesPerPeer = maxQueuedMessagesPerPeer;
            return this;
        }

        /**
         * The first and the largest reconnect delay; jitter picks each delay in the upper half of its range. Keep the
         * largest to a few heartbeat intervals and well below the election timeout: a link that failed during a
         * partition is idle until its next attempt, and a follower that hears nothing for an election timeout after
         * the partition heals starts an election (the leader loses it if checkQuorum is on). A peer that connects
         * to this node cuts the wait short in any case. {@link #reconnectBackoffFor} derives both from the Raft
         * timing.
         *
         * @param min the first reconnect delay; not null
         * @param max the largest reconnect delay; not null
         * @return this builder
         */
        public Builder reconnectBackoff(Duration min, Duration max) {
            this.reconnectMin = Objects.requireNonNull(min, "min backoff");
            this.reconnectMax = Objects.requireNonNull(max, "max backoff");
            return this;
        }

        /**
         * The reconnect backoff for a node ticking every {@code tickInterval} with {@code raft}'s timeouts: the
         * largest delay is {@value #RECONNECT_HEARTBEATS} heartbeat intervals, and never more than half the election
         * timeout; the first is a tenth of that. With the defaults (100 ms tick, 1-tick heartbeat, 10-tick election
         * timeout) that is 30 ms to 300 ms.
         *
         * @param tickInterval the wall-clock length of one Raft tick; positive
         * @param raft the Raft configuration whose heartbeat and election timeouts set the bound
         * @return this builder
         */
        public Builder reconnectBackoffFor(Duration tickInterval, RaftConfig raft) {
            Objects.requireNonNull(tickInterval, "tick interval");
            Objects.requireNonNull(raft, "raft config");
            if (tickInterval.isNegative() || tickInterval.isZero()) {
                throw new IllegalArgumentException("tick interval must be positive, got " + tickInterval);
            }
            Duration heartbeats = tickInterval.multipliedBy((long) RECONNECT_HEARTBEATS * raft.heartbeatIntervalTicks());
            Duration halfElection = tickInterval.multipliedBy(raft.electionTimeoutTicks()).dividedBy(2);
            Duration max = heartbeats.compareTo(halfElection) < 0 ? heartbeats : halfElection;
            Duration min = max.dividedBy(10);
            return reconnectBackoff(min.isZero() ? max : min, max);
        }

        /**
         * Mutual TLS 1.3 on every connection (see {@link TransportTls}); without it the transport speaks plaintext.
         * Every node of a cluster must agree: a TLS node refuses plaintext peers and the reverse.
         *
         * @param tls the TLS material every connection uses; not null
         * @return this builder
         */
        public Builder tls(TransportTls tls) {
            this.tls = Objects.requireNonNull(tls, "TLS settings");
            return this;
        }

        /**
         * Told of every connection refused before it carried a message, with the reason also logged. Called on the
         * selector thread: it must return quickly and not block. Default: nothing.
         *
         * @param listener called once per refused connection, on the selector thread; not null
         * @return this builder
         */
        public Builder refusalListener(Consumer<ConnectionRefusal> listener) {
            this.refusalListener = Objects.requireNonNull(listener, "refusal listener");
            return this;
        }

        /**
         * How long a connect plus handshake (TLS and the handshake frame) may take, for either side, before the
         * connection is dropped. This also bounds how long a stalled or half-open connection holds one of the
         * 32 slots for connections awaiting their handshake.
         *
         * @param timeout the connect plus handshake deadline; not null
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "connect timeout");
            return this;
        }

        /**
         * How {@link TcpTransport#updatePeers} turns a member's endpoint string into the address to dial; it throws
         * {@link IllegalArgumentException} for an endpoint it cannot read. Default: {@code host:raftPort}, optionally
         * followed by {@code /} and anything (such as the example server's {@code host:raftPort/httpPort}).
         *
         * @param resolver maps a member's endpoint string to the address to dial; not null
         * @return this builder
         */
        public Builder endpointResolver(Function<String, InetSocketAddress> resolver) {
            this.endpointResolver = Objects.requireNonNull(resolver, "endpoint resolver");
            return this;
        }

        /**
         * The random source for reconnect jitter; used only by the selector thread. Seed it for reproducibility.
         *
         * @param random the jitter source, confined to the selector thread; not null
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Validates the settings and binds the listening socket.
         *
         * @return the running transport, listening and dialing its peers
         * @throws IllegalArgumentException naming the first invalid setting
         * @throws UncheckedIOException     if the listening socket cannot be bound
         */
        public TcpTransport build() {
            TransportConfig config = validate();
            ServerSocketChannel server = boundChannel;
            Selector selector = null;
            try {
                if (server == null) {
                    server = ServerSocketChannel.open();
                    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    server.bind(listen, 128);
                }
                server.configureBlocking(false);
                selector = Selector.open();
                return new TcpTransport(config, server, selector, endpointResolver);
            } catch (IOException e) {
                if (server != null) {
                    EventLoop.closeQuietly(server);
                }
                if (selector != null) {
                    EventLoop.closeQuietly(selector);
                }
                throw new UncheckedIOException("node " + nodeId + ": cannot listen on "
                        + (listen != null ? listen : boundChannel), e);
            }
        }

        private TransportConfig validate() {
            if (nodeId <= 0) {
                throw new IllegalArgumentException("nodeId must be positive, got " + nodeId);
            }
            if (clusterId == null) {
                throw new IllegalArgumentException("clusterId is required");
            }
            Hello.checkClusterId(clusterId);
            if (listen == null && boundChannel == null) {
                throw new IllegalArgumentException("a listen address or bound channel is required");
            }
            if (peers.containsKey(nodeId)) {
                throw new IllegalArgumentException("node " + nodeId + " lists itself as a peer at "
                        + peers.get(nodeId));
            }
            if (maxFrameBytes < MessageCodec.MIN_MAX_FRAME_BYTES) {
                throw new IllegalArgumentException("maxFrameBytes must be at least " + MessageCodec.MIN_MAX_FRAME_BYTES
                        + ", got " + maxFrameBytes);
            }
            if (maxQueuedBytesPerPeer < maxFrameBytes) {
                throw new IllegalArgumentException("maxQueuedBytesPerPeer (" + maxQueuedBytesPerPeer
                        + ") must be at least maxFrameBytes (" + maxFrameBytes + ") so that every frame can be queued");
            }
            if (snapshotChunkBytes < 1) {
                throw new IllegalArgumentException("snapshotChunkBytes must be positive, got " + snapshotChunkBytes);
            }
            long chunkFrame = MessageCodec.installSnapshotFrameBytes(peers.size() + 1, snapshotChunkBytes);
            if (chunkFrame > maxFrameBytes) {
                throw new IllegalArgumentException("maxFrameBytes " + maxFrameBytes + " cannot carry a snapshot "
                        + "chunk of snapshotChunkBytes " + snapshotChunkBytes + ": its InstallSnapshot frame for "
                        + (peers.size() + 1) + " members is " + chunkFrame + " bytes; raise maxFrameBytes to at "
                        + "least " + chunkFrame + " on every node, or lower snapshotChunkBytes (and "
                        + "RaftConfig.snapshotChunkBytes)");
            }
            if (maxQueuedSnapshotBytesPerPeer < 1) {
                throw new IllegalArgumentException("maxQueuedSnapshotBytesPerPeer must be positive, got "
                        + maxQueuedSnapshotBytesPerPeer);
            }
            if (maxQueuedMessagesPerPeer < 1) {
                throw new IllegalArgumentException("maxQueuedMessagesPerPeer must be positive, got "
                        + maxQueuedMessagesPerPeer);
            }
            long minNanos = reconnectMin.toNanos();
            long maxNanos = reconnectMax.toNanos();
            if (minNanos <= 0 || maxNanos < minNanos) {
                throw new IllegalArgumentException("reconnect backoff needs 0 < min <= max, got min=" + reconnectMin
                        + " max=" + reconnectMax);
            }
            long timeoutNanos = connectTimeout.toNanos();
            if (timeoutNanos <= 0) {
                throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
            }
            if (tls != null) {
                long own = tls.ownNodeId();
                if (own != 0 && own != nodeId) {
                    throw new IllegalArgumentException("the TLS certificate names node " + own + " but this is node "
                            + nodeId);
                }
            }
            RandomGenerator jitter = random != null ? random : new SplittableRandom();
            return new TransportConfig(nodeId, clusterId, Map.copyOf(peers), maxFrameBytes, maxQueuedBytesPerPeer,
                    maxQueuedMessagesPerPeer, maxQueuedSnapshotBytesPerPeer, minNanos, maxNanos, timeoutNanos, jitter,
                    tls, refusalListener);
        }
    }

    @Override
    public String toString() {
        return "TcpTransport[node " + config.nodeId() + " on " + localAddress + "]";
    }
}
