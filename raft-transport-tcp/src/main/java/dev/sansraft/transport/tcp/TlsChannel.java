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
 * <p>Memory: one packet buffer each way (four records' worth, so that a large frame leaves in few system calls) and
 * one application buffer for plaintext that did not fit the caller's buffer. The packet buffers are heap buffers,
 * against the transport's habit of direct buffers for channel I/O: the engine encrypts and decrypts records in place
 * in them, and JDK 17's AES-GCM is faster on heap arrays than on direct buffers (whose GHASH goes through
 * {@code GHASH.processBlocksDirect}): {@code TlsEngineBench} measured 3.6 against 2.7 GB per CPU-second for 16 KiB
 * records with AES-128-GCM. The socket then copies each packet buffer through the JDK's per-thread direct buffer,
 * which costs far less than the cipher.
 *
 * <p>Not thread-safe: owned by the selector thread. Delegated tasks (certificate checks) run inline on it; they take
 * well under a millisecond for the short chains a cluster CA issues.
 */
final class TlsChannel implements ByteChannel, GatheringByteChannel {

    private static final int RECORD_HEADER_BYTES = 5;
    private static final int RECORDS_PER_BUFFER = 4;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel socket;
    private final SSLEngine engine;
    /** Records read from the socket and not yet unwrapped; in write mode. */
    private final ByteBuffer netIn;
    /** Records wrapped and not yet written to the socket; in read mode. */
    private final ByteBuffer netOut;
    /** Plaintext unwrapped and not yet handed to a reader; in read mode. */
    private ByteBuffer appIn;
    private boolean handshakeStarted;
    private boolean handshakeComplete;

    TlsChannel(SocketChannel socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(RECORDS_PER_BUFFER * packet);
        this.netOut = ByteBuffer.allocate(RECORDS_PER_BUFFER * packet).flip();
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
        int buffered = netIn.position();
        if (buffered < RECORD_HEADER_BYTES) {
            return false;
        }
        int length = ((netIn.get(3) & 0xFF) << 8) | (netIn.get(4) & 0xFF);
        return buffered >= RECORD_HEADER_BYTES + length;
    }

    /** True while encrypted bytes wait for the socket to take them. */
    boolean hasPendingOutput() {
        return netOut.hasRemaining();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkReady();
        int total = drainAppIn(dst);
        boolean endOfStream = false;
        while (dst.hasRemaining() && !endOfStream) {
            ByteBuffer target = dst.remaining() >= appIn.capacity() ? dst : appIn.compact();
            int before = target.position();
            SSLEngineResult result;
            netIn.flip();
            try {
                result = engine.unwrap(netIn, target);
            } finally {
                netIn.compact();
                if (target == appIn) {
                    appIn.flip();
                }
            }
            switch (result.getStatus()) {
                case OK:
                    total += target == dst ? dst.position() - before : drainAppIn(dst);
                    answerPostHandshake(result);
                    if (result.bytesConsumed() > 0 || result.bytesProduced() > 0) {
                        break;
                    }
                    // Nothing to unwrap without more bytes: same as an underflow.
                    // fall through
                case BUFFER_UNDERFLOW:
                    if (!netIn.hasRemaining()) {
                        throw new SSLException("TLS record larger than the " + netIn.capacity()
                                + "-byte input buffer");
                    }
                    int n = socket.read(netIn);
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
                    throw new IllegalStateException("unknown unwrap status " + result.getStatus());
            }
        }
        return total == 0 && endOfStream ? -1 : total;
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
        if (!flushNetOut()) {
            return 0;
        }
        long consumed = 0;
        while (hasRemaining(srcs, offset, length)) {
            SSLEngineResult result;
            netOut.compact();
            try {
                result = engine.wrap(srcs, offset, length, netOut);
            } finally {
                netOut.flip();
            }
            consumed += result.bytesConsumed();
            switch (result.getStatus()) {
                case OK:
                    answerPostHandshake(result);
                    break;
                case BUFFER_OVERFLOW:
                    if (!netOut.hasRemaining()) {
                        throw new IllegalStateException("TLS record does not fit an empty buffer of "
                                + netOut.capacity() + " bytes (packet size " + engine.getSession().getPacketBufferSize()
                                + ")");
                    }
                    if (!flushNetOut()) {
                        return consumed;
                    }
                    break;
                case CLOSED:
                    throw new ClosedChannelException();
                default:
                    throw new IllegalStateException("unexpected wrap status " + result.getStatus());
            }
        }
        flushNetOut();
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
        netIn.flip();
        SSLEngineResult result;
        appIn.compact();
        try {
            result = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
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
        if (!netIn.hasRemaining()) {
            throw new SSLException("TLS handshake record larger than the " + netIn.capacity() + "-byte input buffer");
        }
        int n = socket.read(netIn);
        if (n < 0) {
            throw new EOFException("peer closed the connection during the TLS handshake");
        }
        return n > 0;
    }

    /** A post-handshake message (key update, session ticket) may need an answer or a task. */
    private void answerPostHandshake(SSLEngineResult result) throws IOException {
        SSLEngineResult.HandshakeStatus status = result.getHandshakeStatus();
        while (status == SSLEngineResult.HandshakeStatus.NEED_TASK
                || status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
            } else {
                wrap(EMPTY);
                flushNetOut();
            }
            status = engine.getHandshakeStatus();
        }
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

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
