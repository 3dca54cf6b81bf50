package dev.sansraft.examples.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A lean HTTP/1.1 server for plain (unencrypted) connections: one selector thread reads and frames requests, a pool
 * runs the same {@link Filter}s and {@link HttpHandler} the JDK's server would, through {@link PlainExchange}, and
 * the thread that completes a response writes it.
 *
 * <p>Why not the JDK's {@code HttpServer} (issue 17): under wrk with 64 connections, 73% of the leader's Java samples
 * were in the JDK server's threads, most of them in its own code: per request it cancels and re-registers the
 * connection with its selector (a wake-up and two {@code epoll_ctl}), switches the socket between blocking and
 * non-blocking mode, parses with a byte-at-a-time reader, formats a {@code Date} header, and writes the header block
 * and the body in two writes. Here a request costs a read and a write. HTTPS stays on the JDK's server, whose TLS
 * this server does not replace.
 *
 * <p>Covers what the API's clients send: request bodies with {@code Content-Length} or chunked,
 * {@code Expect: 100-continue}, keep-alive and {@code Connection: close}, HTTP/1.0, HEAD. Malformed requests get a
 * 4xx (or 501/505) with a one-line reason and the connection is closed.
 *
 * <p>Thread-safe. {@link #close()} stops accepting and closes every connection.
 */
final class PlainHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PlainHttpServer.class);

    /** Largest request line plus header fields accepted; larger gets 431. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Largest refused body that is read and thrown away after the answer, so the client sees it; past it, close. */
    static final long MAX_DRAINED_BYTES = 8L << 20;
    /** A connection with no request in flight and no bytes moving for this long is closed (the JDK server: 30 s). */
    static final long IDLE_TIMEOUT_NANOS = 60_000_000_000L;
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final Executor handlers;
    private final List<Filter> filters;
    private final HttpHandler handler;
    private final int maxBodyBytes;
    private final long maxBufferedBytes;
    private final Object budgetLock = new Object();
    /** Buffer bytes beyond each connection's first 4 KiB, all connections together; guarded by budgetLock. */
    private long bufferedBytes;
    /** Connections that stopped reading for want of budget; a set, so a connection waits once. Guarded by budgetLock. */
    private final Set<PlainHttpConnection> waitingForBuffer = new LinkedHashSet<>();
    private final Thread loop;
    private final Map<PlainHttpConnection, Boolean> connections = new ConcurrentHashMap<>();
    private volatile boolean open = true;

    private PlainHttpServer(ServerSocketChannel listener, Selector selector, Executor handlers, List<Filter> filters,
                            HttpHandler handler, int maxBodyBytes, long maxBufferedBytes) {
        this.maxBufferedBytes = maxBufferedBytes;
        this.listener = listener;
        this.selector = selector;
        this.handlers = handlers;
        this.filters = List.copyOf(filters);
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
        int port = listener.socket().getLocalPort();
        this.loop = new Thread(this::run, "http-" + port + "-io");
        this.loop.setDaemon(true);
    }

    /**
     * Binds and starts serving.
     *
     * @param address      where to listen; port 0 picks a free one
     * @param backlog      the listen backlog
     * @param handlers     runs the filters and the handler of each request; must not run them on the caller
     * @param filters      applied in order before {@code handler}
     * @param handler      the endpoint handler
     * @param maxBodyBytes the largest request body read into memory; a handler sees a longer one as empty, with its
     *                     declared {@code Content-Length}, and must refuse it
     * @param maxBufferedBytes how much request buffer all connections together may hold beyond 4 KiB each, until
     *                     their handlers return: bounds the heap a crowd of clients sending large bodies can take
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    static PlainHttpServer start(InetSocketAddress address, int backlog, Executor handlers, List<Filter> filters,
                                 HttpHandler handler, int maxBodyBytes, long maxBufferedBytes) throws IOException {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 0, got " + maxBodyBytes);
        }
        ServerSocketChannel listener = ServerSocketChannel.open();
        Selector selector = null;
        try {
            listener.bind(address, backlog);
            listener.configureBlocking(false);
            selector = Selector.open();
            listener.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            listener.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
        PlainHttpServer server = new PlainHttpServer(listener, selector, handlers, filters, handler, maxBodyBytes,
                maxBufferedBytes);
        server.loop.start();
        return server;
    }

    /** {@return the address the server listens on, with the real port} */
    InetSocketAddress address() {
        return (InetSocketAddress) listener.socket().getLocalSocketAddress();
    }

    int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Raw buffer bound for a chunked body: its data plus generous room for chunk framing and trailers. */
    static int maxChunkedBufferBytes(int maxBodyBytes) {
        return (int) Math.min(Integer.MAX_VALUE - 8, 2L * maxBodyBytes + MAX_HEAD_BYTES);
    }

    private void run() {
        long lastSweep = System.nanoTime();
        while (open) {
            long now = System.nanoTime();
            if (now - lastSweep > SWEEP_INTERVAL_NANOS) {
                lastSweep = now;
                for (PlainHttpConnection c : connections.keySet()) {
                    c.closeIfIdle(now, IDLE_TIMEOUT_NANOS);
                }
            }
            try {
                selector.select(SWEEP_INTERVAL_NANOS / 1_000_000);
            } catch (IOException e) {
                log.error("HTTP selector failed; the plain HTTP API stops", e);
                break;
            }
            for (SelectionKey key : selector.selectedKeys()) {
                try {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                        continue;
                    }
                    PlainHttpConnection c = (PlainHttpConnection) key.attachment();
                    int ready = key.readyOps();
                    if ((ready & SelectionKey.OP_WRITE) != 0) {
                        c.onWritable();
                    }
                    if ((ready & SelectionKey.OP_READ) != 0) {
                        c.onReadable();
                    }
                } catch (CancelledKeyException e) {
                    // closed by a handler thread meanwhile: nothing left to do for it
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                // e.g. too many open files: keep serving the connections there are, and retry on the next round
                log.warn("accepting an HTTP connection failed: {}", e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                channel.configureBlocking(false);
                // Responses are written whole, in one write: nothing to gain from Nagle, and with it a small
                // response can wait for the client's delayed ACK (issue 6).
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                PlainHttpConnection c = new PlainHttpConnection(this, channel, key);
                key.attach(c);
                connections.put(c, Boolean.TRUE);
            } catch (IOException e) {
                log.debug("setting up an accepted connection failed: {}", e.toString());
                try {
                    channel.close();
                } catch (IOException closing) {
                    log.debug("closing it failed too: {}", closing.toString());
                }
            }
        }
    }

    /** Runs the filters and handler of a framed request on the pool. */
    void dispatch(PlainExchange exchange) {
        try {
            handlers.execute(() -> serve(exchange));
        } catch (RejectedExecutionException e) {
            exchange.close(); // shutting down: no response, the connection closes
        }
    }

    private void serve(PlainExchange exchange) {
        try {
            new Filter.Chain(filters, handler).doFilter(exchange); // a chain is an iterator: one per request
        } catch (IOException | RuntimeException e) {
            // As on the JDK's server: a handler that throws ends its exchange; the client sees the connection close.
            log.warn("handler failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            exchange.close();
        } finally {
            exchange.connection().handled();
        }
    }

    /**
     * Counts {@code bytes} more of {@code c}'s buffer against the budget, or queues {@code c} to be resumed when
     * there is room. A connection that holds the whole budget alone may always grow, so a request within the limits
     * is never stuck behind itself.
     *
     * @param heldBytes what {@code c} has reserved already
     */
    boolean reserveBuffer(PlainHttpConnection c, long heldBytes, long bytes) {
        synchronized (budgetLock) {
            if (bufferedBytes == heldBytes || bufferedBytes + bytes <= maxBufferedBytes) {
                bufferedBytes += bytes;
                return true;
            }
            waitingForBuffer.add(c);
            return false;
        }
    }

    /** Gives buffer bytes back and lets every connection waiting for room try again. */
    void releaseBuffer(long bytes) {
        PlainHttpConnection[] resume;
        synchronized (budgetLock) {
            bufferedBytes -= bytes;
            if (bufferedBytes < 0) {
                throw new IllegalStateException("buffer budget went negative: " + bufferedBytes + " after releasing "
                        + bytes);
            }
            resume = waitingForBuffer.toArray(new PlainHttpConnection[0]);
            waitingForBuffer.clear();
        }
        for (PlainHttpConnection c : resume) {
            c.resumeAfterBudget();
        }
    }

    void wakeup() {
        selector.wakeup();
    }

    void closed(PlainHttpConnection connection) {
        connections.remove(connection);
    }

    @Override
    public void close() {
        open = false;
        selector.wakeup();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (PlainHttpConnection c : connections.keySet()) {
            c.close();
        }
        try {
            listener.close();
            selector.close();
        } catch (IOException e) {
            log.debug("closing the HTTP listener: {}", e.toString());
        }
    }
}
