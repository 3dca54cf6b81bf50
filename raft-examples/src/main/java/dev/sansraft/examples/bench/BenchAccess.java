package dev.sansraft.examples.bench;

import dev.sansraft.examples.members.ApiAccess;

import javax.net.ssl.SSLSocketFactory;

/**
 * How the bench reaches a cluster's API: HTTPS trusting a CA bundle ({@code --cacert}) and a bearer token
 * ({@code --auth-token-file}), or neither. Immutable and thread-safe.
 *
 * @param tls        sockets for {@code https://} targets, or null for plain HTTP only
 * @param authHeader the header line ({@code Authorization: Bearer ...\r\n}) sent with every request, or ""
 */
record BenchAccess(SSLSocketFactory tls, String authHeader) {

    static final BenchAccess PLAIN = new BenchAccess(null, "");

    /** The same access for the bench's raw sockets. */
    static BenchAccess of(ApiAccess access) {
        return new BenchAccess(access.tls() == null ? null : access.tls().getSocketFactory(),
                access.bearerToken() == null ? "" : "Authorization: Bearer " + access.bearerToken() + "\r\n");
    }
}
