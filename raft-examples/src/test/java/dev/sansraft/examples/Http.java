package dev.sansraft.examples;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small blocking HTTP(S) client for tests; never follows redirects, so tests see every 307. Thread-safe.
 */
public final class Http {
    private final HttpClient client;
    private final String[] defaultHeaders;

    /** Plain HTTP (or HTTPS trusting the JDK's default CAs), no extra headers. */
    public Http() {
        this(null);
    }

    /**
     * Trusting the CAs of {@code tls} for HTTPS (null: the JDK default) and adding {@code defaultHeaders} (name, value,
     * ...) to every request, for example an {@code Authorization} header.
     */
    public Http(SSLContext tls, String... defaultHeaders) {
        HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
        this.defaultHeaders = defaultHeaders.clone();
    }

    public HttpResponse<String> send(String method, String url, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (defaultHeaders.length > 0) {
            b.headers(defaultHeaders);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public HttpResponse<String> get(String url) {
        return send("GET", url, null);
    }

    public HttpResponse<String> put(String url, String body, String... headers) {
        return send("PUT", url, body, headers);
    }

    /**
     * The value of a metric that carries the node label, from a {@code /metrics} text (Prometheus exposition format),
     * e.g. {@code sansraft_requests_overloaded_total{node="1"} 17}.
     *
     * @throws IllegalStateException if the text has no such metric
     */
    public static double metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no metric " + name);
    }

    /** Extracts a numeric field from the API's flat JSON, e.g. {@code "leader":2}. */
    public static long jsonLong(String json, String field) {
        String marker = "\"" + field + "\":";
        int at = json.indexOf(marker);
        if (at < 0) {
            throw new IllegalArgumentException("no field " + field + " in " + json);
        }
        int start = at + marker.length();
        int end = start;
        while (end < json.length() && (Character.isDigit(json.charAt(end)) || json.charAt(end) == '-')) {
            end++;
        }
        return Long.parseLong(json.substring(start, end));
    }
}
