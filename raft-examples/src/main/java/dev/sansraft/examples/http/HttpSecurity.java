package dev.sansraft.examples.http;

import javax.net.ssl.SSLContext;

/**
 * How the HTTP API is protected: HTTPS with the context {@code tls} supplies (null: plain HTTP), and a bearer token
 * every request but {@code GET /status} and {@code GET /metrics} must carry (null: none). Immutable.
 *
 * @param tls         the TLS context holding the server certificate, null for plain HTTP
 * @param bearerToken the token, or null for an open API
 */
public record HttpSecurity(SSLContext tls, String bearerToken) {

    /** Plain HTTP, no token: the quick-start and test setting. */
    public static final HttpSecurity NONE = new HttpSecurity(null, null);

    /**
     * Checks that a token, if given, is not empty.
     *
     * @param tls the TLS context holding the server certificate, null for plain HTTP
     * @param bearerToken the token, or null for an open API
     * @throws IllegalArgumentException if {@code bearerToken} is empty
     */
    public HttpSecurity {
        if (bearerToken != null && bearerToken.isEmpty()) {
            throw new IllegalArgumentException("bearer token is empty");
        }
    }

    /** {@return {@code https} when TLS is on, else {@code http}} */
    public String scheme() {
        return tls != null ? "https" : "http";
    }
}
