package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One accepted connection: a peer's traffic to this node.
 *
 * <p>Until the handshake succeeds it accepts only one small handshake frame; a wrong cluster id, an unknown node id
 * or anything else closes it with a log line. After the handshake it decodes frames in the selector thread and hands
 * each message to the node runtime, checking that the message really comes from the handshaken peer and is addressed
 * to this node. Any bad byte closes this connection only: the peer reconnects, other peers never notice.
 *
 * <p>With TLS, the TLS handshake comes first (the peer must present a client certificate the trust manager accepts),
 * and the handshake frame is then refused unless the node id it claims is the one the certificate names.
 *
 * <p>Not thread-safe: owned by the selector thread.
 */
final class InboundConnection implements EventLoop.Connection {

    private static final Logger log = LoggerFactory.getLogger(InboundConnection.class);

    private final EventLoop loop;
    private final SocketChannel channel;
    /** Null for plaintext. */
    private final TlsChannel tls;
    /** What frames are read from and written to: {@link #tls} if set, else the socket. */
    private final ByteChannel io;
    private final String remote;
    private final long handshakeDeadlineNanos;
    private final FrameReader reader;
    private final FrameReader.FrameSink sink = this::onFrame;
    private SelectionKey key;
    /** With TLS, the node id the peer's certificate names, once the TLS handshake is complete. */
    private long certifiedNodeId;
    private long peerId;
    private boolean closed;

    InboundConnection(EventLoop loop, SocketChannel channel, long handshakeDeadlineNanos) {
        this.loop = loop;
        this.channel = channel;
        TransportTls settings = loop.config.tls();
        this.tls = settings == null ? null : new TlsChannel(channel, settings.newEngine(false));
        this.io = tls != null ? tls : channel;
        this.remote = EventLoop.remote(channel);
        this.handshakeDeadlineNanos = handshakeDeadlineNanos;
        this.reader = new FrameReader(2 * MessageCodec.MAX_HELLO_FRAME_BYTES, MessageCodec.MAX_HELLO_FRAME_BYTES);
    }

    void register() throws IOException {
        key = channel.register(loop.selector, SelectionKey.OP_READ, this);
    }

    boolean isEstablished() {
        return peerId != 0;
    }

    /** The peer's node id once the handshake succeeded, else 0. */
    long peerId() {
        return peerId;
    }

    @Override
    public void onReady(int readyOps) {
        if (closed) {
            return;
        }
        if (tls != null && !tls.isHandshakeComplete()) {
            if (!continueTls()) {
                return;
            }
        } else if ((readyOps & SelectionKey.OP_READ) == 0) {
            return;
        }
        try {
            boolean open = reader.readFrom(io, sink, TransportConfig.IO_BUDGET_BYTES);
            loop.counters.bytesReceived.addAndGet(reader.takeBytesRead());
            if (!open && !closed) {
                if (reader.hasPartialFrame()) {
                    loop.counters.decodeErrors.incrementAndGet();
                    log.warn("node {}: connection from {} (peer {}) ended in the middle of a frame", nodeId(), remote,
                            peerId);
                } else {
                    log.debug("node {}: connection from {} (peer {}) closed by the peer", nodeId(), remote, peerId);
                }
                close();
            } else if (open && tls != null && tls.hasBufferedInput()) {
                // The read budget ran out with records already taken off the socket: it will not wake us for them.
                loop.readAgain(this);
            }
        } catch (FrameDecodeException e) {
            loop.counters.bytesReceived.addAndGet(reader.takeBytesRead());
            loop.counters.decodeErrors.incrementAndGet();
            if (peerId == 0) {
                refuse("bad handshake frame: " + e.getMessage(), 0);
            } else {
                log.warn("node {}: closing connection from {} (peer {}): {}", nodeId(), remote, peerId,
                        e.getMessage());
                close();
            }
        } catch (SSLException e) {
            log.warn("node {}: closing connection from {} (peer {}): TLS failure: {}", nodeId(), remote, peerId,
                    e.getMessage());
            close();
        } catch (IOException e) {
            log.debug("node {}: connection from {} (peer {}) failed: {}", nodeId(), remote, peerId, e.toString());
            close();
        }
    }

