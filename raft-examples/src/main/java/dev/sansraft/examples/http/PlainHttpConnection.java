package dev.sansraft.examples.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One client connection of {@link PlainHttpServer}: reads and frames requests, hands each complete one to the server
 * to run, and writes its response, one request at a time (HTTP/1.1 keep-alive; a pipelined request waits in the
 * buffer until the response before it is out, RFC 9112 §9.3.2).
 *
 * <p>The common case costs one read and one write per request and no selector wake-up: the selector keeps read
 * interest on, a client without pipelining sends nothing while it waits, and the thread that completes the response
 * writes it straight to the socket (non-blocking). Only a response the socket cannot take at once, or a buffer full of
 * pipelined bytes, goes through the selector.
 *
 * <p>Bounds: a request head of at most {@link PlainHttpServer#MAX_HEAD_BYTES}; a body of at most the server's
 * {@code maxBodyBytes} is buffered, and a buffer grows past its first 4 KiB only within the server's budget for all
 * connections together (otherwise the connection stops reading until handled requests give buffer space back, and
 * TCP holds the client): with the JDK's server a body was read only by one of the few handler threads, and 512
 * clients sending 256 KiB each must not fill the heap before the node's own limits can refuse them. A longer declared body is not read into memory: the handler gets an empty body and
 * the declared length, answers (413), and the connection then discards up to {@link PlainHttpServer#MAX_DRAINED_BYTES}
 * of the body so the client reads the answer, or closes past that.
 *
 * <p>Thread-safe: the selector thread and handler threads meet under this object's lock; no lock is held across a
 * call into a handler.
 */
final class PlainHttpConnection {
    private static final Logger log = LoggerFactory.getLogger(PlainHttpConnection.class);
    private static final int INITIAL_BUFFER_BYTES = 4096;

    private final PlainHttpServer server;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;

    /** Received bytes not yet consumed, in [0, position) (fill mode between calls). */
    private ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
    /** The head of the request whose body is still arriving; null between requests. */
    private RequestHead pending;
    private boolean continueSent;
    /** A request is with a handler, or its response is not fully written yet. */
    private boolean busy;
    private ByteBuffer out;
    private boolean closeAfterResponse;
    private long discardBytes;
    private boolean inputEnded;
    private boolean readPaused;
    private boolean closed;
    /** Bytes of {@link #in} beyond its initial size, counted against the server's buffer budget. */
    private long reservedBytes;
    /** When bytes last arrived or a response last went out; the selector thread closes connections idle too long. */
    private volatile long lastActiveNanos = System.nanoTime();

    PlainHttpConnection(PlainHttpServer server, SocketChannel channel, SelectionKey key) throws IOException {
        this.server = server;
        this.channel = channel;
        this.key = key;
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.local = (InetSocketAddress) channel.getLocalAddress();
    }

    InetSocketAddress remoteAddress() {
        return remote;
    }

    InetSocketAddress localAddress() {
        return local;
    }

    /** Selector thread: the socket has bytes (or end of stream). */
    synchronized void onReadable() {
        if (closed) {
            return;
        }
        if (!in.hasRemaining()) {
            if (busy) {
                // Pipelined bytes while a request is in flight: stop reading until the response is out (TCP flow
                // control then holds the client back).
                pauseReading();
                return;
            }
            int wanted = wantedCapacity();
            if (wanted <= in.capacity()) {
                refuse(new HttpProblem(413, "request is over the server's buffer of " + in.capacity() + " bytes"));
                return;
            }
            // Stop reading first, then ask: a release between a refusal and the pause would otherwise be lost.
            key.interestOpsAnd(~SelectionKey.OP_READ);
            if (!server.reserveBuffer(this, reservedBytes, wanted - in.capacity())) {
                return; // the server resumes reading here once buffered bodies are handled
            }
            if (!readPaused && !inputEnded) {
                key.interestOpsOr(SelectionKey.OP_READ);
            }
            reservedBytes += wanted - in.capacity();
            ByteBuffer bigger = ByteBuffer.allocate(wanted);
            in.flip();
            bigger.put(in);
            in = bigger;
        }
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            log.debug("read from {} failed: {}", remote, e.toString());
            close();
            return;
        }
        lastActiveNanos = System.nanoTime();
        if (n < 0) {
            inputEnded = true;
            if (!busy) {
                close();
            } else {
                pauseReading(); // the end stays readable; answer the request in flight, then close
            }
            return;
        }
        process();
    }

    /** Selector thread: the socket can take more of a response. */
    synchronized void onWritable() {
        if (closed) {
            return;
        }
        key.interestOpsAnd(~SelectionKey.OP_WRITE);
        writeOut();
    }

    /**
     * Whether the connection closes once the response in flight is out: the client asked for it, or the rest of
     * its request cannot be read. The response then says {@code Connection: close}.
     */
    synchronized boolean closesAfterResponse() {
        return closeAfterResponse;
    }

    /** Any thread: sends a complete response and, once it is out, goes on with the next request. */
    synchronized void respond(byte[] response) {
        if (closed) {
            return;
        }
        if (out != null) {
            throw new IllegalStateException("second response on the connection from " + remote + " before the first"
                    + " was written");
        }
        out = ByteBuffer.wrap(response);
        writeOut();
    }

    /** Any thread: the handler gave up without a response. */
    synchronized void abort() {
        close();
    }

    /**
     * Closes the connection if no request is with a handler and nothing has moved for {@code idleNanos}: an idle
     * keep-alive client, or one that stopped in the middle of a request, must not hold a socket forever.
     */
    synchronized void closeIfIdle(long nowNanos, long idleNanos) {
        if (!busy && nowNanos - lastActiveNanos > idleNanos) {
            log.debug("closing the connection from {}: idle for {} s", remote, idleNanos / 1_000_000_000L);
            close();
        }
    }

    /**
     * Pool thread: the handler of the request in flight has returned, so it has taken what it needs of the body (a
     * handler reads it before it returns). Gives the buffer's growth back to the server's budget, unless it already
     * holds the next pipelined request.
     */
    synchronized void handled() {
        if (reservedBytes > 0 && in.position() <= INITIAL_BUFFER_BYTES) {
            ByteBuffer small = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
            in.flip();
            small.put(in);
            in = small;
            server.releaseBuffer(reservedBytes);
            reservedBytes = 0;
        }
    }

    /** Any thread, no lock needed: the server's buffer budget has room again; try reading. */
    void resumeAfterBudget() {
        try {
            key.interestOpsOr(SelectionKey.OP_READ);
            server.wakeup();
        } catch (CancelledKeyException e) {
            // closed meanwhile
        }
    }

    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reservedBytes > 0) {
            server.releaseBuffer(reservedBytes);
            reservedBytes = 0;
        }
        key.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing the connection from {}: {}", remote, e.toString());
        }
        server.closed(this);
    }

    private void writeOut() {
        try {
            channel.write(out);
        } catch (IOException e) {
            log.debug("write to {} failed: {}", remote, e.toString());
            close();
            return;
        }
        if (out.hasRemaining()) {
            key.interestOpsOr(SelectionKey.OP_WRITE);
            server.wakeup();
            return;
        }
        out = null;
        busy = false;
        lastActiveNanos = System.nanoTime();
        if (closeAfterResponse) {
            close();
            return;
        }
        process();
        if (!busy && inputEnded) {
            close();
        } else if (readPaused && !closed && !inputEnded) {
            readPaused = false;
            key.interestOpsOr(SelectionKey.OP_READ);
            server.wakeup();
        }
    }

    private void pauseReading() {
        readPaused = true;
        key.interestOpsAnd(~SelectionKey.OP_READ);
    }

    /** Frames the next request from the buffer and dispatches it, unless one is in flight or it is incomplete. */
    private void process() {
        while (!busy && !closed) {
            in.flip();
            RequestHead head;
            byte[] body;
            try {
                if (discardBytes > 0) {
                    int skip = (int) Math.min(discardBytes, in.remaining());
                    in.position(in.position() + skip);
                    discardBytes -= skip;
                    if (discardBytes > 0) {
                        return;
                    }
                }
                if (pending == null) {
                    pending = RequestHead.parse(in, PlainHttpServer.MAX_HEAD_BYTES);
                    continueSent = false;
                    if (pending == null) {
                        return;
                    }
                }
                body = body(pending);
                if (body == null) {
                    if (pending.expectContinue() && !continueSent) {
                        continueSent = true;
                        sendContinue();
                    }
                    return;
                }
                head = pending;
                pending = null;
            } catch (HttpProblem problem) {
                refuse(problem);
                return;
            } finally {
                in.compact();
            }
            busy = true;
            if (!head.keepAlive()) {
                closeAfterResponse = true;
            }
            server.dispatch(new PlainExchange(this, head, body));
        }
    }

    /** The body of {@code head} taken from the buffer, or null if it has not all arrived. */
    private byte[] body(RequestHead head) {
        if (head.chunked()) {
            ChunkedBody chunked = ChunkedBody.decode(in, server.maxBodyBytes());
            if (chunked == null) {
                return null;
            }
            in.position(in.position() + chunked.consumedBytes());
            if (chunked.truncated()) {
                closeAfterResponse = true; // the rest of the body cannot be framed
            }
            return chunked.body();
        }
        long length = Math.max(0, head.contentLength());
        if (length > server.maxBodyBytes()) {
            // Not buffered: the handler refuses it by its declared length. Discard it afterwards so the client
            // reads the refusal instead of a reset, up to a bound.
            if (length <= PlainHttpServer.MAX_DRAINED_BYTES) {
                discardBytes = length;
            } else {
                closeAfterResponse = true;
            }
            return new byte[0];
        }
        if (in.remaining() < length) {
            return null;
        }
        byte[] body = new byte[(int) length];
        in.get(body);
        return body;
    }

    /** Buffer size needed to make progress: room for the rest of the head or body being read. */
    private int wantedCapacity() {
        if (pending == null) {
            return Math.min(in.capacity() * 2, PlainHttpServer.MAX_HEAD_BYTES + 1);
        }
        if (pending.chunked()) {
            return Math.min(in.capacity() * 2, PlainHttpServer.maxChunkedBufferBytes(server.maxBodyBytes()));
        }
        long length = pending.contentLength();
        return length <= server.maxBodyBytes() ? (int) Math.max(length, in.capacity()) : in.capacity();
    }

    private void sendContinue() {
        try {
            ByteBuffer b = ByteBuffer.wrap(PlainExchange.continueResponse());
            channel.write(b);
            if (b.hasRemaining()) {
                close(); // a fresh connection's send buffer always takes 25 bytes; this one is broken
            }
        } catch (IOException e) {
            log.debug("write to {} failed: {}", remote, e.toString());
            close();
        }
    }

    /** Answers a request that cannot be framed with its status and reason, and closes the connection. */
    private void refuse(HttpProblem problem) {
        log.debug("refusing a request from {}: {} {}", remote, problem.status(), problem.getMessage());
        busy = true;
        closeAfterResponse = true;
        pending = null;
        byte[] body = (problem.getMessage().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = Map.of("Content-Type", List.of("text/plain"));
        out = ByteBuffer.wrap(PlainExchange.serialize(problem.status(), headers, body, false, "close"));
        writeOut();
    }
}
