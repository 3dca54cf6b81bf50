package dev.sansraft.examples.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.kv.ClientId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Routes and validates requests, calls the {@link KvBackend}, and maps outcomes to status codes.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>{@code PUT /kv/{key}}</td><td>200 {@code {"index":n}}</td></tr>
 *   <tr><td>{@code PUT /kv/{key}?expect={old}}</td><td>200 swapped, 412 current value differs, 404 absent</td></tr>
 *   <tr><td>{@code GET /kv/{key}[?consistency=linearizable|lease|stale|log]}</td><td>200 value, 404 absent;
 *       header {@code X-Applied-Index}</td></tr>
 *   <tr><td>{@code DELETE /kv/{key}}</td><td>200 {@code {"index":n}}, 404 absent</td></tr>
 *   <tr><td>{@code GET /status}</td><td>200 JSON</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>200 Prometheus text</td></tr>
 *   <tr><td>{@code GET /members}</td><td>200 {@code {"voters":[{"id":1,"endpoint":"127.0.0.1:9001/8001",
 *       "match":42}],"learners":[],"joint":false}}, on any node</td></tr>
 *   <tr><td>{@code POST /members} with form body {@code id=N&endpoint=host:raftPort/httpPort}</td><td>adds a
 *       learner; 200 with the configuration once committed</td></tr>
 *   <tr><td>{@code POST /members/{id}/promote}, {@code DELETE /members/{id}}</td><td>200 with the configuration
 *       once committed; 404 unknown member; 409 another change in progress, a member already in that role, or a
 *       learner that has not caught up</td></tr>
 *   <tr><td>{@code POST /leader?to={id}}</td><td>200 {@code {"leader":id}} once the transfer is done; 404 unknown,
 *       409 a learner or another transfer under way, 503 the target did not take over in time</td></tr>
 * </table>
 *
 * <p>On a node that cannot serve a request (a write, or a lease read or a read through the log, on a follower) the
 * answer is 307 with {@code Location} at the leader, or 503 with {@code Retry-After} while no leader is known. Client
 * mistakes get a 4xx with a one-line message: 400 bad key, query or header; 404 unknown endpoint; 405 wrong method;
 * 411 missing length; 413 value too large. Linearizable reads (the default) are served by any node: a follower gets
 * a read index from the leader (ReadIndex) and answers once it has applied that far. Stale reads are served by any
 * node from its local state.
 *
 * <p>Exactly-once (issue 7): a client that sends {@code Client-Id} and {@code Request-Seq} on a write gets the saved
 * response, not a second application, when it retries with the same pair.
 *
 * <p>Thread-safe: stateless apart from the immutable configuration.
 */