    /** Advances the TLS handshake; returns true once it is complete and the peer's certificate names a node. */
    private boolean continueTls() {
        try {
            int waitFor = tls.handshake();
            if (waitFor != 0) {
                key.interestOps(waitFor);
                return false;
            }
            key.interestOps(SelectionKey.OP_READ);
            certifiedNodeId = TransportTls.nodeIdOf(tls.peerCertificate());
            return true;
        } catch (SSLException e) {
            refuse("TLS handshake failed: " + e.getMessage(), 0);
        } catch (TlsConfigException e) {
            refuse("its certificate names no node: " + e.getMessage(), 0);
        } catch (IOException e) {
            refuse("connection failed during the TLS handshake: " + e.getMessage(), 0);
        }
        return false;
    }

    private boolean onFrame(ByteBuffer frame) throws FrameDecodeException {
        if (peerId == 0) {
            return handshake(loop.codec.decodeHello(frame));
        }
        Message message = loop.codec.decode(frame);
        if (message.from() != peerId || message.to() != nodeId()) {
            throw new FrameDecodeException("message from=" + message.from() + " to=" + message.to()
                    + " on the connection of peer " + peerId + " to node " + nodeId());
        }
        loop.deliver(message);
        return !closed;
    }

    private boolean handshake(Hello hello) {
        TransportConfig config = loop.config;
        if (!hello.clusterId().equals(config.clusterId())) {
            refuse("it belongs to cluster '" + hello.clusterId() + "', this node to '" + config.clusterId() + "'",
                    hello);
            return false;
        }
        if (tls != null && certifiedNodeId != hello.nodeId()) {
            refuse("it claims node " + hello.nodeId() + " but its certificate names node " + certifiedNodeId, hello);
            return false;
        }
        if (!loop.isPeer(hello.nodeId())) {
            refuse("node id " + hello.nodeId() + " is not a peer now", hello);
            return false;
        }
        ByteBuffer answer = ByteBuffer.allocate(MessageCodec.MAX_HELLO_FRAME_BYTES);
        loop.codec.encodeHello(loop.hello, answer);
        answer.flip();
        try {
            int written = io.write(answer);
            loop.counters.bytesSent.addAndGet(written);
        } catch (IOException e) {
            log.debug("node {}: could not answer the handshake of {}: {}", nodeId(), remote, e.toString());
            close();
            return false;
        }
        if (answer.hasRemaining() || tls != null && tls.hasPendingOutput()) {
            // A fresh socket's send buffer always takes a few dozen bytes; anything else is not worth waiting for.
            log.warn("node {}: closing connection from {}: handshake answer did not fit the socket", nodeId(), remote);
            close();
            return false;
        }
        peerId = hello.nodeId();
        reader.maxFrameBytes(config.maxFrameBytes());
        reader.growTo(TransportConfig.READ_BUFFER_BYTES);
        loop.established(this, peerId);
        log.debug("node {}: accepted connection from peer {} at {}", nodeId(), peerId, remote);
        return true;
    }

    private void refuse(String why, Hello hello) {
        refuse(why, hello.nodeId());
    }

    private void refuse(String why, long claimedNodeId) {
        String reason = claimedNodeId == 0 ? why : "claiming node " + claimedNodeId + ": " + why;
        loop.refused(remote, "inbound", reason);
        close();
    }

    /** Closes a connection still without a handshake at its deadline; returns the next deadline or MAX_VALUE. */
    long onTimer() {
        if (peerId != 0 || closed) {
            return Long.MAX_VALUE;
        }
        if (loop.now() - handshakeDeadlineNanos >= 0) {
            String stage = tls != null && !tls.isHandshakeComplete() ? "TLS handshake" : "handshake";
            refuse("no complete " + stage + " within " + loop.config.connectTimeoutNanos() / 1_000_000 + " ms", 0);
            return Long.MAX_VALUE;
        }
        return handshakeDeadlineNanos;
    }

    @Override
    public void fail(String reason) {
        log.debug("node {}: closing connection from {} (peer {}): {}", nodeId(), remote, peerId, reason);
        close();
    }

    /** Closes without a log line, at transport shutdown. */
    void closeSilently() {
        close();
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        EventLoop.closeQuietly(io);
        loop.closed(this);
    }

    private long nodeId() {
        return loop.config.nodeId();
    }

    @Override
    public String toString() {
        return "connection from " + remote + " (peer " + peerId + ")";
    }
}
