package dev.sansraft.examples.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP API of one node, on the JDK's built-in server. Endpoints and status codes are documented on
 * {@link KvApiHandler}; {@code GET /} (the live cluster page) and {@code GET /cluster/status} on {@link ClusterPage}.
 * Every request's time goes into the {@code sansraft_http_request_seconds} histogram of {@code GET /metrics}
 * ({@link RequestTimer}).
 *
 * <p>Threads: the JDK server's dispatcher thread accepts and parses; a small fixed pool runs the handlers and sends
 * the responses. A handler never waits for Raft: it registers a callback on the backend's future and returns, so a
 * few threads serve any number of requests in flight.
 *
 * <p>Thread-safe. {@link #close()} stops accepting, waits briefly for exchanges in progress, and stops the pool.
 */
public final class KvHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvHttpServer.class);

    static {
        // Without TCP_NODELAY each small response waits for the client's delayed ACK (Nagle's algorithm): about
        // 40 ms per request on Linux loopback, measured as 1,400 req/s instead of 40,000 at 64 connections (issue
        // 6). The JDK server reads this property once, when its configuration class loads, so it must be set before
        // any HttpServer in this JVM is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ThreadPoolExecutor pool;

    private KvHttpServer(HttpServer server, ThreadPoolExecutor pool) {
        this.server = server;
        this.pool = pool;
    }

    /**
     * Binds and starts the server.
     *
     * @param address       where to listen; port 0 picks a free one (see {@link #port()})
     * @param backend       the store behind the API
     * @param leaderUrls    node id to HTTP base URL (e.g. {@code http://127.0.0.1:8002}), for redirects to the leader;
     *                      read at each redirect, so it may be a concurrent map completed after the start
     * @param handlerThreads threads that run handlers and send responses
     */
    public static KvHttpServer start(InetSocketAddress address, KvBackend backend, Map<Long, String> leaderUrls,
                                     int handlerThreads) throws IOException {
        if (handlerThreads < 1) {
            throw new IllegalArgumentException("handlerThreads must be >= 1, got " + handlerThreads);
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(handlerThreads, handlerThreads, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "http-" + address.getPort() + "-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        HttpServer server = HttpServer.create(address, 1024);
        server.setExecutor(pool);
        HttpRequestMetrics httpMetrics = new HttpRequestMetrics();
        KvBackend metered = new MeteredBackend(backend, httpMetrics);
        HttpContext root = server.createContext("/", new KvApiHandler(metered, leaderUrls, pool));
        root.getFilters().add(new RequestTimer(httpMetrics));
        root.getFilters().add(new ClusterPage(metered, leaderUrls, pool));
        server.start();
        log.info("HTTP API listening on {}", server.getAddress());
        return new KvHttpServer(server, pool);
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        log.info("HTTP API stopped");
    }
}
