package dev.sansraft.examples.server;

import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.examples.http.HttpProblem;
import dev.sansraft.examples.http.KvBackend;
import dev.sansraft.examples.http.NotLeaderFailure;
import dev.sansraft.examples.http.UnavailableFailure;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.CasResult;
import dev.sansraft.kv.DeleteResult;
import dev.sansraft.kv.GetResult;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvError;
import dev.sansraft.kv.KvResult;
import dev.sansraft.kv.PutResult;
import dev.sansraft.kv.SessionTag;
import dev.sansraft.node.LeadershipTransferException;
import dev.sansraft.node.MembershipChangeException;
import dev.sansraft.node.NodeClosedException;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.ProposalDroppedException;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.ReadConsistency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP API's backend over one {@link RaftNode} running a {@link dev.sansraft.kv.KvStateMachine}: encodes
 * commands with {@link KvCommandCodec}, proposes writes, runs reads as queries at the requested consistency, and
 * translates the node's failures into the API's.
 *
 * <p>It talks to the node directly instead of through {@code KvStore} on purpose: an HTTP request must not be
 * retried behind the client's back (a follower answers writes with 307 and the client follows it), and the session
 * tag must be exactly the client's own {@code Client-Id}/{@code Request-Seq}, so that the client's retry is the one
 * the state machine deduplicates (issue 7). Linearizable reads are served on every node: a follower asks the leader
 * for a read index and answers from its own state machine once it has applied that far.
 *
 * <p>Thread-safe: stateless apart from the node and the codec, both thread-safe.
 */
public final class RaftKvBackend implements KvBackend {
    private final RaftNode node;
    private final KvCommandCodec codec;

    /**
     * A backend over {@code node}, encoding commands with {@code codec}.
     *
     * @param node the local node; the caller keeps owning it
     * @param codec the codec matching the state machine's limits
     */
    public RaftKvBackend(RaftNode node, KvCommandCodec codec) {
        this.node = node;
        this.codec = codec;
    }

