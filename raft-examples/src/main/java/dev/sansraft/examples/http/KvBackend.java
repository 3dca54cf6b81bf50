package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;

import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP API needs from a replicated key-value store. The seam between HTTP routing and the Raft node, so
 * that routing and status codes can be tested against a fake.
 *
 * <p>Futures fail with {@link NotLeaderFailure} when another node must serve the request, with
 * {@link UnavailableFailure} when no node can serve it right now (no leader, overloaded, timed out, closing), and
 * with anything else only for a server-side bug. Implementations must be thread-safe; methods never block.
 */
public interface KvBackend {

    /** Writes {@code value} under {@code key}. {@code session} is null for a client without exactly-once headers. */
    CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session);

    CompletableFuture<Deleted> delete(byte[] key, ClientSession session);

    CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value, ClientSession session);

    CompletableFuture<ReadResult> get(byte[] key, ReadLevel level);

    /** A snapshot of the local node's Raft state; never blocks. */
    RaftStatus status();

    /** The local node's metrics in the Prometheus text exposition format. */
    String metricsText();

    /** An exactly-once session tag from the {@code Client-Id} and {@code Request-Seq} headers (issue 7). */
    record ClientSession(long clientId, long sequence) {
    }

    /** A write's log index. */
    record Written(long index) {
    }

    /** A delete's outcome; {@code existed} is false when there was nothing to delete. */
    record Deleted(boolean existed, long index) {
    }

    /** A compare-and-set's outcome. */
    record Swapped(Outcome outcome, long index) {
        public enum Outcome { SWAPPED, MISMATCH, ABSENT }
    }

    /**
     * A read's outcome. The value array is owned by the caller once returned.
     *
     * @param value        the value, or null when the key is absent
     * @param appliedIndex the index the answering state machine had applied
     */
    record ReadResult(byte[] value, long appliedIndex) {
    }

    /**
     * How fresh a read must be (issue 7). {@code LOG} reads through the Raft log like a write: linearizable but
     * slow, kept to compare ReadIndex against.
     */
    enum ReadLevel { LINEARIZABLE, LEASE, STALE, LOG }
}
