package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.node.InboundBurst;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The transport's single selector thread: accepts inbound connections, drives every outbound {@link PeerLink} and
 * inbound {@link InboundConnection}, runs reconnect and handshake timers, and hands decoded messages to the inbound
 * consumer.
 *
 * <p>Sending threads talk to it only through {@link #schedule} (a lock-free queue of links with new messages) and a
 * selector wake-up that is skipped while the loop is already awake. Everything else is confined to the loop thread.
 * An unexpected exception while serving one connection closes that connection only.
 */
final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    final TransportConfig config;
    final MessageCodec codec;
    final LiveCounters counters;
    final Selector selector;
    final Hello hello;

    private final ServerSocketChannel server;
    /** The outbound links, replaced as a whole on the loop thread when the peers change; read from any thread. */
    private volatile PeerLink[] links;
    /** The peer set to switch to, posted by {@link #updatePeers} from any thread; the newest wins. */
    private final AtomicReference<Map<Long, InetSocketAddress>> pendingPeers = new AtomicReference<>();
    private final ConcurrentLinkedQueue<PeerLink> dirty = new ConcurrentLinkedQueue<>();
    /** True while the loop is not blocked in select, so senders need not wake it. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final List<InboundConnection> inbound = new ArrayList<>();
    private final Map<Long, InboundConnection> inboundByPeer = new HashMap<>();
    private final Consumer<SelectionKey> dispatcher = this::dispatch;
    /** TLS connections holding decrypted input the socket will not signal again; served in the next round. */
    private List<Connection> readAgain = new ArrayList<>();
    private List<Connection> readingAgain = new ArrayList<>();
    private volatile boolean running = true;
    private Consumer<Message> consumer;
    /** The consumer when it takes messages in bursts (see {@link InboundBurst}), else null. */
    private InboundBurst burstConsumer;
    /** Whether this round delivered a message the burst consumer has not yet been told the end of. */
    private boolean burstOpen;
    private long now;

    EventLoop(TransportConfig config, Selector selector, ServerSocketChannel server, LiveCounters counters) {
        this.config = config;
        this.codec = new MessageCodec(config.maxFrameBytes());
        this.counters = counters;
        this.selector = selector;
        this.server = server;
        this.hello = new Hello(config.clusterId(), config.nodeId());
        this.links = config.peers().entrySet().stream()
                .map(e -> new PeerLink(this, e.getKey(), e.getValue()))
                .toArray(PeerLink[]::new);
    }

    /** The outbound link to {@code peerId}, or null if it is not a configured peer. Any thread. */
    PeerLink link(long peerId) {
        for (PeerLink link : links) {
            if (link.peerId == peerId) {
                return link;
            }
        }
        return null;
    }

    PeerLink[] links() {
        return links;
    }

    /** Whether {@code peerId} is a peer now: one this node dials, and whose connections it accepts. Any thread. */
    boolean isPeer(long peerId) {
        return link(peerId) != null;
    }

    /**
     * Switches to {@code peers} (id to address, without this node) on the loop thread soon: links to new peers are
     * created and dialed, links to peers no longer present are closed with their queues dropped, and a peer whose
     * address changed gets a fresh link. Any thread.
     */
    void updatePeers(Map<Long, InetSocketAddress> peers) {
        pendingPeers.set(Map.copyOf(peers));
        if (!awake.get() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    private void applyPendingPeers() {
        Map<Long, InetSocketAddress> peers = pendingPeers.getAndSet(null);
        if (peers == null) {
            return;
        }
        List<PeerLink> next = new ArrayList<>(peers.size());
        Map<Long, InetSocketAddress> remaining = new HashMap<>(peers);
        for (PeerLink link : links) {
            InetSocketAddress address = remaining.remove(link.peerId);
            if (link.address().equals(address)) {
                next.add(link);
                continue;
            }
            link.closeForGood();
            InboundConnection c = inboundByPeer.get(link.peerId);
            if (address == null && c != null) {
                c.fail("peer " + link.peerId + " was removed from the configuration");
            }
            if (address != null) {
                remaining.put(link.peerId, address);
                log.info("node {}: peer {} moved from {} to {}", config.nodeId(), link.peerId, link.address(),
                        address);
            } else {
                log.info("node {}: peer {} at {} removed", config.nodeId(), link.peerId, link.address());
            }
        }
        for (Map.Entry<Long, InetSocketAddress> e : remaining.entrySet()) {
            next.add(new PeerLink(this, e.getKey(), e.getValue()));
            log.info("node {}: peer {} at {} added", config.nodeId(), e.getKey(), e.getValue());
        }
        next.sort((a, b) -> Long.compare(a.peerId, b.peerId));
        links = next.toArray(PeerLink[]::new);
    }

    /** Asks the loop to flush {@code link}. Any thread; the caller has just set the link's scheduled flag. */
    void schedule(PeerLink link) {
        dirty.offer(link);
        if (!awake.get() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Makes the loop leave its run method soon. Any thread. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    long now() {
        return now;
    }

    void consumer(Consumer<Message> consumer) {
        this.consumer = consumer;
        this.burstConsumer = consumer instanceof InboundBurst ? (InboundBurst) consumer : null;
    }

    @Override
    public void run() {
        try {
            server.register(selector, SelectionKey.OP_ACCEPT, this);
            now = System.nanoTime();
            while (running) {
                now = System.nanoTime();
                applyPendingPeers();
                long timeoutMillis = runTimers();
                awake.set(false);
                if (dirty.isEmpty() && readAgain.isEmpty() && pendingPeers.get() == null && running) {
                    selector.select(dispatcher, timeoutMillis);
                } else {
                    selector.selectNow(dispatcher);
                }
                awake.set(true);
                now = System.nanoTime();
                // Before the sends are flushed: whatever the node answers at once to this burst goes out with them.
                endBurst();
                drainDirty();
                drainReadAgain();
                endBurst();
            }
        } catch (IOException | RuntimeException e) {
            log.error("node {}: transport selector loop failed; closing every connection", config.nodeId(), e);
        } finally {
            closeEverything();
        }
    }

    private void dispatch(SelectionKey key) {
        Object attachment = key.attachment();
        if (attachment == this) {
            acceptAll();
            return;
        }
        now = System.nanoTime();
        Connection connection = (Connection) attachment;
        try {
            if (key.isValid()) {
                connection.onReady(key.readyOps());
            }
        } catch (RuntimeException e) {
            log.error("node {}: unexpected failure on {}; closing it", config.nodeId(), connection, e);
            connection.fail("unexpected " + e);
        }
    }

    /** Asks for {@code c} to be read again next round although its socket may signal nothing. Loop thread. */
    void readAgain(Connection c) {
        readAgain.add(c);
    }

    private void drainReadAgain() {
        if (readAgain.isEmpty()) {
            return;
        }
        List<Connection> batch = readAgain;
        readAgain = readingAgain;
        readingAgain = batch;
        for (Connection c : batch) {
            try {
                c.onReady(SelectionKey.OP_READ);
            } catch (RuntimeException e) {
                log.error("node {}: unexpected failure on {}; closing it", config.nodeId(), c, e);
                c.fail("unexpected " + e);
            }
        }
        batch.clear();
    }

    /** Logs, counts and reports a connection refused before it carried a message. Loop thread. */
    void refused(String remote, String direction, String reason) {
        counters.handshakesRefused.incrementAndGet();
        log.warn("node {}: refusing {} connection {} {}: {}", config.nodeId(), direction,
                "inbound".equals(direction) ? "from" : "to", remote, reason);
        try {
            config.refusals().accept(new ConnectionRefusal(remote, direction, reason));
        } catch (RuntimeException e) {
            log.error("node {}: refusal listener threw", config.nodeId(), e);
        }
    }

    private void drainDirty() {
        // Bounded so that links re-queued by their fairness budget wait for the next round.
        for (int i = 0; i < 2 * links.length + 1; i++) {
            PeerLink link = dirty.poll();
            if (link == null) {
                return;
            }
            try {
                link.flush();
            } catch (RuntimeException e) {
                log.error("node {}: unexpected failure flushing {}; closing it", config.nodeId(), link, e);
                link.fail("unexpected " + e);
            }
        }
    }

    /** Fires due timers and returns how long select may block: 0 means until woken. */
    private long runTimers() {
        long next = Long.MAX_VALUE;
        for (PeerLink link : links) {
            try {
                // Links start in BACKOFF with a deadline in the past, so the first round dials every peer.
                next = Math.min(next, link.onTimer());
            } catch (RuntimeException e) {
                log.error("node {}: unexpected failure in the timer of {}; closing it", config.nodeId(), link, e);
                link.fail("unexpected " + e);
            }
        }
        for (int i = inbound.size() - 1; i >= 0; i--) {
            InboundConnection c = inbound.get(i);
            next = Math.min(next, c.onTimer());
        }
        if (next == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(1, (next - now + 999_999) / 1_000_000);
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                log.warn("node {}: accept failed: {}", config.nodeId(), e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            now = System.nanoTime();
            long pending = inbound.stream().filter(c -> !c.isEstablished()).count();
            if (pending >= TransportConfig.MAX_PENDING_INBOUND) {
                refused(remote(channel), "inbound", pending + " connections already await their handshake");
                closeQuietly(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                InboundConnection c = new InboundConnection(this, channel, now + config.connectTimeoutNanos());
                c.register();
                inbound.add(c);
            } catch (IOException e) {
                log.warn("node {}: could not set up accepted connection from {}: {}", config.nodeId(),
                        remote(channel), e.toString());
                closeQuietly(channel);
            }
        }
    }

    /** A handshake succeeded: {@code c} now carries {@code peerId}'s traffic, replacing any older connection. */
    void established(InboundConnection c, long peerId) {
        InboundConnection previous = inboundByPeer.put(peerId, c);
        if (previous != null && previous != c) {
            previous.fail("replaced by a newer connection from the same peer");
        }
        // The peer reaches us, so we can most likely reach it: our own link need not wait out its backoff.
        PeerLink link = link(peerId);
        if (link != null) {
            link.peerReachable();
        }
    }

    /** {@code c} is closed; forget it. */
    void closed(InboundConnection c) {
        inbound.remove(c);
        inboundByPeer.remove(c.peerId(), c);
    }

    /**
     * Hands one decoded message to the node runtime; to a burst consumer without waking it, since {@link #endBurst}
     * follows in this round.
     */
    void deliver(Message message) {
        counters.received.incrementAndGet();
        try {
            if (burstConsumer != null) {
                burstConsumer.acceptInBurst(message);
                burstOpen = true;
            } else {
                consumer.accept(message);
            }
        } catch (RuntimeException e) {
            // The consumer's contract forbids this; losing one message is safe for Raft, killing the loop is not.
            log.error("node {}: inbound consumer threw on {}", config.nodeId(), MessageCodec.describe(message), e);
        }
    }

    /** Tells a burst consumer that this round's messages are delivered: it may step them on this thread now. */
    private void endBurst() {
        if (!burstOpen) {
            return;
        }
        burstOpen = false;
        try {
            burstConsumer.endOfBurst();
        } catch (RuntimeException e) {
            log.error("node {}: inbound consumer threw at the end of a burst", config.nodeId(), e);
        }
    }

    private void closeEverything() {
        for (PeerLink link : links) {
            link.closeForGood();
        }
        for (InboundConnection c : new ArrayList<>(inbound)) {
            c.closeSilently();
        }
        inbound.clear();
        inboundByPeer.clear();
        closeQuietly(server);
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("node {}: closing selector failed: {}", config.nodeId(), e.toString());
        }
    }

    static String remote(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "unknown address";
        }
    }

    static void closeQuietly(java.io.Closeable channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing can only fail after the socket is already unusable; nothing is left to release.
            log.debug("close failed: {}", e.toString());
        }
    }

    /** A connection served by the loop. */
    interface Connection {
        void onReady(int readyOps);

        void fail(String reason);
    }
}
