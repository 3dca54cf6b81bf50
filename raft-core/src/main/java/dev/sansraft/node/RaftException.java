package dev.sansraft.node;

/**
 * The base of every failure the node runtime reports to its callers, usually as the cause of a failed
 * {@link java.util.concurrent.CompletableFuture}. Reads that time out are the exception: they fail with a
 * {@link java.util.concurrent.TimeoutException}, as the JDK's own {@code orTimeout} does (a read changes nothing, so
 * its outcome is never in doubt); a proposal that times out fails with {@link OutcomeUnknownException}.
 *
 * <p>Immutable once thrown; thread-safe.
 */
public class RaftException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * A Raft runtime failure.
     *
     * @param message what failed, naming the node
     */
    public RaftException(String message) {
        super(message);
    }

    /**
     * A Raft runtime failure caused by {@code cause}.
     *
     * @param message what failed, naming the node
     * @param cause the underlying error
     */
    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
