package dev.sansraft.examples.http;

/**
 * A {@link KvBackend} failure: the request cannot be served now (overloaded, timed out, node closing). The API
 * answers 503 with {@code Retry-After}. The message says whether the outcome of a write is unknown. Immutable.
 */
public final class UnavailableFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A request that cannot be served now.
     *
     * @param message why, saying whether a write's outcome is unknown
     */
    public UnavailableFailure(String message) {
        super(message, null, false, false);
    }
}
