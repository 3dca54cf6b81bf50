package dev.sansraft.kv;

import dev.sansraft.node.NodeClosedException;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.ProposalDroppedException;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.ReadConsistency;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The Java client of a replicated key-value store: each call encodes a command, hands it to a local
 * {@link RaftNode}, and returns a future of a small result record.
 *
 * <p><b>Writes</b> ({@link #put}, {@link #delete}, {@link #compareAndSet}) go through the log and must be made on the
 * leader; on a follower they fail with {@link NotLeaderException}, whose {@link NotLeaderException#leaderHint()}
 * names the leader for the caller to redirect to. With sessions on (the default) every write carries this store's
 * client id and a fresh sequence number, and a write whose outcome is unknown ({@link OutcomeUnknownException}: it
 * timed out, or a snapshot covered it) is retried with the same sequence under the {@link RetryPolicy}, within its
 * deadline: the state machine applies it at most once and a retry returns the first application's result. With
 * sessions off no write is retried after an unknown outcome, because a retried compare-and-set or delete could apply
 * twice. A write that certainly was not applied ({@link ProposalDroppedException}) is retried either way.
 * {@link OverloadedException} is never retried, a closed node only with failover nodes (below). At most
 * {@code maxPendingWrites} session writes may be outstanding at once; beyond that a write fails at once with
 * {@link OverloadedException}.
 *
 * <p><b>Leader changes.</b> A store over a single node (the usual case, and what a server embedding one node wants)
 * fails a call with {@code NotLeaderException} so that the caller can redirect to the hinted leader. A store given
 * the other in-process nodes of its cluster ({@link Builder#failoverNodes}) instead follows the hint to the leader
 * and, while no leader is known, backs off and tries again; both are safe for every call, sessions or not, because a
 * node that answers {@code NotLeaderException} has not appended the command. A call that fails because its node was
 * closed moves on to the next node, if it may be retried (sessions on, or a read). Later calls go straight to the
 * last leader found.
 *
 * <p><b>Reads</b> ({@link #get}) run as queries against the state machine with a {@link Consistency}:
 * {@link Consistency#LINEARIZABLE} by default (ReadIndex, Raft thesis §6.4; works on followers too), LEASE or STALE on
 * request. Reads change nothing, so they are retried on timeouts ({@link TimeoutException}) too.
 * {@link #getThroughLog} reads through the log, for comparison benchmarks.
 *
 * <p><b>Session-tagged variants</b> taking a {@link ClientRequest} are for servers relaying remote clients (HTTP
 * {@code Client-Id} / {@code Request-Seq}): they send exactly that tag, once; the remote client retries.
 *
 * <p><b>Failures</b> arrive as the cause of the failed future: the node's exceptions, {@link KvRejectedException}
 * when the state machine refused the command (stale sequence, malformed), or {@link IllegalArgumentException} for a
 * key or value over the {@link KvLimits} (checked before anything is sent).
 *
 * <p>Byte arrays passed in are read during the call only. Arrays in results are fresh and owned by the caller.
 * Futures complete on the node's threads: callbacks attached with non-async methods must be quick and never block.
 *
 * <p>Thread-safety: every method may be called from any thread. {@link #close()} stops retries and refuses new calls;
 * it does not close the node, which the caller owns.
 */
public final class KvStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvStore.class);

    private final RaftNode node;
    private final Map<Long, RaftNode> nodesById;
    /** Where calls go first: the given node, or with failover nodes the last leader found. */
    private volatile RaftNode target;
    private final KvCommandCodec codec;
    private final long clientId;
    private final boolean sessions;
    private final RetryPolicy retryPolicy;
    private final int maxPendingWrites;
    private final WriteWindow window;
    private volatile boolean closed;

    private KvStore(Builder b) {
        this.node = b.node;
        this.nodesById = Map.copyOf(b.nodesById);
        this.target = b.node;
        this.codec = new KvCommandCodec(b.limits);
        this.clientId = b.clientIdSet ? b.clientId : new SecureRandom().nextLong();
        this.sessions = b.sessions;
        this.retryPolicy = b.retryPolicy;
        this.maxPendingWrites = b.maxPendingWrites;
        this.window = new WriteWindow(b.maxPendingWrites);
    }

    /**
     * A session-enabled store over {@code node} with a random client id and the default settings.
     *
     * @param node the local node to send commands to; the caller keeps owning it
     * @return the store
     */
    public static KvStore create(RaftNode node) {
        return builder().node(node).build();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return this store's session client id} */
    public long clientId() {
        return clientId;
    }

    /** {@return the node this store was built over (with failover nodes, calls may go to another one)} */
    public RaftNode node() {
        return node;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Sets {@code key} to {@code value}.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param value the new value, within {@link KvLimits#maxValueBytes()}
     * @return a future of the write's result, failing as the class comment describes
     */
    public CompletableFuture<PutResult> put(byte[] key, byte[] value) {
        return write(PutResult.class, tag -> new KvCommand.Put(tag, key(key), value(value)));
    }

    /**
     * {@link #put(byte[], byte[])} tagged with a remote client's session, sent once.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param value the new value, within {@link KvLimits#maxValueBytes()}
     * @param session the remote client's tag, sent as is
     * @return a future of the write's result, failing as the class comment describes
     */
    public CompletableFuture<PutResult> put(byte[] key, byte[] value, ClientRequest session) {
        return writeTagged(PutResult.class, session, tag -> new KvCommand.Put(tag, key(key), value(value)));
    }

    /**
     * Removes {@code key}; the result says whether it existed.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @return a future of the result, failing as the class comment describes
     */
    public CompletableFuture<DeleteResult> delete(byte[] key) {
        return write(DeleteResult.class, tag -> new KvCommand.Delete(tag, key(key)));
    }

    /**
     * {@link #delete(byte[])} tagged with a remote client's session, sent once.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param session the remote client's tag, sent as is
     * @return a future of the result, failing as the class comment describes
     */
    public CompletableFuture<DeleteResult> delete(byte[] key, ClientRequest session) {
        return writeTagged(DeleteResult.class, session, tag -> new KvCommand.Delete(tag, key(key)));
    }

    /**
     * Sets {@code key} to {@code newValue} if its value equals {@code expected}.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param expected the value the key must hold for the swap
     * @param newValue the value to store, within {@link KvLimits#maxValueBytes()}
     * @return a future of the outcome, failing as the class comment describes
     */
    public CompletableFuture<CasResult> compareAndSet(byte[] key, byte[] expected, byte[] newValue) {
        return write(CasResult.class, tag -> new KvCommand.CompareAndSet(tag, key(key), value(expected),
                value(newValue)));
    }

    /**
     * {@link #compareAndSet(byte[], byte[], byte[])} tagged with a remote client's session, sent once.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param expected the value the key must hold for the swap
     * @param newValue the value to store, within {@link KvLimits#maxValueBytes()}
     * @param session the remote client's tag, sent as is
     * @return a future of the outcome, failing as the class comment describes
     */
    public CompletableFuture<CasResult> compareAndSet(byte[] key, byte[] expected, byte[] newValue,
                                                      ClientRequest session) {
        return writeTagged(CasResult.class, session, tag -> new KvCommand.CompareAndSet(tag, key(key),
                value(expected), value(newValue)));
    }

    // ---------------------------------------------------------------- reads

    /**
     * A linearizable read of {@code key}.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @return a future of the value found, failing as the class comment describes
     */
    public CompletableFuture<GetResult> get(byte[] key) {
        return get(key, Consistency.LINEARIZABLE);
    }

    /**
     * A read of {@code key} with the given consistency.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @param consistency how fresh the read must be; a null one fails the future
     * @return a future of the value found, failing as the class comment describes
     */
    public CompletableFuture<GetResult> get(byte[] key, Consistency consistency) {
        if (consistency == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("consistency is null"));
        }
        ReadConsistency rc;
        switch (consistency) {
            case LEASE:
                rc = ReadConsistency.LEASE;
                break;
            case STALE:
                rc = ReadConsistency.STALE;
                break;
            default:
                rc = ReadConsistency.LINEARIZABLE;
        }
        byte[] request;
        try {
            checkOpen();
            request = codec.encode(new KvCommand.Get(null, key(key)));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(GetResult.class, n -> n.query(request, rc), true, true);
    }

    /**
     * A read of {@code key} through the log: linearizable without ReadIndex, at the cost of a log write.
     *
     * @param key the key, within {@link KvLimits#maxKeyBytes()}
     * @return a future of the value found, failing as the class comment describes
     */
    public CompletableFuture<GetResult> getThroughLog(byte[] key) {
        byte[] command;
        try {
            checkOpen();
            command = codec.encode(new KvCommand.Get(null, key(key)));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(GetResult.class, n -> n.propose(command), true, true);
    }

    // ---------------------------------------------------------------- plumbing

    /** Builds a command for a session tag (null when sessions are off). */
    @FunctionalInterface
    private interface CommandFactory {
        KvCommand create(SessionTag tag);
    }

    private <R extends KvResult> CompletableFuture<R> write(Class<R> type, CommandFactory factory) {
        if (!sessions) {
            byte[] command;
            try {
                checkOpen();
                command = codec.encode(factory.create(null));
            } catch (IllegalArgumentException | IllegalStateException e) {
                return CompletableFuture.failedFuture(e);
            }
            return send(type, n -> n.propose(command), false, true);
        }
        SessionTag tag;
        byte[] command;
        try {
            checkOpen();
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        tag = window.open(clientId);
        if (tag == null) {
            return CompletableFuture.failedFuture(new OverloadedException("client "
                    + Long.toUnsignedString(clientId) + " has " + maxPendingWrites
                    + " writes outstanding (oldest sequence " + window.lowestPending() + ")"));
        }
        try {
            command = codec.encode(factory.create(tag));
        } catch (IllegalArgumentException e) {
            window.close(tag.sequence());
            return CompletableFuture.failedFuture(e);
        }
        long sequence = tag.sequence();
        // The caller's future completes only after the window has moved, so a write issued from its callback (or
        // after join) finds the slot free again.
        return send(type, n -> n.propose(command), true, true).whenComplete((r, e) -> window.close(sequence));
    }

    private <R extends KvResult> CompletableFuture<R> writeTagged(Class<R> type, ClientRequest session,
                                                                  CommandFactory factory) {
        byte[] command;
        try {
            checkOpen();
            if (session == null) {
                throw new IllegalArgumentException("session is null");
            }
            command = codec.encode(factory.create(session.toTag()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(type, n -> n.propose(command), false, false);
    }

    /**
     * Sends through {@code call} with retries, within the policy's deadline: after an outcome-unknown failure only if
     * {@code retryUnknown}, after a not-applied one ({@code ProposalDroppedException}) only if {@code retryDropped},
     * after {@code NotLeaderException} only with failover nodes.
     */
    private <R extends KvResult> CompletableFuture<R> send(Class<R> type, Function<RaftNode,
            CompletableFuture<byte[]>> call, boolean retryUnknown, boolean retryDropped) {
        CompletableFuture<R> result = new CompletableFuture<>();
        long deadlineNanos = System.nanoTime() + retryPolicy.deadline().toNanos();
        attempt(1, type, call, new Retries(retryUnknown, retryDropped, deadlineNanos), result);
        return result;
    }

    /** What one call may retry, and until when ({@link System#nanoTime()}). */
    private record Retries(boolean unknown, boolean dropped, long deadlineNanos) {
    }

    private <R extends KvResult> void attempt(int attempt, Class<R> type,
                                              Function<RaftNode, CompletableFuture<byte[]>> call,
                                              Retries retries, CompletableFuture<R> result) {
        boolean retryUnknown = retries.unknown();
        RaftNode to = target;
        CompletableFuture<byte[]> future;
        try {
            future = call.apply(to);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        future.whenComplete((bytes, error) -> {
            if (error == null) {
                complete(type, bytes, result);
                return;
            }
            Throwable cause = unwrap(error);
            if (closed || attempt >= retryPolicy.maxAttempts()) {
                result.completeExceptionally(cause);
                return;
            }
            long backoffNanos;
            if (cause instanceof NotLeaderException && nodesById.size() > 1) {
                RaftNode leader = nodesById.get(((NotLeaderException) cause).leaderHint());
                if (leader != null && leader != to) {
                    target = leader;
                    backoffNanos = 0; // a known leader: go there at once
                } else {
                    backoffNanos = retryPolicy.backoffNanos(attempt); // an election is running
                }
            } else if (cause instanceof NodeClosedException && nodesById.size() > 1 && retryUnknown) {
                // A node of an in-process cluster was stopped; the command may or may not have been appended
                // (so only with a session), and another node will point at the leader.
                target = nextNode(to);
                backoffNanos = retryPolicy.backoffNanos(attempt); // its followers may still name it as leader
            } else if (retryUnknown && isOutcomeUnknown(cause)
                    || retries.dropped() && cause instanceof ProposalDroppedException) {
                backoffNanos = retryPolicy.backoffNanos(attempt);
            } else {
                result.completeExceptionally(cause);
                return;
            }
            if (System.nanoTime() + backoffNanos - retries.deadlineNanos() > 0) {
                log.debug("client {} gives up a {} after {} attempts: the retry deadline {} has passed",
                        Long.toUnsignedString(clientId), type.getSimpleName(), attempt, retryPolicy.deadline());
                result.completeExceptionally(cause);
                return;
            }
            log.debug("client {} retrying a {} (attempt {} of {}) in {} us after: {}",
                    Long.toUnsignedString(clientId), type.getSimpleName(), attempt + 1, retryPolicy.maxAttempts(),
                    backoffNanos / 1000, cause.toString());
            if (backoffNanos == 0) {
                attempt(attempt + 1, type, call, retries, result);
            } else {
                CompletableFuture.delayedExecutor(backoffNanos, TimeUnit.NANOSECONDS)
                        .execute(() -> attempt(attempt + 1, type, call, retries, result));
            }
        });
    }

    private <R extends KvResult> void complete(Class<R> type, byte[] bytes, CompletableFuture<R> result) {
        KvResult decoded;
        try {
            decoded = codec.decodeResult(bytes);
        } catch (KvCodecException e) {
            result.completeExceptionally(e);
            return;
        }
        if (type.isInstance(decoded)) {
            result.complete(type.cast(decoded));
        } else if (decoded instanceof KvResult.Failure) {
            KvResult.Failure f = (KvResult.Failure) decoded;
            result.completeExceptionally(new KvRejectedException(f.error(), f.message(), f.index()));
        } else {
            // A retry of a sequence the client had used for another kind of command got that command's result.
            result.completeExceptionally(new KvRejectedException(KvError.SEQUENCE_REUSED, "expected a "
                    + type.getSimpleName() + " but the session's saved result is " + decoded, decoded.index()));
        }
    }

    /** The node after {@code current} in id order, wrapping around. */
    private RaftNode nextNode(RaftNode current) {
        long best = Long.MAX_VALUE;
        long lowest = Long.MAX_VALUE;
        for (long id : nodesById.keySet()) {
            lowest = Math.min(lowest, id);
            if (id > current.id()) {
                best = Math.min(best, id);
            }
        }
        return nodesById.get(best != Long.MAX_VALUE ? best : lowest);
    }

    /** Proposals report an unknown outcome one way; a read that timed out changed nothing and may simply retry. */
    private static boolean isOutcomeUnknown(Throwable cause) {
        return cause instanceof OutcomeUnknownException || cause instanceof TimeoutException;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private Bytes key(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        codec.limits().checkKey(key.length);
        return Bytes.wrap(key); // encoded before the call returns, so no copy is needed
    }

    private Bytes value(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        codec.limits().checkValue(value.length);
        return Bytes.wrap(value);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("KvStore of client " + Long.toUnsignedString(clientId) + " is closed");
        }
    }

    /** Refuses new calls and stops retrying; outstanding futures still complete. Does not close the node. */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * Configures a {@link KvStore}. Not thread-safe.
     */
    public static final class Builder {
        private RaftNode node;
        private final Map<Long, RaftNode> nodesById = new HashMap<>();
        private long clientId;
        private boolean clientIdSet;
        private boolean sessions = true;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private KvLimits limits = KvLimits.DEFAULT;
        private int maxPendingWrites = KvStateMachine.DEFAULT_MAX_RESPONSES_PER_SESSION;

        private Builder() {
        }

        /**
         * The local node to send commands to. Required.
         *
         * @param node the node; the caller keeps owning it
         * @return this builder
         */
        public Builder node(RaftNode node) {
            this.node = node;
            return this;
        }

        /**
         * Other in-process nodes of the same cluster, to follow {@code NotLeaderException} leader hints to (see the
         * class comment); default none, so a call on a follower fails with the hint for the caller to redirect.
         *
         * @param nodes the other nodes, each with a distinct id; not null
         * @return this builder
         */
        public Builder failoverNodes(Collection<RaftNode> nodes) {
            if (nodes == null) {
                throw new IllegalArgumentException("failover nodes are null");
            }
            nodesById.clear();
            for (RaftNode n : nodes) {
                if (n == null || nodesById.putIfAbsent(n.id(), n) != null) {
                    throw new IllegalArgumentException("failover nodes must be distinct and non-null, got " + nodes);
                }
            }
            return this;
        }

        /**
         * The session client id; default a random 64-bit value. Two stores must never share one, and a restarted
         * process must not reuse its old id while that session is alive in the state machine: a new store numbers its
         * writes from 1 again, and those would be rejected as stale.
         *
         * @param clientId the 64-bit client id, unique among live sessions
         * @return this builder
         */
        public Builder clientId(long clientId) {
            this.clientId = clientId;
            this.clientIdSet = true;
            return this;
        }

        /**
         * Whether writes carry a session and are retried exactly-once; default true.
         *
         * @param sessions true to tag and retry writes exactly-once
         * @return this builder
         */
        public Builder sessions(boolean sessions) {
            this.sessions = sessions;
            return this;
        }

        /**
         * Retries for outcome-unknown failures; default {@link RetryPolicy#DEFAULT}.
         *
         * @param retryPolicy the policy; not null
         * @return this builder
         */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            if (retryPolicy == null) {
                throw new IllegalArgumentException("retryPolicy is null");
            }
            this.retryPolicy = retryPolicy;
            return this;
        }

        /**
         * Key and value limits checked before sending; must equal the state machine's. Default
         * {@link KvLimits#DEFAULT}.
         *
         * @param limits the state machine's limits; not null
         * @return this builder
         */
        public Builder limits(KvLimits limits) {
            if (limits == null) {
                throw new IllegalArgumentException("limits is null");
            }
            this.limits = limits;
            return this;
        }

        /**
         * Most session writes outstanding at once; must not exceed the state machine's
         * {@code maxResponsesPerSession} (default: equal to its default, 1024).
         *
         * @param maxPendingWrites the bound on outstanding session writes, at least 1
         * @return this builder
         */
        public Builder maxPendingWrites(int maxPendingWrites) {
            if (maxPendingWrites < 1) {
                throw new IllegalArgumentException("maxPendingWrites must be >= 1, got " + maxPendingWrites);
            }
            this.maxPendingWrites = maxPendingWrites;
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store, ready for calls
         * @throws IllegalArgumentException if no node was set or two nodes share an id
         */
        public KvStore build() {
            if (node == null) {
                throw new IllegalArgumentException("KvStore.Builder: node is required");
            }
            RaftNode same = nodesById.putIfAbsent(node.id(), node);
            if (same != null && same != node) {
                throw new IllegalArgumentException("KvStore.Builder: failover nodes hold another node with id "
                        + node.id());
            }
            return new KvStore(this);
        }
    }
}
