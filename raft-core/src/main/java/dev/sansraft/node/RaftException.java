package dev.sansraft.node;

/**
 * The base of every failure the node runtime reports to its callers, usually as the cause of a failed
 * {@link java.util.concurrent.CompletableFuture}. Timeouts are the exception: they fail futures with
 * {@link java.util.concurrent.TimeoutException}, as the JDK's own {@code orTimeout} does.
 *
 * <p>Immutable once thrown; thread-safe.
 */
public class RaftException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RaftException(String message) {
        super(message);
    }

    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
