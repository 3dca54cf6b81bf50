package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything this node sends to one peer: a bounded queue of messages and the one outbound connection that carries
 * them, dialed by this node, in order.
 *
 * <p>States: {@code BACKOFF} (no connection; a reconnect is due at {@code nextAttemptNanos}), {@code CONNECTING}
 * (non-blocking connect in flight), {@code HANDSHAKING} (our handshake sent, the peer's answer awaited) and
 * {@code READY} (messages flow). Every failure closes the socket, drops the batch that was being written and goes
 * back to {@code BACKOFF} with exponential, jittered delay, capped low (see {@link TcpTransport.Builder#reconnectBackoff})
 * and cut short when the peer connects to us ({@link #peerReachable}); queued messages stay queued for the next connection, so
 * the order of whatever is delivered is the order of {@link #offer} calls.
 *
 * <p>Back-pressure: {@link #offer} never blocks; a message that does not fit the queue's bounds is refused and the
 * caller drops it. Snapshot chunks ({@link InstallSnapshot}) have a bound of their own on top of the queue's: a chunk
 * is taken when no other chunk is queued for this peer (so one chunk of any allowed frame size always fits) or when
 * the chunks queued plus it stay within {@code maxQueuedSnapshotBytesPerPeer}. The leader's own window
 * ({@code RaftConfig.snapshotChunksInFlight}) normally stays well inside that; a chunk refused here is simply not
 * delivered, the follower answers the next chunk with the offset it really holds, and the leader resends from there
 * (or after its chunk timeout). This keeps a snapshot transfer from filling the queue with megabytes that heartbeats
 * and appends to the same peer would have to wait behind, since one link never reorders.
 *
 * <p>Frames of at most {@link #SMALL_FRAME_BYTES} (votes, responses, heartbeats: appends without entries) are held
 * to the message-count bound only, not the byte bound: appends that fill the byte bound under load must not cost the
 * follower its heartbeats, or it would start an election against a live leader. They add at most
 * {@code maxQueuedMessagesPerPeer * SMALL_FRAME_BYTES} bytes.
 *
 * <p>Writing from the sending thread: {@link TcpTransport#sendAll} queues a round's messages with
 * {@link #offerQuietly} and then calls {@link #writeOrSchedule}, which writes them from the calling thread when the
 * link is plaintext, ready and idle (nothing queued or being written before them, so order is kept), instead of waking
 * the selector thread to do it: a wake-up costs more CPU than the write itself and adds a thread hand-off to every
 * message's latency. Anything it cannot finish at once (a full socket, a failed write, messages that arrived while it
 * wrote) goes to the selector thread as before, which also keeps every connection state change, write interest and
 * failure on that thread. TLS links always write from the selector thread, the one owner of their engine.
 *
 * <p>Thread-safety: {@link #offer}, {@link #offerQuietly} and {@link #writeOrSchedule} may be called from any thread;
 * the queue bounds are enforced with atomics, so the queued bytes never exceed the configured maximum (plus the small
 * frames above). Everything else runs on the selector thread. The outbound buffer and the channel's write side are
 * guarded by {@code writeLock}: the selector thread holds it whenever it serves this link, a sending thread only
 * with {@code tryLock} and only while it owns the {@code scheduled} flag, so it never waits.
 */
final class PeerLink implements EventLoop.Connection {

    /** Frames up to this size pass the byte bound (see the class comment). */
    static final int SMALL_FRAME_BYTES = 256;

    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

    private enum State { BACKOFF, CONNECTING, HANDSHAKING, READY, CLOSED }

    final long peerId;
    private final InetSocketAddress address;
    private final EventLoop loop;
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    /**
     * Messages taken off the queue into the batch being written, published by the selector thread for
     * {@link TcpTransport#counters()}: a batch of small frames to a peer that stopped reading can hold thousands.
     */
    private volatile int batchedMessages;
    /** Frame bytes of the snapshot chunks among the queued messages. */
    private final AtomicLong queuedSnapshotBytes = new AtomicLong();
    /** True while the link is in the loop's dirty queue or will be flushed anyway (not ready, or waiting to write). */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ReconnectBackoff backoff;
    private final OutboundBuffer out;
    private final FrameReader reader;
    private final FrameReader.FrameSink helloSink = this::onFrame;
    /** See the class comment: held by the selector thread while it serves this link, tried by a sending thread. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Whether a sending thread may write this link's frames itself: plaintext only (see the class comment). */
    private final boolean callerWrites;

    /** Volatile for {@link #writeOrSchedule}; changed only by the selector thread, and from READY only under the lock. */
    private volatile State state = State.BACKOFF;
    private SocketChannel channel;
    /** The TLS session over {@link #channel}, or null for plaintext. */
    private TlsChannel tls;
    private SelectionKey key;
    private boolean writeInterest;
    /** In BACKOFF: when to dial next (initially long past); in CONNECTING and HANDSHAKING: when to give up. */
    private long deadlineNanos;

    PeerLink(EventLoop loop, long peerId, InetSocketAddress address) {
        this.loop = loop;
        this.peerId = peerId;
        this.address = address;
        TransportConfig config = loop.config;
        this.backoff = new ReconnectBackoff(config.reconnectMinNanos(), config.reconnectMaxNanos(), config.random());
        this.out = new OutboundBuffer(loop.codec, TransportConfig.STAGING_BYTES, config.tls() != null);
        this.callerWrites = config.tls() == null;
        this.reader = new FrameReader(MessageCodec.MAX_HELLO_FRAME_BYTES * 2, MessageCodec.MAX_HELLO_FRAME_BYTES);
        this.deadlineNanos = System.nanoTime() - 1;
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    int queuedMessages() {
        return queuedMessages.get();
    }

    /** Messages in the batch being written (encoded, not yet all on the socket). */
    int batchedMessages() {
        return batchedMessages;
    }

    long queuedSnapshotBytes() {
        return queuedSnapshotBytes.get();
    }

    /**
     * Queues {@code message} if every bound allows it (see the class comment for snapshot chunks). Any thread, never
     * blocks.
     *
     * @return false if the message was dropped because the queue is full
     */
    boolean offer(Message message, int frameSize) {
        if (!admit(message, frameSize)) {
            return false;
        }
        queue.offer(message);
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            loop.schedule(this);
        }
        return true;
    }

    /** Takes room for {@code message} in the queue's bounds, or returns false with nothing taken. */
    private boolean admit(Message message, int frameSize) {
        TransportConfig config = loop.config;
        boolean chunk = message instanceof InstallSnapshot;
        if (chunk) {
            long after = queuedSnapshotBytes.addAndGet(frameSize);
            if (after != frameSize && after > config.maxQueuedSnapshotBytesPerPeer()) {
                queuedSnapshotBytes.addAndGet(-frameSize);
                loop.counters.snapshotChunksDropped.incrementAndGet();
                return false;
            }
        }
        if (queuedMessages.incrementAndGet() > config.maxQueuedMessagesPerPeer()) {
            queuedMessages.decrementAndGet();
            unqueueChunk(chunk, frameSize);
            return false;
        }
        if (queuedBytes.addAndGet(frameSize) > config.maxQueuedBytesPerPeer() && frameSize > SMALL_FRAME_BYTES) {
            queuedBytes.addAndGet(-frameSize);
            queuedMessages.decrementAndGet();
            unqueueChunk(chunk, frameSize);
            return false;
        }
        return true;
    }

    /**
     * Queues {@code message} like {@link #offer} but leaves it to the caller to call {@link #writeOrSchedule} once it
     * has queued the rest of its round. Any thread, never blocks.
     *
     * @return false if the message was dropped because the queue is full
     */
    boolean offerQuietly(Message message, int frameSize) {
        if (!admit(message, frameSize)) {
            return false;
        }
        queue.offer(message);
        return true;
    }

    /**
     * Gets what {@link #offerQuietly} queued written: by this thread at once if the link is idle and ready (see the
     * class comment), else by the selector thread. Any thread, never blocks.
     */
    void writeOrSchedule() {
        if (scheduled.get() || !scheduled.compareAndSet(false, true)) {
            // The selector thread, or another sender, owns the link's next flush and will find these messages.
            return;
        }
        if (!callerWrites || state != State.READY || !writeLock.tryLock()) {
            loop.schedule(this);
            return;
        }
        boolean finished;
        try {
            finished = state == State.READY && writeOnceFromCaller();
        } finally {
            writeLock.unlock();
        }
        if (!finished) {
            loop.schedule(this);
        }
    }

    /**
     * Fills, seals and writes one batch from a sending thread that holds the lock and owns {@code scheduled}; returns
     * true if nothing is left for the selector thread, which then does not own the next flush either. Leaves a
     * partly written batch sealed, and a write that failed unreported: the selector thread writes the rest, or meets
     * the failure again and closes the link, on its own thread.
     */
    private boolean writeOnceFromCaller() {
        if (out.hasPending()) {
            return false;
        }
        fill();
        if (!out.isEmpty()) {
            out.seal();
            long before = out.pendingBytes();
            int messages = out.batchMessages();
            try {
                if (!out.writeTo(channel)) {
                    loop.counters.bytesSent.addAndGet(before - out.pendingBytes());
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
            loop.counters.bytesSent.addAndGet(before);
            loop.counters.sent.addAndGet(messages);
            batchedMessages = 0;
            loop.counters.callerWrites.incrementAndGet();
        }
        scheduled.set(false);
        // A sender that queued while we wrote saw scheduled set and left its messages to us: hand them over.
        return queue.isEmpty() || !scheduled.compareAndSet(false, true);
    }

    /**
     * The peer just completed a handshake on a connection it dialed to us, so it is reachable now: forget the failures
     * counted so far and, if this link is waiting out a backoff, dial at once. Without this a link that failed during
     * a partition could sit idle for a whole backoff after the partition heals. Selector thread.
     */
    void peerReachable() {
        backoff.reset();
        if (state == State.BACKOFF) {
            deadlineNanos = loop.now();
        }
    }

    /** Starts a non-blocking connect. Selector thread. */
    void connect() {
        loop.counters.dials.incrementAndGet();
        // Bytes left from the previous connection mean nothing on this one. Reset here, never while reading.
        reader.reset();
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(loop.selector, 0, this);
            writeInterest = false;
            deadlineNanos = loop.now() + loop.config.connectTimeoutNanos();
            if (channel.connect(address)) {
                onConnected();
            } else {
                state = State.CONNECTING;
                key.interestOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
            fail("connect failed: " + e);
        }
    }

    private void onConnected() {
        state = State.HANDSHAKING;
        key.interestOps(SelectionKey.OP_READ);
        reader.maxFrameBytes(MessageCodec.MAX_HELLO_FRAME_BYTES);
        TransportTls settings = loop.config.tls();
        if (settings != null) {
            tls = new TlsChannel(channel, settings.newEngine(true));
            continueTls();
            return;
        }
        sendHello();
    }

    /** Advances the TLS handshake; once it is complete and the certificate names {@link #peerId}, sends our hello. */
    private void continueTls() {
        long certified;
        try {
            int waitFor = tls.handshake();
            if (waitFor != 0) {
                key.interestOps(waitFor);
                writeInterest = false;
                return;
            }
            key.interestOps(SelectionKey.OP_READ);
            writeInterest = false;
            certified = TransportTls.nodeIdOf(tls.peerCertificate());
        } catch (SSLException | TlsConfigException e) {
            refuse("TLS handshake failed: " + e.getMessage());
            return;
        } catch (IOException e) {
            fail("TLS handshake failed: " + e);
            return;
        }
        if (certified != peerId) {
            refuse("its certificate names node " + certified + ", expected node " + peerId);
            return;
        }
        sendHello();
    }

    private void refuse(String reason) {
        loop.refused(address.toString(), "outbound", "peer " + peerId + ": " + reason);
        fail(reason);
    }

    private void sendHello() {
        out.appendHello(loop.hello);
        out.seal();
        writePending();
    }

    @Override
    public void onReady(int readyOps) {
        writeLock.lock();
        try {
            serve(readyOps);
        } finally {
            writeLock.unlock();
        }
    }

    private void serve(int readyOps) {
        if (state == State.CONNECTING && (readyOps & SelectionKey.OP_CONNECT) != 0) {
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                fail("connect failed: " + e);
                return;
            }
            onConnected();
            return;
        }
        if (tls != null && !tls.isHandshakeComplete()) {
            continueTls();
            return;
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && !readReply()) {
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && (state == State.READY || state == State.HANDSHAKING)) {
            flush();
        }
    }

    /** Reads the handshake answer, or notices that the peer closed; returns false if the link failed. */
    private boolean readReply() {
        try {
            boolean open = reader.readFrom(tls != null ? tls : channel, helloSink, MessageCodec.MAX_HELLO_FRAME_BYTES);
            loop.counters.bytesReceived.addAndGet(reader.takeBytesRead());
            if (!open) {
                fail("peer closed the connection");
                return false;
            }
            if (tls != null && state != State.BACKOFF && tls.hasBufferedInput()) {
                loop.readAgain(this);
            }
            return state != State.BACKOFF;
        } catch (FrameDecodeException e) {
            loop.counters.decodeErrors.incrementAndGet();
            log.warn("node {}: closing connection to peer {} at {}: bad bytes from it: {}", loop.config.nodeId(),
                    peerId, address, e.getMessage());
            fail("bad bytes from peer");
            return false;
        } catch (IOException e) {
            fail("read failed: " + e);
            return false;
        }
    }

    private boolean onFrame(ByteBuffer frame) throws FrameDecodeException {
        if (state != State.HANDSHAKING) {
            // Traffic flows one way on a dialed connection: the peer has nothing to say after its handshake.
            throw new FrameDecodeException("unexpected frame on an outbound connection after the handshake");
        }
        Hello answer = loop.codec.decodeHello(frame);
        if (!answer.clusterId().equals(loop.config.clusterId()) || answer.nodeId() != peerId) {
            refuse("it answered as node " + answer.nodeId() + " of cluster '" + answer.clusterId()
                    + "', expected node " + peerId + " of cluster '" + loop.config.clusterId() + "'");
            return false;
        }
        state = State.READY;
        backoff.reset();
        loop.counters.connectionsEstablished.incrementAndGet();
        log.debug("node {}: connected to peer {} at {}", loop.config.nodeId(), peerId, address);
        // Whatever queued up while disconnected goes out now; sends since then left scheduled set.
        flush();
        return state == State.READY;
    }

    /** Writes queued messages until the queue is empty, the socket is full or the fairness budget is spent. */
    void flush() {
        writeLock.lock();
        try {
            flushLocked();
        } finally {
            writeLock.unlock();
        }
    }

    private void flushLocked() {
        if (state != State.READY) {
            if (state == State.HANDSHAKING && out.hasPending()) {
                writePending();
            }
            return;
        }
        long budget = TransportConfig.IO_BUDGET_BYTES;
        while (true) {
            if (out.hasPending() && !writePending()) {
                return;
            }
            if (budget <= 0) {
                loop.schedule(this);
                return;
            }
            fill();
            if (out.isEmpty()) {
                scheduled.set(false);
                // A sender that queued after fill() saw scheduled still set and did not schedule us: look again.
                if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            out.seal();
            budget -= out.pendingBytes();
        }
    }

    private void fill() {
        Message message;
        while ((message = queue.peek()) != null) {
            int size = (int) MessageCodec.frameSize(message);
            if (!out.tryAppend(message, size)) {
                return;
            }
            queue.poll();
            // Counted in the batch before it leaves the queue's count, so a reader never misses it.
            batchedMessages = out.batchMessages();
            queuedBytes.addAndGet(-size);
            queuedMessages.decrementAndGet();
            unqueueChunk(message instanceof InstallSnapshot, size);
        }
    }

    private void unqueueChunk(boolean chunk, int frameSize) {
        if (chunk) {
            queuedSnapshotBytes.addAndGet(-frameSize);
        }
    }

    /** Writes the sealed batch; returns true when it is all written, false if the socket is full or failed. */
    private boolean writePending() {
        long before = out.pendingBytes();
        int messages = out.batchMessages();
        try {
            boolean done = out.writeTo(io());
            loop.counters.bytesSent.addAndGet(before - out.pendingBytes());
            if (done) {
                loop.counters.sent.addAndGet(messages);
                batchedMessages = 0;
            }
            setWriteInterest(!done);
            return done;
        } catch (IOException e) {
            fail("write failed: " + e);
            return false;
        }
    }

    /** The channel frames go through: the TLS session if there is one, else the socket. */
    private GatheringByteChannel io() {
        return tls != null ? tls : channel;
    }

    private void setWriteInterest(boolean on) {
        if (on != writeInterest) {
            writeInterest = on;
            key.interestOps(on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    /**
     * Fires this link's due timer (reconnect or connect/handshake timeout) and returns its next deadline, or
     * {@link Long#MAX_VALUE} for none. Selector thread.
     */
    long onTimer() {
        long now = loop.now();
        switch (state) {
            case BACKOFF:
                if (now - deadlineNanos >= 0) {
                    connect();
                }
                break;
            case CONNECTING:
            case HANDSHAKING:
                if (now - deadlineNanos >= 0) {
                    fail("no connection and handshake within " + loop.config.connectTimeoutNanos() / 1_000_000
                            + " ms");
                }
                break;
            default:
                return Long.MAX_VALUE;
        }
        return state == State.READY || state == State.CLOSED ? Long.MAX_VALUE : deadlineNanos;
    }

    @Override
    public void fail(String reason) {
        writeLock.lock();
        try {
            failLocked(reason);
        } finally {
            writeLock.unlock();
        }
    }

    private void failLocked(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        loop.counters.dialFailures.incrementAndGet();
        closeChannel();
        long delay = backoff.nextDelayNanos();
        deadlineNanos = loop.now() + delay;
        state = State.BACKOFF;
        if (was == State.READY) {
            log.warn("node {}: lost connection to peer {} at {}: {}; reconnecting", loop.config.nodeId(), peerId,
                    address, reason);
        } else {
            log.debug("node {}: no connection to peer {} at {}: {}; retry in {} ms", loop.config.nodeId(), peerId,
                    address, reason, delay / 1_000_000);
        }
    }

    private void closeChannel() {
        int lost = out.discard();
        if (lost > 0) {
            loop.counters.dropped.addAndGet(lost);
        }
        batchedMessages = 0;
        if (channel != null) {
            if (key != null) {
                key.cancel();
            }
            EventLoop.closeQuietly(tls != null ? tls : channel);
            loop.counters.bytesReceived.addAndGet(reader.takeBytesRead());
        }
        channel = null;
        tls = null;
        key = null;
        writeInterest = false;
    }

    InetSocketAddress address() {
        return address;
    }

    /** Closes the connection and drops every queued message; the link is unusable afterwards. Selector thread. */
    void closeForGood() {
        writeLock.lock();
        try {
            closeChannel();
            state = State.CLOSED;
        } finally {
            writeLock.unlock();
        }
        int dropped = 0;
        while (queue.poll() != null) {
            dropped++;
        }
        queuedMessages.addAndGet(-dropped);
        queuedBytes.set(0);
        queuedSnapshotBytes.set(0);
        loop.counters.dropped.addAndGet(dropped);
    }

    @Override
    public String toString() {
        return "link to peer " + peerId + " at " + address + " (" + state + ")";
    }
}
