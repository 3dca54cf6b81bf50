package dev.sansraft.examples.http;

import java.util.Map;

/**
 * A request the API refuses, with the HTTP status and the one-line message sent back, plus any extra response
 * headers (e.g. {@code Allow}, {@code Retry-After}, {@code Location}). Immutable.
 */
public final class HttpProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The HTTP status, 3xx to 5xx. */
    private final int status;
    private final transient Map<String, String> headers;

    /**
     * A refusal with no extra headers.
     *
     * @param status the HTTP status, 3xx to 5xx
     * @param message the one-line message sent as the body
     */
    public HttpProblem(int status, String message) {
        this(status, message, Map.of());
    }

    /**
     * A refusal with extra response headers.
     *
     * @param status the HTTP status, 3xx to 5xx
     * @param message the one-line message sent as the body
     * @param headers extra response headers, copied
     * @throws IllegalArgumentException if {@code status} is not 3xx to 5xx
     */
    public HttpProblem(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        if (status < 300 || status > 599) {
            throw new IllegalArgumentException("problem status must be 3xx-5xx, got " + status);
        }
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    /** {@return the HTTP status, 3xx to 5xx} */
    public int status() {
        return status;
    }

    /** {@return the extra response headers, immutable; empty when none} */
    public Map<String, String> headers() {
        return headers;
    }
}