    @Override
    public CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session) {
        byte[] command = encode(new KvCommand.Put(tag(session), Bytes.copyOf(key), Bytes.copyOf(value)));
        return node.propose(command).handle((bytes, failure) ->
                new Written(expect(bytes, failure, PutResult.class).index()));
    }

    @Override
    public CompletableFuture<Deleted> delete(byte[] key, ClientSession session) {
        byte[] command = encode(new KvCommand.Delete(tag(session), Bytes.copyOf(key)));
        return node.propose(command).handle((bytes, failure) -> {
            DeleteResult r = expect(bytes, failure, DeleteResult.class);
            return new Deleted(r.existed(), r.index());
        });
    }

    @Override
    public CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value,
                                                    ClientSession session) {
        byte[] command = encode(new KvCommand.CompareAndSet(tag(session), Bytes.copyOf(key), Bytes.copyOf(expected),
                Bytes.copyOf(value)));
        return node.propose(command).handle((bytes, failure) -> {
            CasResult r = expect(bytes, failure, CasResult.class);
            Swapped.Outcome outcome = switch (r.outcome()) {
                case SWAPPED -> Swapped.Outcome.SWAPPED;
                case MISMATCH -> Swapped.Outcome.MISMATCH;
                case ABSENT -> Swapped.Outcome.ABSENT;
            };
            return new Swapped(outcome, r.index());
        });
    }

    @Override
    public CompletableFuture<ReadResult> get(byte[] key, ReadLevel level) {
        if (level == ReadLevel.LEASE || level == ReadLevel.LOG) {
            // Issue 17: a follower serves linearizable reads itself, through a read index it asks the leader for
            // (thesis §6.4), which spares the client a hop and spreads the reading over every node. A lease read
            // keeps its redirect, since only the leader holds the lease that lets it skip the round; a read through
            // the log is a write. A follower cut off from the leader fails the read once its request for a read
            // index expires (an election timeout), and the client gets the 307 or 503 it would have got at once.
            RaftStatus s = node.status();
            if (!s.isLeader()) {
                return CompletableFuture.failedFuture(new NotLeaderFailure(s.leaderId()));
            }
        }
        byte[] query = encode(new KvCommand.Get(null, Bytes.copyOf(key)));
        CompletableFuture<byte[]> answer = switch (level) {
            case LINEARIZABLE -> node.query(query, ReadConsistency.LINEARIZABLE);
            case LEASE -> node.query(query, ReadConsistency.LEASE);
            case STALE -> node.query(query, ReadConsistency.STALE);
            case LOG -> node.propose(query);
        };
        return answer.handle((bytes, failure) -> {
            GetResult r = expect(bytes, failure, GetResult.class);
            return new ReadResult(r.value(), r.appliedIndex());
        });
    }

    @Override
    public RaftStatus status() {
        return node.status();
    }

    @Override
    public Members members() {
        return members(node.status());
    }

    /** The configuration in {@code s}: the leader reports every member's match index, other nodes only their own. */
    static Members members(RaftStatus s) {
        Membership m = s.membership();
        return new Members(memberList(m.voters(), s), memberList(m.learners(), s), m.isJoint());
    }

    private static List<Member> memberList(List<Membership.Member> members, RaftStatus s) {
        List<Member> list = new ArrayList<>(members.size());
        for (Membership.Member m : members) {
            long match = m.id() == s.id() ? s.lastLogIndex() : s.isLeader() ? Math.max(0, s.matchIndexOf(m.id())) : -1;
            list.add(new Member(m.id(), m.endpoint(), match));
        }
        return list;
    }

    @Override
    public CompletableFuture<Members> addLearner(long id, String endpoint) {
        try {
            PeerSpec.parseEndpoint(id, endpoint);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new HttpProblem(400, "endpoint: " + e.getMessage()));
        }
        return membershipOutcome(node.addLearner(id, endpoint));
    }

    @Override
    public CompletableFuture<Members> promote(long id) {
        return membershipOutcome(node.promote(id));
    }

    @Override
    public CompletableFuture<Members> remove(long id) {
        return membershipOutcome(node.remove(id));
    }

    private CompletableFuture<Members> membershipOutcome(CompletableFuture<Membership> change) {
        return change.handle((m, failure) -> {
            if (failure != null) {
                throw translate(failure);
            }
            // The committed configuration, with the progress the leader knows now.
            return members(node.status());
        });
    }

    @Override
    public CompletableFuture<Long> transferLeadership(long id) {
        return node.transferLeadership(id).handle((done, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof LeadershipTransferException t
                        && t.reason() == LeadershipTransferException.Reason.INVALID_TARGET
                        && !node.status().membership().contains(id)) {
                    throw new HttpProblem(404, "node " + id + " is not a member");
                }
                throw translate(failure);
            }
            return id;
        });
    }

    @Override
    public String httpUrlOf(long id) {
        Membership.Member m = node.status().membership().member(id);
        if (m == null || m.endpoint().isEmpty()) {
            return null;
        }
        try {
            return PeerSpec.parseEndpoint(id, m.endpoint()).httpBaseUrl();
        } catch (IllegalArgumentException e) {
            return null; // an endpoint of another form: no redirect, the client gets 503 and retries elsewhere
        }
    }

    @Override
    public String metricsText() {
        return node.metrics().toPrometheus();
    }

    private static SessionTag tag(ClientSession session) {
        // One write outstanding per HTTP client: every earlier response has been received (SessionTag's contract).
        return session == null ? null : new SessionTag(session.clientId(), session.sequence(), session.sequence());
    }

    private byte[] encode(KvCommand command) {
        try {
            return codec.encode(command);
        } catch (IllegalArgumentException e) {
            throw new HttpProblem(400, e.getMessage());
        }
    }

    /** Decodes the state machine's result, or translates the node's failure; throws to fail the future. */
    private <T extends KvResult> T expect(byte[] bytes, Throwable failure, Class<T> type) {
        if (failure != null) {
            throw translate(failure);
        }
        KvResult result = codec.decodeResult(bytes);
        if (result instanceof KvResult.Failure f) {
            if (f.error() == KvError.STALE_SEQUENCE) {
                throw new HttpProblem(409, "Request-Seq is older than this client's last write: " + f.message());
            }
            throw new HttpProblem(400, f.message());
        }
        if (!type.isInstance(result)) {
            throw new IllegalStateException("expected a " + type.getSimpleName() + " from the state machine, got "
                    + result);
        }
        return type.cast(result);
    }

    static RuntimeException translate(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof NotLeaderException nl) {
            return new NotLeaderFailure(nl.leaderHint());
        }
        if (cause instanceof OverloadedException) {
            return new UnavailableFailure("overloaded, not applied; retry shortly");
        }
        if (cause instanceof ProposalDroppedException) {
            return new UnavailableFailure("write lost in a leader change, not applied; retry");
        }
        if (cause instanceof OutcomeUnknownException) {
            return new UnavailableFailure("outcome unknown (the write may or may not take effect); retry (with"
                    + " Client-Id and Request-Seq to apply it at most once)");
        }
        if (cause instanceof TimeoutException) {
            return new UnavailableFailure("read timed out; retry");
        }
        if (cause instanceof MembershipChangeException m) {
            int status = m.reason() == MembershipChangeException.Reason.UNKNOWN_MEMBER ? 404 : 409;
            return new HttpProblem(status, m.getMessage());
        }
        if (cause instanceof LeadershipTransferException t) {
            return switch (t.reason()) {
                case INVALID_TARGET, IN_PROGRESS -> new HttpProblem(409, t.getMessage());
                case TIMED_OUT, SUPERSEDED -> new UnavailableFailure(t.getMessage() + "; retry");
            };
        }
        if (cause instanceof NodeClosedException) {
            return new UnavailableFailure("node is shutting down, not applied; retry on another node");
        }
        return cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }
}
