package dev.sansraft.examples.server;

import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;
import dev.sansraft.examples.http.HttpSecurity;
import dev.sansraft.examples.members.ApiAccess;
import dev.sansraft.transport.tcp.TlsConfigException;
import dev.sansraft.transport.tcp.TransportTls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code server} command's security settings: mutual TLS between nodes and HTTPS for the API from
 * {@code --tls-cert}, {@code --tls-key} and {@code --tls-ca} (all three or none), reloaded when they change
 * ({@code --tls-reload-interval}, see {@link CertificatePoll}), and a bearer token for the API from
 * {@code --auth-token-file}. Immutable.
 *
 * @param tls                 the node's TLS settings, or null for plaintext
 * @param authToken           the token the API requires, or null for an open API
 * @param tlsReloadInterval   how often the TLS files are looked at for a rotation; positive
 */
public record ServerSecurity(TransportTls tls, String authToken, Duration tlsReloadInterval) {

    /** How often the TLS files are looked at unless {@code --tls-reload-interval} says otherwise. */
    public static final Duration DEFAULT_TLS_RELOAD_INTERVAL = Duration.ofSeconds(10);
    /** Plaintext, open API. */
    public static final ServerSecurity NONE = new ServerSecurity(null, null, DEFAULT_TLS_RELOAD_INTERVAL);
    private static final List<String> TLS_FLAGS = List.of("tls-cert", "tls-key", "tls-ca");

    /** Reads the flags; absent flags have the empty default. */
    static ServerSecurity fromFlags(ParsedFlags flags) {
        List<String> given = TLS_FLAGS.stream().filter(f -> !flags.string(f).isBlank()).toList();
        TransportTls tls = null;
        if (given.size() == TLS_FLAGS.size()) {
            try {
                tls = TransportTls.fromPem(Path.of(flags.string("tls-cert")), Path.of(flags.string("tls-key")),
                        Path.of(flags.string("tls-ca")));
            } catch (TlsConfigException e) {
                throw new UsageException("TLS: " + e.getMessage());
            }
        } else if (!given.isEmpty()) {
            throw new UsageException("--tls-cert, --tls-key and --tls-ca go together; got only --"
                    + String.join(", --", given));
        }
        String token = null;
        String tokenFile = flags.string("auth-token-file");
        if (!tokenFile.isBlank()) {
            token = readToken(Path.of(tokenFile));
        }
        return new ServerSecurity(tls, token, flags.duration("tls-reload-interval"));
    }

    /** The token in {@code file}: its content without surrounding whitespace, at least 16 visible characters. */
    static String readToken(Path file) {
        String token;
        try {
            token = ApiAccess.readToken(file);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--auth-token-file: " + e.getMessage());
        }
        if (token.length() < 16) {
            throw new UsageException("--auth-token-file: the token in " + file + " is " + token.length()
                    + " characters; use at least 16 (e.g. openssl rand -hex 32)");
        }
        return token;
    }

    /**
     * {@return how this node reaches the cluster's API as a client (to join it): HTTPS trusting the cluster CA, with
     * the cluster's token}
     */
    ApiAccess clientAccess() {
        return new ApiAccess(tls != null ? tls.context() : null, authToken);
    }

    /** {@return the HTTP API's share: HTTPS with the node's certificate if TLS is on, and the token} */
    public HttpSecurity http() {
        // The following context, not the current one: the JDK's HttpsServer keeps the context it is given.
        return new HttpSecurity(tls != null ? tls.followingContext() : null, authToken);
    }

    /**
     * {@code urls} with the {@code http://} scheme replaced by {@code https://} when TLS is on.
     *
     * @param urls node id to base URL
     * @return the URLs with the right scheme; {@code urls} itself when TLS is off
     */
    public Map<Long, String> withScheme(Map<Long, String> urls) {
        if (tls == null) {
            return urls;
        }
        Map<Long, String> https = new TreeMap<>();
        urls.forEach((id, url) -> https.put(id, url.startsWith("http://") ? "https://" + url.substring(7) : url));
        return https;
    }
}
