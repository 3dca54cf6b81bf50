package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;
import dev.sansraft.kv.ClientId;

import java.util.List;
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

    /**
     * Writes {@code value} under {@code key}. {@code session} is null for a client without exactly-once headers.
     *
     * @param key the key to write, within the state machine's limits
     * @param value the value to store
     * @param session the client's exactly-once tag, or null
     * @return a future of the write's log index
     */
    CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session);

    /**
     * Deletes {@code key}. {@code session} is null for a client without exactly-once headers.
     *
     * @param key the key to delete
     * @param session the client's exactly-once tag, or null
     * @return a future of whether the key existed
     */
    CompletableFuture<Deleted> delete(byte[] key, ClientSession session);

    /**
     * Sets {@code key} to {@code value} if it holds {@code expected}. {@code session} is as for {@link #put}.
     *
     * @param key the key to compare and set
     * @param expected the value the key must hold
     * @param value the value to store
     * @param session the client's exactly-once tag, or null
     * @return a future of the outcome
     */
    CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value, ClientSession session);

    /**
     * Reads {@code key} at the freshness {@code level} asks for.
     *
     * @param key the key to read
     * @param level how fresh the read must be
     * @return a future of the value, or of a null value when the key is absent
     */
    CompletableFuture<ReadResult> get(byte[] key, ReadLevel level);

    /** {@return a snapshot of the local node's Raft state; never blocks} */
    RaftStatus status();

    /** {@return the local node's metrics in the Prometheus text exposition format} */
    String metricsText();

    /**
     * {@return the configuration as this node knows it, with each member's replication progress (see {@link Members})}
     */
    default Members members() {
        throw new HttpProblem(404, "this server has no membership API");
    }

    /**
     * Adds a new member as a learner; completes with the configuration once the change is committed.
     *
     * @param id the new member's node id, not yet a member
     * @param endpoint how to reach it, {@code host:raftPort/httpPort}
     * @return a future of the new configuration
     */
    default CompletableFuture<Members> addLearner(long id, String endpoint) {
        return CompletableFuture.failedFuture(new HttpProblem(404, "this server has no membership API"));
    }

    /**
     * Promotes a learner that has caught up to voter; completes once committed.
     *
     * @param id the learner's node id
     * @return a future of the new configuration
     */
    default CompletableFuture<Members> promote(long id) {
        return CompletableFuture.failedFuture(new HttpProblem(404, "this server has no membership API"));
    }

    /**
     * Removes a voter or learner; completes once committed.
     *
     * @param id the member's node id
     * @return a future of the new configuration
     */
    default CompletableFuture<Members> remove(long id) {
        return CompletableFuture.failedFuture(new HttpProblem(404, "this server has no membership API"));
    }

    /**
     * Hands leadership to the voter {@code id}; completes with the new leader's id once it leads.
     *
     * @param id the voter to lead next
     * @return a future of the new leader's id
     */
    default CompletableFuture<Long> transferLeadership(long id) {
        return CompletableFuture.failedFuture(new HttpProblem(404, "this server has no membership API"));
    }

    /**
     * The base URL of member {@code id}'s HTTP API as its endpoint gives it, or null when unknown.
     *
     * @param id a member's node id
     * @return the URL, such as {@code http://127.0.0.1:8002}, or null
     */
    default String httpUrlOf(long id) {
        return null;
    }

    /**
     * One member: its id, its endpoint ({@code host:raftPort/httpPort}) and its match index, the last log index
     * known to be replicated on it. The leader knows every member's; another node knows only its own and reports
     * -1 for the others.
     */
    record Member(long id, String endpoint, long match) {
    }

    /**
     * A configuration: {@code voters} are the voters of the newest configuration (C_new while {@code joint}, the
     * joint consensus state in which the old voters must agree as well).
     *
     * @param voters the voters of the newest configuration, in id order
     * @param learners the learners, in id order
     * @param joint true while the cluster is in joint consensus
     */
    record Members(List<Member> voters, List<Member> learners, boolean joint) {
        /**
         * Copies both lists.
         *
         * @param voters the voters of the newest configuration, in id order
         * @param learners the learners, in id order
         * @param joint true while the cluster is in joint consensus
         */
        public Members {
            voters = List.copyOf(voters);
            learners = List.copyOf(learners);
        }
    }

    /**
     * An exactly-once session tag from the {@code Client-Id} and {@code Request-Seq} headers (issue 7); the id is any
     * token of 1 to 128 visible ASCII characters, a UUID for example (issue 15).
     */
    record ClientSession(ClientId clientId, long sequence) {
    }

    /** A write's log index. */
    record Written(long index) {
    }

    /** A delete's outcome; {@code existed} is false when there was nothing to delete. */
    record Deleted(boolean existed, long index) {
    }

    /** A compare-and-set's outcome. */
    record Swapped(Outcome outcome, long index) {
        /** What a compare-and-set did. */
        public enum Outcome {
            /** The value equalled the expected one and was replaced. */
            SWAPPED,
            /** The value differed; nothing changed. */
            MISMATCH,
            /** The key was absent; nothing changed. */
            ABSENT
        }
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
    enum ReadLevel {
        /** ReadIndex: a quorum confirms leadership before the read is served. */
        LINEARIZABLE,
        /** Served by a leader holding a lease, without a quorum round. */
        LEASE,
        /** Served from the answering node's applied state at once; may be stale. */
        STALE,
        /** Through the Raft log, like a write. */
        LOG
    }
}
