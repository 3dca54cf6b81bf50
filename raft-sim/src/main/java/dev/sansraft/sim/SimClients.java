package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.LogEntry;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Closed-loop simulated clients running get, put and compare-and-set on a few keys against a {@link SimCluster}, and
 * the history they observe, for the linearizability check.
 *
 * <p>Each client has one operation outstanding. It sends it to the node it believes leads (or a random one), after a
 * client-link latency. A rejection or a dropped proposal means the operation definitely did not happen, so the
 * client resends the same operation to the hinted leader. Writes and CAS go through the log; reads use
 * {@code Event.ReadIndex} (sometimes with the lease flag) or, in the read-through-log variant, go through the log as
 * well. When {@code retryTicks} is positive (the swarm sets it when the backend dedupes by client session), a write
 * still unanswered {@code retryTicks} after it was sent is re-sent with the same (client, sequence) and input to the
 * hinted leader or a random node, as a real client does after a timeout or a leader change: both copies may end up
 * in the log, and the session must make the second one a no-op ({@link Invariant#EXACTLY_ONCE}). The first answer
 * from any attempt completes the operation. A {@code ProposalUnknown} outcome (a snapshot covered the proposal before
 * the node applied it) makes a write indeterminate, unless sessions make a re-send safe, in which case it is re-sent
 * with the same sequence, like a read. An operation unanswered after {@code timeoutTicks} becomes
 * indeterminate: a write stays in the history with no return time (it may or may not have happened); a read is
 * dropped from it (it had no effect). Values written are unique per operation, which keeps the linearizability
 * search small.
 *
 * <p>Not thread-safe: runs on the simulation's thread.
 */
final class SimClients implements SimObserver {

    /**
     * How reads are served. {@code LOCAL_UNSAFE} reads whatever the contacted node has applied, with no ReadIndex:
     * stale reads, for tests that show the linearizability check catches them; never used by the swarm.
     */
    enum ReadMode { READ_INDEX, THROUGH_LOG, LOCAL_UNSAFE }

    private final class Client {
        final int id;
        long seq;
        long opId;
        KvModel.Input input;
        long callTime;
        boolean waiting;
        long hint;
        long attemptId;
        long acceptedAt;
        /** Every attempt of the current operation still awaiting an answer; the first answer wins. */
        final List<Long> attempts = new ArrayList<>();
        /** Sends of the current operation so far; a retry timer only fires if no later send happened. */
        int sends;

        Client(int id) {
            this.id = id;
        }
    }

    private final SimCluster cluster;
    private final KvBackend codec;
    private final SplittableRandom random;
    private final ReadMode readMode;
    private final double leaseFraction;
    private final int keys;
    private final long timeoutMicros;
    private final long latencyMicros;
    private final long retryMicros;
    private final List<Client> clients = new ArrayList<>();
    private final Map<Long, Client> byAttempt = new HashMap<>();
    private final List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
    private boolean stopped;
    private long completed;
    private long indeterminate;
    private long resends;
    private long unknownRetried;

    SimClients(SimCluster cluster, int clientCount, int keys, ReadMode readMode, double leaseFraction,
               long timeoutTicks, long retryTicks) {
        this.cluster = cluster;
        this.codec = cluster.engine().newStateMachine();
        this.random = cluster.random();
        this.readMode = readMode;
        this.leaseFraction = leaseFraction;
        this.keys = keys;
        this.timeoutMicros = timeoutTicks * cluster.options().tickMicros();
        this.latencyMicros = Math.max(1, cluster.options().latencyMinMicros());
        this.retryMicros = Math.max(0, retryTicks) * cluster.options().tickMicros();
        for (int i = 0; i < clientCount; i++) {
            clients.add(new Client(i));
        }
        cluster.addObserver(this);
    }

    /** Starts every client. */
    void start() {
        for (Client c : clients) {
            cluster.schedule(random.nextLong(cluster.options().tickMicros()) + 1, "client " + c.id + " starts",
                    () -> next(c));
        }
    }

    /** No new operations from now on; outstanding ones still complete or time out. */
    void stop() {
        stopped = true;
    }

    List<Operation<KvModel.Input, KvModel.Output>> history() {
        return history;
    }

    long completed() {
        return completed;
    }

    long indeterminate() {
        return indeterminate;
    }

    /** Operations re-sent after a {@code ProposalUnknown} outcome (reads, and writes under a session). */
    long unknownRetried() {
        return unknownRetried;
    }

    /** Writes re-sent because no answer came within the retry interval. */
    long resends() {
        return resends;
    }

    /**
     * Ends the run for every client still waiting: its operation becomes indeterminate, as if it had timed out now.
     * Without this, a write still in flight at the end would be missing from the history while a completed operation
     * may already have observed its value.
     */
    void abandonOutstanding() {
        for (Client c : clients) {
            if (c.waiting) {
                timeout(c, c.opId);
            }
        }
    }

    /** Whether every client has finished its last operation. */
    boolean idle() {
        for (Client c : clients) {
            if (c.waiting) {
                return false;
            }
        }
        return true;
    }

    private void next(Client c) {
        if (stopped) {
            return;
        }
        c.seq++;
        c.opId = ((long) c.id << 40) | c.seq;
        int key = random.nextInt(keys);
        long fresh = (long) (c.id + 1) * 1_000_000_000L + c.seq;
        int pick = random.nextInt(10);
        if (pick < 4) {
            c.input = KvModel.Input.get(key);
        } else if (pick < 8) {
            c.input = KvModel.Input.put(key, fresh);
        } else {
            long expected = lastValueSeen(key);
            // Never expect ABSENT: raft-kv's compare-and-set fails on an absent key where the model's would succeed.
            c.input = expected == KvModel.ABSENT ? KvModel.Input.put(key, fresh)
                    : KvModel.Input.cas(key, expected, fresh);
        }
        c.callTime = cluster.nowMicros();
        c.waiting = true;
        c.sends = 0;
        long op = c.opId;
        cluster.schedule(timeoutMicros, "client " + c.id + " op " + c.seq + " times out", () -> timeout(c, op));
        send(c, c.hint != 0 ? c.hint : 1 + random.nextInt(cluster.size()));
    }

    /** A plausible CAS expectation: the last value any completed operation saw or wrote on the key. */
    private long lastValueSeen(int key) {
        for (int i = history.size() - 1; i >= 0 && i >= history.size() - 50; i--) {
            Operation<KvModel.Input, KvModel.Output> op = history.get(i);
            if (op.input().key() == key && !op.isPending()) {
                boolean read = op.input().kind() == KvModel.Kind.GET
                        || (op.input().kind() == KvModel.Kind.CAS && !op.output().ok());
                return read ? op.output().value() : op.input().value();
            }
        }
        return KvModel.ABSENT;
    }

    private void send(Client c, long nodeId) {
        long op = c.opId;
        int sendNo = ++c.sends;
        cluster.schedule(latencyMicros + random.nextLong(latencyMicros + 1),
                "client " + c.id + " op " + c.seq + " " + c.input + " reaches n" + nodeId, () -> arrive(c, op, nodeId));
        if (retryMicros > 0 && c.input.kind() != KvModel.Kind.GET) {
            cluster.schedule(retryMicros, "client " + c.id + " op " + c.seq + " retry timer", () -> {
                if (c.waiting && c.opId == op && c.sends == sendNo) {
                    // No answer yet: the leader may have changed or the answer been lost. Same (client, sequence).
                    long target = c.hint != 0 && random.nextBoolean() ? c.hint : 1 + random.nextInt(cluster.size());
                    resends++;
                    send(c, target);
                }
            });
        }
    }

    private void arrive(Client c, long op, long nodeId) {
        if (!c.waiting || c.opId != op || !cluster.isUp(nodeId)) {
            return;
        }
        long attempt = cluster.nextCorrelationId();
        c.attemptId = attempt;
        c.acceptedAt = 0;
        c.attempts.add(attempt);
        byAttempt.put(attempt, c);
        if (c.input.kind() == KvModel.Kind.GET && readMode == ReadMode.LOCAL_UNSAFE) {
            reply(c, KvModel.Output.value(cluster.node(nodeId).stateMachine.get(c.input.key())));
        } else if (c.input.kind() == KvModel.Kind.GET && readMode == ReadMode.READ_INDEX) {
            cluster.readIndex(nodeId, attempt, random.nextDouble() < leaseFraction);
        } else {
            byte[] payload = codec.encode(c.input, c.id, c.seq);
            cluster.propose(nodeId, attempt, payload);
        }
    }

    private void retry(Client c, long leaderHint) {
        c.hint = leaderHint;
        long target = leaderHint != 0 ? leaderHint : 1 + random.nextInt(cluster.size());
        long op = c.opId;
        cluster.schedule(cluster.options().tickMicros() / 4, "client " + c.id + " retries at n" + target,
                () -> {
                    if (c.waiting && c.opId == op) {
                        send(c, target);
                    }
                });
    }

    @Override
    public void onProposalOutcome(SimNode node, Action.ProposalOutcome outcome) {
        Client c = byAttempt.get(outcome.correlationId());
        if (c == null || !c.waiting) {
            return;
        }
        if (outcome.correlationId() != c.attemptId) {
            // An earlier attempt of the same operation: it may still answer, but a later one already exists.
            if (!(outcome instanceof Action.ProposalAccepted)) {
                byAttempt.remove(outcome.correlationId());
            }
            return;
        }
        if (outcome instanceof Action.ProposalAccepted) {
            c.acceptedAt = node.id;
            c.hint = node.id;
        } else if (outcome instanceof Action.ProposalRejected) {
            byAttempt.remove(outcome.correlationId());
            retry(c, ((Action.ProposalRejected) outcome).leaderHint());
        } else if (outcome instanceof Action.ProposalUnknown) {
            byAttempt.remove(outcome.correlationId());
            if (c.input.kind() == KvModel.Kind.GET || codec.dedupesRetries()) {
                // A read has no effect, and a session applies a re-sent write at most once: retry, same sequence.
                unknownRetried++;
                retry(c, 0);
            } else {
                // Maybe applied, maybe not, and no session to ask: indeterminate, as after a timeout.
                timeout(c, c.opId);
            }
        } else {
            byAttempt.remove(outcome.correlationId());
            retry(c, 0);
        }
    }

    @Override
    public void onProposalApplied(SimNode node, long correlationId, LogEntry entry, KvModel.Output result) {
        Client c = byAttempt.remove(correlationId);
        if (c != null && c.waiting && result != null) {
            reply(c, result);
        }
    }

    @Override
    public void onReadServable(SimNode node, long readId) {
        Client c = byAttempt.remove(readId);
        if (c != null && c.waiting) {
            c.hint = node.status.leaderId();
            reply(c, KvModel.Output.value(node.stateMachine.get(c.input.key())));
        }
    }

    @Override
    public void onReadRejected(SimNode node, long readId, long leaderHint) {
        Client c = byAttempt.remove(readId);
        if (c != null && c.waiting) {
            retry(c, leaderHint);
        }
    }

    private void reply(Client c, KvModel.Output result) {
        long op = c.opId;
        cluster.schedule(latencyMicros + random.nextLong(latencyMicros + 1), "client " + c.id + " op " + c.seq
                + " gets " + result, () -> {
                    if (c.waiting && c.opId == op) {
                        history.add(Operation.completed(c.id, c.input, result, c.callTime, cluster.nowMicros()));
                        completed++;
                        finish(c);
                    }
                });
    }

    private void timeout(Client c, long op) {
        if (!c.waiting || c.opId != op) {
            return;
        }
        if (c.input.kind() != KvModel.Kind.GET) {
            // A read that timed out had no effect and tells nothing; only writes stay, as indeterminate.
            history.add(Operation.pending(c.id, c.input, c.callTime));
        }
        indeterminate++;
        c.hint = 0;
        finish(c);
    }

    private void finish(Client c) {
        c.waiting = false;
        for (Long attempt : c.attempts) {
            byAttempt.remove(attempt);
        }
        c.attempts.clear();
        cluster.schedule(1 + random.nextLong(cluster.options().tickMicros() / 2), "client " + c.id + " thinks",
                () -> next(c));
    }
}
