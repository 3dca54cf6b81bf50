package dev.sansraft.examples.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The live cluster page: {@code GET /} serves one self-contained HTML page (inline script and style, no external
 * assets), and {@code GET /cluster/status} answers a JSON array with every member's {@code /status}, fetched by this
 * node from the peers' HTTP addresses so that the page needs to reach only the node it was loaded from.
 *
 * <p>Each array element is {@code {"id":n,"url":"http://...","ok":true,"status":{...}}} with the member's
 * {@code /status} object, or {@code {"id":n,"url":...,"ok":false,"error":"..."}} when it did not answer within
 * {@link #PEER_TIMEOUT}. This node's own entry comes from its backend directly. Members are the union of the
 * configured peers and the members this node reports.
 *
 * <p>Installed as a filter in front of the API handler: other paths pass through. Thread-safe; the fan-out is
 * asynchronous on the server's handler pool and never blocks a handler thread.
 */
final class ClusterPage extends Filter {
    private static final Logger log = LoggerFactory.getLogger(ClusterPage.class);

    /** How long the fan-out waits for one peer's {@code /status}. */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);
    private static final String PAGE_RESOURCE = "cluster.html";

    private final KvBackend backend;
    private final Map<Long, String> peerUrls;
    private final Executor responder;
    private final HttpClient client;
    private final byte[] page;
    private final String bearerToken;

    /**
     * @param tls         the node's own TLS context, or null for plain HTTP: peers serve HTTPS with certificates from
     *                    the cluster CA this context trusts, which the JDK's default trust store does not
     * @param bearerToken the token peers require (sent with each fan-out request), or null
     */
    ClusterPage(KvBackend backend, Map<Long, String> peerUrls, Executor responder, SSLContext tls,
                String bearerToken) {
        this.backend = backend;
        this.peerUrls = peerUrls;
        this.responder = responder;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(PEER_TIMEOUT).executor(responder)
                .version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
            http.sslContext(tls);
        }
        this.client = http.build();
        this.page = loadPage();
        this.bearerToken = bearerToken;
    }

    private static byte[] loadPage() {
        try (InputStream in = ClusterPage.class.getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + PAGE_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PAGE_RESOURCE, e);
        }
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (path.equals("/") && exchange.getRequestMethod().equals("GET")) {
            send(exchange, 200, "text/html; charset=utf-8", page);
        } else if (path.equals("/cluster/status") && exchange.getRequestMethod().equals("GET")) {
            clusterStatus(exchange);
        } else if (path.equals("/cluster/status") || path.equals("/")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            send(exchange, 405, "text/plain", "method not allowed; use GET\n".getBytes(StandardCharsets.UTF_8));
        } else {
            chain.doFilter(exchange);
        }
    }

    @Override
    public String description() {
        return "serves GET / and GET /cluster/status";
    }

    private void clusterStatus(HttpExchange exchange) {
        long self = backend.status().id();
        TreeSet<Long> ids = new TreeSet<>(peerUrls.keySet());
        ids.addAll(backend.status().members());
        ids.add(self);
        List<CompletableFuture<String>> parts = new ArrayList<>();
        for (long id : ids) {
            String url = peerUrls.get(id);
            if (id == self) {
                String status = new String(KvApiHandler.statusJson(backend.status()), StandardCharsets.UTF_8).trim();
                parts.add(CompletableFuture.completedFuture(entry(id, url).field("ok", true)
                        .rawField("status", status).end()));
            } else if (url == null) {
                parts.add(CompletableFuture.completedFuture(entry(id, null).field("ok", false)
                        .field("error", "no HTTP address known for this member").end()));
            } else {
                parts.add(fetch(id, url));
            }
        }
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenCompleteAsync((ignored, failure) -> {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < parts.size(); i++) {
                body.append(i == 0 ? "" : ",").append(parts.get(i).join());
            }
            body.append("]\n");
            send(exchange, 200, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
        }, responder);
    }

    /** One member's entry; never fails: an unreachable member is reported as {@code "ok":false}. */
    private CompletableFuture<String> fetch(long id, String url) {
        HttpRequest request;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/status")).timeout(PEER_TIMEOUT).GET();
            if (bearerToken != null) {
                b.header("Authorization", "Bearer " + bearerToken);
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(entry(id, url).field("ok", false)
                    .field("error", "bad peer URL: " + e.getMessage()).end());
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                return entry(id, url).field("ok", false).field("error", String.valueOf(failure.getMessage()))
                        .end();
            }
            if (response.statusCode() != 200) {
                return entry(id, url).field("ok", false).field("error", "HTTP " + response.statusCode()).end();
            }
            return entry(id, url).field("ok", true).rawField("status", response.body().trim()).end();
        });
    }

    private static Json entry(long id, String url) {
        return Json.object().field("id", id).field("url", url);
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            log.debug("cannot send {} to {}: {}", status, exchange.getRemoteAddress(), e.toString());
        }
    }
}
