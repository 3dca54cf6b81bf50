package dev.sansraft.kv;

/**
 * The exactly-once session tag a remote client (for example over HTTP {@code Client-Id} / {@code Request-Seq}
 * headers) attaches to one write. Immutable.
 *
 * <p>A client numbers its writes 1, 2, 3, ... and retries a write with the same sequence. The state machine applies
 * sequence {@code s} at most once: a retry of the last applied sequence returns the saved response, an older sequence
 * is rejected with {@link KvError#STALE_SEQUENCE}, and a newer one is applied. A client using this tag has at most one
 * write outstanding; the Java {@link KvStore} pipelines several and tags them itself.
 *
 * @param clientId the client's id, for example a random UUID: unique per client incarnation, so that clients do not
 *                 share a session (see {@link ClientId})
 * @param sequence the write's number, at least 1
 */
public record ClientRequest(ClientId clientId, long sequence) {

    /**
     * Validates the tag.
     *
     * @param clientId the client's id, for example a random UUID: unique per client incarnation, so that clients do not
     *     share a session (see {@link ClientId})
     * @param sequence the write's number, at least 1
     * @throws IllegalArgumentException if {@code clientId} is null or {@code sequence} is below 1
     */
    public ClientRequest {
        if (clientId == null) {
            throw new IllegalArgumentException("request without a client id (sequence " + sequence + ")");
        }
        if (sequence < 1) {
            throw new IllegalArgumentException("request sequence must be >= 1, got " + sequence
                    + " (client " + clientId + ")");
        }
    }

    /**
     * A request of the numeric client {@code clientId} (see {@link ClientId#of(long)}).
     *
     * @param clientId the numeric client id, read as unsigned
     * @param sequence the write's number, at least 1
     */
    public ClientRequest(long clientId, long sequence) {
        this(ClientId.of(clientId), sequence);
    }

    /** The wire tag: one outstanding write, so every response below {@code sequence} is acknowledged. */
    SessionTag toTag() {
        return new SessionTag(clientId, sequence, sequence);
    }
}