final class KvApiHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(KvApiHandler.class);

    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_VALUE_BYTES = 1 << 20;
    /** Oversized bodies up to this size are read and discarded so the 413 reaches the client intact. */
    private static final long MAX_DRAINED_BYTES = 8L << 20;
    static final String APPLIED_INDEX_HEADER = "X-Applied-Index";
    private static final String KV_PREFIX = "/kv/";
    private static final byte[] NO_BODY = new byte[0];

    private final KvBackend backend;
    private final Map<Long, String> leaderUrls;
    private final Executor responder;
    private final String scheme;

    /** A handler whose redirects to members added after the start use {@code scheme}, this server's own. */
    KvApiHandler(KvBackend backend, Map<Long, String> leaderUrls, Executor responder, String scheme) {
        this.backend = backend;
        this.scheme = scheme;
        // Not copied: a caller that learns the ports only after starting (tests on ephemeral ports) may fill a
        // concurrent map later.
        this.leaderUrls = leaderUrls;
        this.responder = responder;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            route(exchange);
        } catch (HttpProblem problem) {
            sendProblem(exchange, problem);
        } catch (RuntimeException e) {
            log.warn("request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            send(exchange, 500, "text/plain", line("internal error: " + e), Map.of());
        }
    }

    private void route(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        if (path.startsWith(KV_PREFIX)) {
            routeKey(exchange, method, path.substring(KV_PREFIX.length()));
        } else if (path.equals("/status")) {
            requireMethod(method, "GET");
            requireNoQuery(exchange);
            send(exchange, 200, "application/json", statusJson(backend.status()), Map.of());
        } else if (path.equals("/members") || path.startsWith("/members/")) {
            routeMembers(exchange, method, path.substring("/members".length()));
        } else if (path.equals("/leader")) {
            requireMethod(method, "POST");
            Map<String, String> query = PercentEncoding.query(exchange.getRequestURI().getRawQuery());
            allowOnly(query, "to");
            long target = memberId(query.get("to"), "to");
            complete(exchange, backend.transferLeadership(target),
                    leader -> json(200, Json.object().field("leader", leader).end()));
        } else if (path.equals("/metrics")) {
            requireMethod(method, "GET");
            requireNoQuery(exchange);
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                    backend.metricsText().getBytes(StandardCharsets.UTF_8), Map.of());
        } else {
            throw new HttpProblem(404, "no endpoint " + path + " (try /kv/{key}, /status, /members, /metrics)");
        }
    }

    /**
     * {@code GET /members}, {@code POST /members} (form body {@code id=N&endpoint=host:raftPort/httpPort}),
     * {@code POST /members/{id}/promote} and {@code DELETE /members/{id}}.
     */
    private void routeMembers(HttpExchange exchange, String method, String rest) {
        requireNoQuery(exchange);
        if (rest.isEmpty()) {
            switch (method) {
                case "GET" -> send(exchange, 200, "application/json", membersJson(backend.members()), Map.of());
                case "POST" -> {
                    Map<String, String> form = PercentEncoding.query(new String(readBody(exchange),
                            StandardCharsets.UTF_8).trim());
                    allowOnly(form, "id", "endpoint");
                    long id = memberId(form.get("id"), "id");
                    String endpoint = form.get("endpoint") == null ? null : PercentEncoding.decodeText(
                            form.get("endpoint"));
                    if (endpoint == null || endpoint.isBlank()) {
                        throw new HttpProblem(400, "POST /members needs a form body id=N&endpoint=host:raftPort/"
                                + "httpPort");
                    }
                    complete(exchange, backend.addLearner(id, endpoint), m -> new Reply(200, "application/json",
                            membersJson(m), Map.of()));
                }
                default -> throw methodNotAllowed("GET, POST");
            }
            return;
        }
        String[] parts = rest.substring(1).split("/", -1);
        long id = memberId(parts[0], "member id");
        if (parts.length == 2 && parts[1].equals("promote")) {
            requireMethod(method, "POST");
            complete(exchange, backend.promote(id), m -> new Reply(200, "application/json", membersJson(m),
                    Map.of()));
        } else if (parts.length == 1) {
            requireMethod(method, "DELETE");
            complete(exchange, backend.remove(id), m -> new Reply(200, "application/json", membersJson(m),
                    Map.of()));
        } else {
            throw new HttpProblem(404, "no endpoint /members" + rest + " (try /members/{id}/promote)");
        }
    }

    private static long memberId(String text, String what) {
        if (text == null) {
            throw new HttpProblem(400, what + " is required");
        }
        try {
            long id = Long.parseLong(PercentEncoding.decodeText(text).trim());
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below with the offending text
        }
        throw new HttpProblem(400, what + " must be a positive integer, got '" + text + "'");
    }

    /** {@code {"voters":[{"id":1,"endpoint":"127.0.0.1:9001/8001","match":42}],"learners":[],"joint":false}}. */
    static byte[] membersJson(KvBackend.Members m) {
        String json = Json.object()
                .rawField("voters", memberArray(m.voters()))
                .rawField("learners", memberArray(m.learners()))
                .field("joint", m.joint())
                .end();
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String memberArray(List<KvBackend.Member> members) {
        StringBuilder b = new StringBuilder("[");
        for (KvBackend.Member member : members) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(Json.object().field("id", member.id()).field("endpoint", member.endpoint())
                    .field("match", member.match()).end());
        }
        return b.append(']').toString();
    }

    private void routeKey(HttpExchange exchange, String method, String rawKey) {
        byte[] key = PercentEncoding.decode(rawKey, "key");
        if (key.length == 0) {
            throw new HttpProblem(400, "empty key: use /kv/{key}");
        }
        if (key.length > MAX_KEY_BYTES) {
            throw new HttpProblem(400, "key is " + key.length + " bytes, limit " + MAX_KEY_BYTES);
        }
        Map<String, String> query = PercentEncoding.query(exchange.getRequestURI().getRawQuery());
        switch (method) {
            case "GET" -> {
                allowOnly(query, "consistency");
                KvBackend.ReadLevel level = readLevel(query.get("consistency"));
                complete(exchange, backend.get(key, level), this::readResponse);
            }
            case "PUT" -> {
                allowOnly(query, "expect");
                KvBackend.ClientSession session = session(exchange.getRequestHeaders());
                byte[] value = readBody(exchange);
                String expect = query.get("expect");
                if (expect == null) {
                    complete(exchange, backend.put(key, value, session),
                            w -> json(200, Json.object().field("index", w.index()).end()));
                } else {
                    byte[] expected = PercentEncoding.decode(expect, "expect");
                    complete(exchange, backend.compareAndSet(key, expected, value, session), this::casResponse);
                }
            }
            case "DELETE" -> {
                allowOnly(query);
                KvBackend.ClientSession session = session(exchange.getRequestHeaders());
                complete(exchange, backend.delete(key, session), d -> d.existed()
                        ? json(200, Json.object().field("index", d.index()).end())
                        : new Reply(404, "text/plain", line("key not found"), Map.of()));
            }
            default -> throw methodNotAllowed("GET, PUT, DELETE");
        }
    }

    private Reply readResponse(KvBackend.ReadResult r) {
        Map<String, String> headers = Map.of(APPLIED_INDEX_HEADER, Long.toString(r.appliedIndex()));
        if (r.value() == null) {
            return new Reply(404, "text/plain", line("key not found"), headers);
        }
        return new Reply(200, "application/octet-stream", r.value(), headers);
    }

    private Reply casResponse(KvBackend.Swapped s) {
        return switch (s.outcome()) {
            case SWAPPED -> json(200, Json.object().field("index", s.index()).end());
            case MISMATCH -> new Reply(412, "text/plain", line("current value differs from expect"), Map.of());
            case ABSENT -> new Reply(404, "text/plain", line("key not found"), Map.of());
        };
    }

    private static KvBackend.ReadLevel readLevel(String text) {
        if (text == null) {
            return KvBackend.ReadLevel.LINEARIZABLE;
        }
        return switch (PercentEncoding.decodeText(text).toLowerCase(Locale.ROOT)) {
            case "linearizable" -> KvBackend.ReadLevel.LINEARIZABLE;
            case "lease" -> KvBackend.ReadLevel.LEASE;
            case "stale" -> KvBackend.ReadLevel.STALE;
            case "log" -> KvBackend.ReadLevel.LOG;
            default -> throw new HttpProblem(400, "consistency must be linearizable, lease, stale or log");
        };
    }

    /**
     * Reads the {@code Client-Id} and {@code Request-Seq} headers: both or neither; the id a token of 1 to 128 visible
     * ASCII characters (see {@link ClientId}), the sequence a positive integer.
     */
    static KvBackend.ClientSession session(Headers headers) {
        String clientId = headers.getFirst("Client-Id");
        String sequence = headers.getFirst("Request-Seq");
        if (clientId == null && sequence == null) {
            return null;
        }
        if (clientId == null || sequence == null) {
            throw new HttpProblem(400, "Client-Id and Request-Seq go together");
        }
        String id = clientId.trim();
        String problem = ClientId.problem(id);
        if (problem != null) {
            throw new HttpProblem(400, "Client-Id " + problem + " (any token of 1 to " + ClientId.MAX_LENGTH
                    + " visible ASCII characters, a UUID for example)");
        }
        return new KvBackend.ClientSession(ClientId.of(id), positive("Request-Seq", sequence));
    }

    private static long positive(String header, String text) {
        try {
            long v = Long.parseLong(text.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the offending text
        }
        throw new HttpProblem(400, header + " must be a positive integer, got '" + text + "'");
    }

    private static byte[] readBody(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        String chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        if (length == null && chunked == null) {
            throw new HttpProblem(411, exchange.getRequestMethod() + " needs a Content-Length (or chunked) body");
        }
        long declared = -1;
        if (length != null) {
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpProblem(400, "bad Content-Length '" + length + "'");
            }
            if (declared > MAX_VALUE_BYTES) {
                if (declared <= MAX_DRAINED_BYTES) {
                    // Read the refused body before answering: closing on a client still sending makes its TCP
                    // stack discard our 413 (a reset), and the client sees a broken connection instead of the reason.
                    try (InputStream in = exchange.getRequestBody()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        throw new HttpProblem(400, "cannot read request body: " + e.getMessage());
                    }
                }
                throw new HttpProblem(413, "value is " + declared + " bytes, limit " + MAX_VALUE_BYTES);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            if (declared >= 0 && chunked == null) {
                // The common case: read straight into an array of the exact size (readNBytes(int) would allocate
                // 8 KiB chunks per request and copy).
                byte[] value = new byte[(int) declared];
                int read = in.readNBytes(value, 0, value.length);
                if (read != value.length) {
                    throw new HttpProblem(400, "body ended after " + read + " of " + declared + " bytes");
                }
                return value;
            }
            byte[] value = in.readNBytes(MAX_VALUE_BYTES + 1);
            if (value.length > MAX_VALUE_BYTES) {
                throw new HttpProblem(413, "value is over the limit of " + MAX_VALUE_BYTES + " bytes");
            }
            return value;
        } catch (IOException e) {
            throw new HttpProblem(400, "cannot read request body: " + e.getMessage());
        }
    }

    private static void allowOnly(Map<String, String> query, String... allowed) {
        for (String name : query.keySet()) {
            boolean ok = false;
            for (String a : allowed) {
                ok |= a.equals(name);
            }
            if (!ok) {
                throw new HttpProblem(400, "unknown query parameter '" + name + "'");
            }
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw methodNotAllowed(allowed);
        }
    }

    private static void requireNoQuery(HttpExchange exchange) {
        if (exchange.getRequestURI().getRawQuery() != null) {
            throw new HttpProblem(400, "this endpoint takes no query parameters");
        }
    }

    private static HttpProblem methodNotAllowed(String allowed) {
        return new HttpProblem(405, "method not allowed; use " + allowed, Map.of("Allow", allowed));
    }

    /**
     * Sends the reply, or maps the failure, once the backend's future completes; never blocks this thread. The reply
     * is written from the pool, not from the node thread that completes the future: tried both ways on the 3-process
     * cluster, writing on the completing thread (the node's apply thread) made it the bottleneck and cut 64-connection
     * linearizable reads from 15,000-20,000/s to 11,000-12,000/s.
     */
    private <T> void complete(HttpExchange exchange, CompletableFuture<T> future, Function<T, Reply> onSuccess) {
        future.whenCompleteAsync((value, failure) -> {
            Reply reply;
            try {
                reply = failure == null ? onSuccess.apply(value) : failureReply(exchange, failure);
            } catch (RuntimeException e) {
                log.warn("building the reply to {} {} failed", exchange.getRequestMethod(),
                        exchange.getRequestURI(), e);
                reply = new Reply(500, "text/plain", line("internal error: " + e), Map.of());
            }
            send(exchange, reply.status(), reply.contentType(), reply.body(), reply.headers());
        }, responder);
    }

    /**
     * An endpoint names ports, not schemes: every member of a cluster serves the API the way this server does, so an
     * HTTPS server redirects to {@code https://} (a client refuses to follow a redirect from HTTPS to plain HTTP).
     */
    private String withOwnScheme(String url) {
        if (url == null || !url.startsWith("http://") || scheme.equals("http")) {
            return url;
        }
        return scheme + url.substring("http".length());
    }

    private Reply failureReply(HttpExchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpProblem p) {
            return new Reply(p.status(), "text/plain", line(p.getMessage()), p.headers());
        }
        if (cause instanceof NotLeaderFailure nl) {
            String base = leaderUrls.get(nl.leaderHint());
            if (base == null) {
                base = withOwnScheme(backend.httpUrlOf(nl.leaderHint())); // a member added after this node started
            }
            if (nl.leaderHint() != 0 && base != null) {
                String target = base + exchange.getRequestURI().getRawPath()
                        + (exchange.getRequestURI().getRawQuery() == null ? ""
                        : "?" + exchange.getRequestURI().getRawQuery());
                return new Reply(307, "text/plain", line("not the leader; leader is node " + nl.leaderHint()),
                        Map.of("Location", target));
            }
            return new Reply(503, "text/plain", line("no leader known; retry shortly"), Map.of("Retry-After", "1"));
        }
        if (cause instanceof UnavailableFailure u) {
            return new Reply(503, "text/plain", line(u.getMessage()), Map.of("Retry-After", "1"));
        }
        log.warn("request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), cause);
        return new Reply(500, "text/plain", line("internal error: " + cause), Map.of());
    }

    static byte[] statusJson(RaftStatus s) {
        String json = Json.object()
                .field("id", s.id())
                .field("role", s.role().name().toLowerCase(Locale.ROOT))
                .field("term", s.term())
                .field("leader", s.leaderId())
                .field("commitIndex", s.commitIndex())
                .field("appliedIndex", s.appliedIndex())
                .field("lastLogIndex", s.lastLogIndex())
                .field("snapshotIndex", s.snapshotIndex())
                .field("members", s.members())
                .end();
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Reply json(int status, String json) {
        return new Reply(status, "application/json", (json + "\n").getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static byte[] line(String message) {
        String oneLine = message == null ? "" : message.replace('\n', ' ').replace('\r', ' ');
        return (oneLine + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void sendProblem(HttpExchange exchange, HttpProblem problem) {
        send(exchange, problem.status(), "text/plain", line(problem.getMessage()), problem.headers());
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body,
                             Map<String, String> headers) {
        try (exchange) {
            Headers h = exchange.getResponseHeaders();
            h.set("Content-Type", contentType);
            headers.forEach(h::set);
            byte[] b = body == null ? NO_BODY : body;
            exchange.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(b);
                }
            }
        } catch (IOException e) {
            // The client went away; nothing to answer. Debug only: a busy server sees this routinely.
            log.debug("cannot send {} to {}: {}", status, exchange.getRemoteAddress(), e.toString());
        }
    }

    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    }
}
