package dev.sansraft.examples.http;

import java.util.Map;

/**
 * A request the API refuses, with the HTTP status and the one-line message sent back, plus any extra response
 * headers (e.g. {@code Allow}, {@code Retry-After}, {@code Location}). Immutable.
 */
public final class HttpProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final transient Map<String, String> headers;

    public HttpProblem(int status, String message) {
        this(status, message, Map.of());
    }

    public HttpProblem(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        if (status < 300 || status > 599) {
            throw new IllegalArgumentException("problem status must be 3xx-5xx, got " + status);
        }
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
