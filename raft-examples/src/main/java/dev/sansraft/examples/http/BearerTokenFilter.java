package dev.sansraft.examples.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Requires {@code Authorization: Bearer <token>} on every request except {@code GET /status} and {@code GET /metrics}
 * (health checks and scrapers need no secret; both reveal no data). A request without the header, or with another
 * token, gets {@code 401} with {@code WWW-Authenticate: Bearer} and a one-line message, and never reaches the API.
 *
 * <p>The comparison takes the same time whatever the presented token is: both tokens are hashed with SHA-256 and the
 * digests compared with {@link MessageDigest#isEqual}, which examines every byte; hashing first also hides the
 * expected token's length.
 *
 * <p>Thread-safe: immutable apart from a per-call digest.
 */
public final class BearerTokenFilter extends Filter {

    private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);
    private static final String PREFIX = "Bearer ";

    private final byte[] expectedDigest;

    /**
     * A filter that admits requests carrying {@code token}.
     *
     * @param token the expected bearer token; not empty
     * @throws IllegalArgumentException if {@code token} is null or empty
     */
    public BearerTokenFilter(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("bearer token must not be empty");
        }
        this.expectedDigest = sha256(token);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (isOpen(exchange) || isAuthorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
            chain.doFilter(exchange);
            return;
        }
        boolean missing = exchange.getRequestHeaders().getFirst("Authorization") == null;
        String message = missing ? "missing 'Authorization: Bearer <token>' header; only GET /status and GET /metrics"
                + " are open" : "wrong bearer token";
        log.debug("401 for {} {} from {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRemoteAddress(), message);
        try (exchange) {
            // The request body is not read: closing the exchange discards it.
            byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** True if {@code header} carries the expected token. Constant time in the token's content. */
    boolean isAuthorized(String header) {
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(header.substring(PREFIX.length()).trim()));
    }

    private static boolean isOpen(HttpExchange exchange) {
        if (!"GET".equals(exchange.getRequestMethod())) {
            return false;
        }
        String path = exchange.getRequestURI().getRawPath();
        return "/status".equals(path) || "/metrics".equals(path);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String description() {
        return "bearer token on all but GET /status and GET /metrics";
    }
}
