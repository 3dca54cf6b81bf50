package dev.sansraft.transport.tcp;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * One TLS session over a non-blocking {@link SocketChannel}, driven by the selector thread: the {@link SSLEngine}
 * turns plaintext into records and back, and this class moves the records between the engine and the socket.
 *
 * <p>Use: call {@link #handshake()} on every readiness event until it returns 0; it answers the selection ops it
 * waits for otherwise. From then on the channel reads and writes plaintext like the socket would, so
 * {@link FrameReader} and {@link OutboundBuffer} work on it unchanged, with two differences the owner must honour:
 * <ul>
 *   <li>{@link #read} may leave complete records buffered here when its caller stops reading (a read budget); the
 *       socket then has nothing new to report, so the owner asks the event loop to read again while
 *       {@link #hasBufferedInput()} holds.</li>
 *   <li>{@link #write} counts plaintext as written once it is encrypted, which may be before the records leave;
 *       {@link #hasPendingOutput()} tells the owner to keep write interest until they have.</li>
 * </ul>
 * Reads are greedy: {@link #read} returns fewer bytes than asked only when the socket has nothing more, which keeps
 * {@link FrameReader}'s short-read shortcut valid.
 *
 * <p>Memory: one packet buffer each way and one application buffer for plaintext that did not fit the caller's buffer.
 * A packet buffer starts at one record, enough for the handshake, so that connections that never get past it cost
 * little; it grows to {@value #RECORDS_PER_LARGE_BUFFER} records (about 270 KB) the first time a caller reads or
 * writes more than it holds, which on an established link is only the direction that carries data (the dialing
 * side's outbound, the accepting side's inbound buffer). With four-record buffers a 1 MiB snapshot chunk took 16
 * socket writes on one side and 16 reads on the other, each a system call and often a selector wake-up of its own;
 * now it takes about 5 each.
 *
 * <p>The packet buffers are heap buffers, against the transport's habit of direct buffers for channel I/O: the engine
 * encrypts and decrypts records in place in them, and JDK 17's AES-GCM is faster on heap arrays than on direct
 * buffers (whose GHASH goes through {@code GHASH.processBlocksDirect}): {@code TlsEngineBench} measured 3.6 against
 * 2.7 GB per CPU-second for 16 KiB records with AES-128-GCM. The socket then copies each packet buffer through the
 * JDK's per-thread direct buffer, which costs far less than the cipher (about 25 µs per MiB against about 290).
 * Records are unwrapped where they lie and wrapped only into an emptied buffer, so ciphertext is never moved inside
 * a packet buffer except for one partial record before a socket read.
 *
 * <p>Not thread-safe: owned by the selector thread. Delegated tasks (certificate checks) run inline on it; they take
 * well under a millisecond for the short chains a cluster CA issues.
 */
final class TlsChannel implements ByteChannel, GatheringByteChannel {

    private static final int RECORD_HEADER_BYTES = 5;
    /** Records a packet buffer holds once data flows (see the class comment). */
    private static final int RECORDS_PER_LARGE_BUFFER = 16;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel socket;
    private final SSLEngine engine;
    /**
     * Records read from the socket and not yet unwrapped; in read mode, so that consecutive records are unwrapped
     * where they lie and only a trailing partial record is moved, before the next socket read.
     */
    private ByteBuffer netIn;
    /** Records wrapped and not yet written to the socket; in read mode. */
    private ByteBuffer netOut;
    /** Plaintext unwrapped and not yet handed to a reader; in read mode. */
    private ByteBuffer appIn;
    /** The size packet buffers grow to. */
    private final int largeBufferBytes;
    private boolean handshakeStarted;
    private boolean handshakeComplete;

    TlsChannel(SocketChannel socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet).flip();
        this.netOut = ByteBuffer.allocate(packet).flip();
        this.largeBufferBytes = RECORDS_PER_LARGE_BUFFER * packet;
        this.appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize()).flip();
    }

    boolean isHandshakeComplete() {
        return handshakeComplete;
    }

    /**
     * Advances the handshake as far as the socket allows.
     *
     * @return 0 once the handshake is complete, else the selection ops ({@link SelectionKey#OP_READ} or
     *         {@link SelectionKey#OP_WRITE}) it waits for
     * @throws SSLException if the peer's handshake is refused (untrusted or expired certificate, not TLS at all,
     *                      no common protocol)
     * @throws IOException  if the socket fails or the peer closes it mid-handshake
     */
    int handshake() throws IOException {
        if (!handshakeStarted) {
            // A fresh engine reports NOT_HANDSHAKING until told to begin.
            engine.beginHandshake();
            handshakeStarted = true;
        }
        while (!handshakeComplete) {
            if (!flushNetOut()) {
                return SelectionKey.OP_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK:
                    runDelegatedTasks();
                    break;
                case NEED_WRAP:
                    wrap(EMPTY);
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (!unwrapForHandshake()) {
                        return SelectionKey.OP_READ;
                    }
                    break;
                default:
                    // FINISHED or NOT_HANDSHAKING, and every handshake record has been written.
                    handshakeComplete = true;
                    break;
            }
        }
        return 0;
    }

    /** The certificate the peer presented, which its trust manager has already checked. */
    X509Certificate peerCertificate() throws SSLPeerUnverifiedException {
        Certificate[] chain = engine.getSession().getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
            throw new SSLPeerUnverifiedException("peer presented no X.509 certificate");
        }
        return (X509Certificate) chain[0];
    }

    /** True while plaintext or complete records wait here, so that a read would return bytes without the socket. */
    boolean hasBufferedInput() {
        if (appIn.hasRemaining()) {
            return true;
        }
        int buffered = netIn.remaining();
        if (buffered < RECORD_HEADER_BYTES) {
            return false;
        }
        int start = netIn.position();
        int length = ((netIn.get(start + 3) & 0xFF) << 8) | (netIn.get(start + 4) & 0xFF);
        return buffered >= RECORD_HEADER_BYTES + length;
    }

    /** True while encrypted bytes wait for the socket to take them. */
    boolean hasPendingOutput() {
        return netOut.hasRemaining();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkReady();
        if (dst.remaining() > netIn.capacity() && netIn.capacity() < largeBufferBytes) {
            netIn = ByteBuffer.allocate(largeBufferBytes).put(netIn).flip();
        }
        int total = drainAppIn(dst);
        boolean endOfStream = false;
        while (dst.hasRemaining() && !endOfStream) {
            // Straight into the caller's buffer when a whole record surely fits, else through appIn.
            ByteBuffer target = dst.remaining() >= appIn.capacity() ? dst : appIn.compact();
            int before = target.position();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, target);
            } finally {
                if (target == appIn) {
                    appIn.flip();
                }
            }
            SSLEngineResult.Status status = result.getStatus();
            if (status == SSLEngineResult.Status.OK) {
                total += target == dst ? dst.position() - before : drainAppIn(dst);
                answerPostHandshake(result);
                if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    // Nothing to unwrap without more bytes: same as an underflow.
                    status = SSLEngineResult.Status.BUFFER_UNDERFLOW;
                }
            }
            switch (status) {
                case OK:
                    break;
                case BUFFER_UNDERFLOW:
                    int n = readSocket();
                    if (n < 0) {
                        endOfStream = true;
                    } else if (n == 0) {
                        return total;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    // Only possible into appIn if the session's application buffer grew: follow it.
                    if (target == appIn) {
                        growAppIn();
                    }
                    break;
                case CLOSED:
                    endOfStream = true;
                    break;
                default:
                    throw new IllegalStateException("unknown unwrap status " + status);
            }
        }
        return total == 0 && endOfStream ? -1 : total;
    }

    /**
     * Moves the partial record at the front of {@link #netIn} (at most one record, never the unwrapped ones) and
     * reads after it as much as the socket has and the buffer holds.
     *
     * @return the bytes read, or -1 at the end of the stream
     * @throws SSLException if a single record does not fit the buffer
     */
    private int readSocket() throws IOException {
        netIn.compact();
        try {
            if (!netIn.hasRemaining()) {
                throw new SSLException("TLS record larger than the " + netIn.capacity() + "-byte input buffer");
            }
            return socket.read(netIn);
        } finally {
            netIn.flip();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[]{src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        checkReady();
        long consumed = 0;
        if (netOut.capacity() < largeBufferBytes && flushNetOut()
                && remaining(srcs, offset, length) > netOut.capacity()) {
            netOut = ByteBuffer.allocate(largeBufferBytes).flip();
        }
        while (flushNetOut() && hasRemaining(srcs, offset, length)) {
            consumed += wrapRecords(srcs, offset, length);
        }
        return consumed;
    }

    /**
     * Fills the empty {@link #netOut} with as many records of {@code srcs}' bytes as fit. Refilling only an empty
     * buffer means encrypted bytes are never moved inside it; the socket takes them in the next {@link #flushNetOut}.
     *
     * @return the plaintext bytes consumed
     */
    private long wrapRecords(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long consumed = 0;
        SSLEngineResult last = null;
        netOut.clear();
        try {
            while (hasRemaining(srcs, offset, length)) {
                SSLEngineResult result = engine.wrap(srcs, offset, length, netOut);
                consumed += result.bytesConsumed();
                SSLEngineResult.Status status = result.getStatus();
                if (status == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    if (netOut.position() == 0) {
                        throw new IllegalStateException("TLS record does not fit an empty buffer of "
                                + netOut.capacity() + " bytes (packet size "
                                + engine.getSession().getPacketBufferSize() + ")");
                    }
                    break;
                }
                if (status == SSLEngineResult.Status.CLOSED) {
                    throw new ClosedChannelException();
                }
                if (status != SSLEngineResult.Status.OK) {
                    throw new IllegalStateException("unexpected wrap status " + status);
                }
                last = result;
                if (isPostHandshake(result.getHandshakeStatus())) {
                    // A key update or ticket wants a task or a reply: see to it before more data.
                    break;
                }
            }
        } finally {
            netOut.flip();
        }
        if (last != null) {
            answerPostHandshake(last);
        }
        return consumed;
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    /** Sends a close_notify if the socket takes it at once, then closes the socket. */
    @Override
    public void close() throws IOException {
        try {
            if (socket.isOpen() && handshakeComplete && !netOut.hasRemaining()) {
                engine.closeOutbound();
                wrap(EMPTY);
                flushNetOut();
            }
        } catch (IOException | RuntimeException e) {
            // The socket closes below either way; the close_notify is a courtesy to the peer.
        } finally {
            socket.close();
        }
    }

    private void checkReady() {
        if (!handshakeComplete) {
            throw new IllegalStateException("TLS handshake with " + EventLoop.remote(socket) + " is not complete");
        }
    }

    /** Unwraps one handshake record; returns false if the socket has no more bytes for now. */
    private boolean unwrapForHandshake() throws IOException {
        SSLEngineResult result;
        appIn.compact();
        try {
            result = engine.unwrap(netIn, appIn);
        } finally {
            appIn.flip();
        }
        switch (result.getStatus()) {
            case OK:
                return true;
            case BUFFER_UNDERFLOW:
                return fillNetIn();
            case BUFFER_OVERFLOW:
                growAppIn();
                return true;
            case CLOSED:
                throw new EOFException("peer closed TLS during the handshake");
            default:
                throw new IllegalStateException("unknown unwrap status " + result.getStatus());
        }
    }

    /** Reads handshake records from the socket into {@link #netIn}; returns false if nothing came. */
    private boolean fillNetIn() throws IOException {
        int n = readSocket();
        if (n < 0) {
            throw new EOFException("peer closed the connection during the TLS handshake");
        }
        return n > 0;
    }

    /** A post-handshake message (key update, session ticket) may need an answer or a task. */
    private void answerPostHandshake(SSLEngineResult result) throws IOException {
        SSLEngineResult.HandshakeStatus status = result.getHandshakeStatus();
        while (isPostHandshake(status)) {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
            } else {
                wrap(EMPTY);
                flushNetOut();
            }
            status = engine.getHandshakeStatus();
        }
    }

    private static boolean isPostHandshake(SSLEngineResult.HandshakeStatus status) {
        return status == SSLEngineResult.HandshakeStatus.NEED_TASK || status == SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }

    private void wrap(ByteBuffer src) throws IOException {
        netOut.compact();
        SSLEngineResult result;
        try {
            result = engine.wrap(src, netOut);
        } finally {
            netOut.flip();
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            // The buffer holds several records; a handshake flight that does not fit waits for the socket.
            if (!flushNetOut()) {
                return;
            }
            wrap(src);
        }
    }

    private void runDelegatedTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private boolean flushNetOut() throws IOException {
        while (netOut.hasRemaining()) {
            if (socket.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    private int drainAppIn(ByteBuffer dst) {
        int n = Math.min(appIn.remaining(), dst.remaining());
        if (n == 0) {
            return 0;
        }
        int limit = appIn.limit();
        appIn.limit(appIn.position() + n);
        dst.put(appIn);
        appIn.limit(limit);
        return n;
    }

    private void growAppIn() {
        int wanted = engine.getSession().getApplicationBufferSize();
        if (wanted <= appIn.capacity()) {
            throw new IllegalStateException("TLS unwrap overflowed an application buffer of " + appIn.capacity()
                    + " bytes although the session asks for only " + wanted);
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(wanted);
        bigger.put(appIn).flip();
        appIn = bigger;
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        return total;
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
