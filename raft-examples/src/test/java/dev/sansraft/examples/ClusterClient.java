package dev.sansraft.examples;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A test client for a whole cluster: finds the leader through {@code /status}, follows 307s, and retries 503s and
 * connection errors until a deadline. Thread-safe.
 */
public final class ClusterClient {
    private final Http http;
    private final Supplier<List<String>> baseUrls;
    private final Duration timeout;

    /** @param baseUrls the current base URLs of the live nodes (re-read on every attempt) */
    public ClusterClient(Supplier<List<String>> baseUrls, Duration timeout) {
        this(baseUrls, timeout, new Http());
    }

    /** As above, sending through {@code http} (HTTPS trust, an auth header). */
    public ClusterClient(Supplier<List<String>> baseUrls, Duration timeout, Http http) {
        this.baseUrls = baseUrls;
        this.timeout = timeout;
        this.http = http;
    }

    /** The base URL of the node every live node agrees is the leader. */
    public String leaderUrl() {
        return Poll.until(timeout, "a leader known to every live node", () -> {
            String leaderUrl = null;
            long leader = -1;
            for (String base : baseUrls.get()) {
                String status = http.get(base + "/status").body();
                long l = Http.jsonLong(status, "leader");
                if (l == 0 || (leader != -1 && l != leader)) {
                    return null;
                }
                leader = l;
                if (Http.jsonLong(status, "id") == l) {
                    leaderUrl = base;
                }
            }
            return leaderUrl;
        });
    }

    /** PUTs until a 200 arrives; returns the log index of the acknowledged write. */
    public long put(String key, String value) {
        return Http.jsonLong(request("PUT", "/kv/" + key, value).body(), "index");
    }

    /** A linearizable GET that returns the final 200 or 404 response. */
    public HttpResponse<String> get(String key) {
        return request("GET", "/kv/" + key, null);
    }

    private HttpResponse<String> request(String method, String path, String body) {
        return Poll.until(timeout, method + " " + path, () -> {
            String url = leaderUrlOrAny() + path;
            for (int hop = 0; hop < 3; hop++) {
                HttpResponse<String> r = http.send(method, url, body);
                if (r.statusCode() == 307) {
                    url = r.headers().firstValue("Location").orElseThrow();
                    continue;
                }
                if (r.statusCode() == 200 || r.statusCode() == 404 && method.equals("GET")) {
                    return r;
                }
                return null;
            }
            return null;
        });
    }

    private String leaderUrlOrAny() {
        List<String> urls = baseUrls.get();
        for (String base : urls) {
            try {
                String status = http.get(base + "/status").body();
                if (Http.jsonLong(status, "id") == Http.jsonLong(status, "leader")) {
                    return base;
                }
            } catch (RuntimeException e) {
                // That node is down or restarting; try the next one.
                continue;
            }
        }
        return urls.get(0);
    }
}
