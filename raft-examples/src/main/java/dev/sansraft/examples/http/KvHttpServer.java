package dev.sansraft.examples.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP API of one node: plain HTTP on {@link PlainHttpServer}, HTTPS on the JDK's built-in server, both running
 * the same handler and filters. Endpoints and status codes are documented on
 * {@link KvApiHandler}; {@code GET /} (the live cluster page) and {@code GET /cluster/status} on {@link ClusterPage}.
 * Every request's time goes into the {@code sansraft_http_request_seconds} histogram of {@code GET /metrics}
 * ({@link RequestTimer}).
 *
 * <p>Threads: over plain HTTP one selector thread accepts and reads; a small fixed pool runs the handlers and sends
 * the responses. Over HTTPS the JDK server's dispatcher thread accepts, and a second pool of up to {@link #HTTPS_EXCHANGE_THREADS} threads reads the requests and runs
 * the handlers, because the JDK server does TLS handshakes there in blocking mode. A handler never waits for Raft:
 * it registers a callback on the backend's future and returns, so a few threads serve any number of requests in
 * flight.
 *
 * <p>Thread-safe. {@link #close()} stops accepting, waits briefly for exchanges in progress, and stops the pools.
 */
public final class KvHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvHttpServer.class);

    static {
        // Without TCP_NODELAY each small response waits for the client's delayed ACK (Nagle's algorithm): about
        // 40 ms per request on Linux loopback, measured as 1,400 req/s instead of 40,000 at 64 connections (issue
        // 6). The plain server sets TCP_NODELAY itself; the JDK server (HTTPS) reads this property once, when its configuration class loads, so it must be set before
        // any HttpServer in this JVM is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /**
     * Threads the HTTPS server may use to read requests, handshakes included. The JDK's {@code HttpsServer} runs each
     * connection's TLS handshake on its executor in blocking mode, so a thread waits a client round trip per handshake
     * flight, and a client that stops mid-handshake holds its thread. With only the handler pool (4 threads by
     * default), 64 connections opening at once handshook four at a time (a JFR recording of the leader showed the
     * four threads blocked 70-97 ms per read of a client's handshake record, one after another, for the first 9 s of
     * a 64-connection bench on a loaded machine), and four stalled clients stopped the API.
     */
    static final int HTTPS_EXCHANGE_THREADS = 64;

    private static final int BACKLOG = 1024;

    /** The JDK's server, for HTTPS; null for plain HTTP. */
    private final HttpsServer https;
    /** The lean server, for plain HTTP; null for HTTPS. */
    private final PlainHttpServer plain;
    private final ThreadPoolExecutor pool;
    /** Runs the JDK server's exchanges: {@link #pool} for HTTP, a pool of its own for HTTPS. */
    private final ThreadPoolExecutor exchanges;

    private KvHttpServer(HttpsServer https, PlainHttpServer plain, ThreadPoolExecutor pool,
                         ThreadPoolExecutor exchanges) {
        this.https = https;
        this.plain = plain;
        this.pool = pool;
        this.exchanges = exchanges;
    }

    /**
     * Binds and starts the server.
     *
     * @param address       where to listen; port 0 picks a free one (see {@link #port()})
     * @param backend       the store behind the API
     * @param leaderUrls    node id to HTTP base URL (e.g. {@code http://127.0.0.1:8002}), for redirects to the leader;
     *                      read at each redirect, so it may be a concurrent map completed after the start
     * @param handlerThreads threads that run handlers and send responses
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    public static KvHttpServer start(InetSocketAddress address, KvBackend backend, Map<Long, String> leaderUrls,
                                     int handlerThreads) throws IOException {
        return start(address, backend, leaderUrls, handlerThreads, HttpSecurity.NONE);
    }

    /**
     * As {@link #start(InetSocketAddress, KvBackend, Map, int)}, with HTTPS and a bearer token as {@code security}
     * says (see {@link BearerTokenFilter} for what the token guards).
     *
     * @param address where to listen; port 0 picks a free one
     * @param backend the store behind the API
     * @param leaderUrls node id to HTTP base URL, read at each redirect
     * @param handlerThreads threads that run handlers and send responses, at least 1
     * @param security TLS and bearer-token settings
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    public static KvHttpServer start(InetSocketAddress address, KvBackend backend, Map<Long, String> leaderUrls,
                                     int handlerThreads, HttpSecurity security) throws IOException {
        if (handlerThreads < 1) {
            throw new IllegalArgumentException("handlerThreads must be >= 1, got " + handlerThreads);
        }
        ThreadPoolExecutor pool = fixedPool(handlerThreads, "http-" + address.getPort() + "-");
        HttpRequestMetrics httpMetrics = new HttpRequestMetrics();
        KvBackend metered = new MeteredBackend(backend, httpMetrics);
        KvApiHandler api = new KvApiHandler(metered, leaderUrls, pool, security.scheme());
        // Timing first, so refused requests (401) are counted too; the cluster page sits behind the token check.
        List<Filter> filters = new ArrayList<>();
        filters.add(new RequestTimer(httpMetrics));
        if (security.bearerToken() != null) {
            filters.add(new BearerTokenFilter(security.bearerToken()));
        }
        filters.add(new ClusterPage(metered, leaderUrls, pool, security.tls(), security.bearerToken()));
        KvHttpServer started;
        if (security.tls() != null) {
            HttpsServer https = HttpsServer.create(address, BACKLOG);
            https.setHttpsConfigurator(new Tls12And13(security.tls()));
            // Threads start as exchanges need them and end after 30 s idle; exchanges beyond them queue.
            ThreadPoolExecutor exchanges = fixedPool(HTTPS_EXCHANGE_THREADS, "https-" + address.getPort() + "-");
            exchanges.setKeepAliveTime(30, TimeUnit.SECONDS);
            exchanges.allowCoreThreadTimeOut(true);
            https.setExecutor(exchanges);
            https.createContext("/", api).getFilters().addAll(filters);
            https.start();
            started = new KvHttpServer(https, null, pool, exchanges);
        } else {
            // Request bodies buffered at once, all connections together: a thirty-second of the heap (an
            // overloaded node must still have room to refuse), and never less than two of the largest requests.
            long maxBuffered = Math.max(2L * (KvApiHandler.MAX_VALUE_BYTES + PlainHttpServer.MAX_HEAD_BYTES),
                    Runtime.getRuntime().maxMemory() / 32);
            PlainHttpServer plain = PlainHttpServer.start(address, BACKLOG, pool, filters, api,
                    KvApiHandler.MAX_VALUE_BYTES, maxBuffered);
            started = new KvHttpServer(null, plain, pool, pool);
        }
        log.info("HTTP API listening on {} ({}{})", started.address(), security.scheme(),
                security.bearerToken() != null ? ", bearer token required" : "");
        return started;
    }

    /** {@return the port the server listens on} */
    public int port() {
        return address().getPort();
    }

    /** {@return the address the server listens on, with the real port} */
    public InetSocketAddress address() {
        return https != null ? https.getAddress() : plain.address();
    }

    /**
     * Offers TLS 1.3 and 1.2 on each HTTPS connection (curl and browsers speak both) and asks for no client
     * certificate: the bearer token authenticates clients.
     */
    private static final class Tls12And13 extends HttpsConfigurator {
        Tls12And13(SSLContext context) {
            super(context);
        }

        @Override
        public void configure(HttpsParameters params) {
            javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
            p.setProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
            p.setNeedClientAuth(false);
            params.setSSLParameters(p);
        }
    }

    private static ThreadPoolExecutor fixedPool(int threads, String namePrefix) {
        AtomicInteger threadNumber = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, namePrefix + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        if (https != null) {
            https.stop(0);
        } else {
            plain.close();
        }
        exchanges.shutdownNow();
        pool.shutdownNow();
        log.info("HTTP API stopped");
    }
}
