package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.node.NodeClosedException;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.ProposalDroppedException;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.ReadConsistency;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.Operation;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * Closed-loop clients of a {@link NodeSim}, talking to the real {@link RaftNode}s through {@link RaftNode#propose}
 * and {@link RaftNode#query} and seeing only what the futures tell them, as an application does; their history goes
 * to the linearizability checker.
 *
 * <p>Each client has one get, put or compare-and-set outstanding. Writes are proposed; reads are LINEARIZABLE or
 * (with the profile's lease fraction) LEASE queries. {@link NotLeaderException} and {@link OverloadedException} mean
 * the write was not taken: the client resends to the hinted leader. {@link ProposalDroppedException} and
 * {@link NodeClosedException} mean it was certainly not applied: resent too. An unknown outcome
 * ({@link OutcomeUnknownException}, or a read's {@link TimeoutException}) makes a write indeterminate, unless sessions
 * make a resend with the same sequence safe. A call to a node that is down is refused at once (no effect).
 *
 * <p>The client-visible invariants ({@link Invariant#CLIENT_OUTCOME}), checked as outcomes arrive and when a client
 * gives up:
 * <ul>
 *   <li>every future of a node that stays alive completes by its deadline (plus the time the node spent paused and a
 *   margin for clock skew);</li>
 *   <li>a successful write was applied by the node that answered (so it is committed: the invariant checker matches
 *   every apply against the committed log);</li>
 *   <li>a write reported dropped is never applied anywhere, before or after the report;</li>
 *   <li>"outcome unknown" never comes from a node that had applied the write itself in that incarnation.</li>
 * </ul>
 * An attempt is recognised in the log by its payload array, which the runtime and the simulated network pass on
 * without copying.
 *
 * <p>Not thread-safe: runs on the simulation's thread.
 */
final class SimClients implements SimObserver {

    /**
     * A deliberate lie told about outcomes, so that a test can show the client-outcome checks catch it; {@code NONE}
     * in every real run. The lie stands in for a runtime that reports the wrong outcome.
     */
    enum Misreport {
        NONE,
        /** A write failed with {@link ProposalDroppedException} (its entry overwritten) is reported a success. */
        DROPPED_AS_SUCCESS,
        /** A write whose outcome is unknown ({@link OutcomeUnknownException}) is reported dropped. */
        UNKNOWN_AS_DROPPED
    }

    /** One call to one node: a proposal or a query. */
    private static final class Attempt {
        final Client client;
        final long opId;
        final long nodeId;
        final NodeSim.Incarnation incarnation;
        final boolean write;
        final long submittedAt;
        final long pausedAtSubmit;
        CompletableFuture<byte[]> future;
        boolean dropped;
        long appliedAnywhereAt = -1;
        boolean appliedByIncarnation;

        Attempt(Client client, long nodeId, NodeSim.Incarnation incarnation, boolean write, long now, long paused) {
            this.client = client;
            this.opId = client.opId;
            this.nodeId = nodeId;
            this.incarnation = incarnation;
            this.write = write;
            this.submittedAt = now;
            this.pausedAtSubmit = paused;
        }
    }

    private static final class Client {
        final int id;
        long seq;
        long opId;
        KvModel.Input input;
        long callTime;
        boolean waiting;
        long hint;
        final List<Attempt> attempts = new ArrayList<>();

        Client(int id) {
            this.id = id;
        }
    }

    private final NodeSim sim;
    private final KvBackend codec;
    private final SplittableRandom random;
    private final double leaseFraction;
    private final int keys;
    private final long timeoutMicros;
    private final long latencyMicros;
    private final List<Client> clients = new ArrayList<>();
    private final Map<byte[], Attempt> byPayload = new IdentityHashMap<>();
    private final List<Attempt> open = new ArrayList<>();
    private final List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
    private Misreport misreport = Misreport.NONE;
    private boolean staleReads;
    private long forcedRetryMicros;
    private long resends;
    private int scenarioClients;
    private boolean stopped;
    private long completed;
    private long indeterminate;
    private long unknownOutcomes;
    private long droppedOutcomes;

    SimClients(NodeSim sim, int clientCount, int keys, double leaseFraction, long timeoutTicks) {
        this.sim = sim;
        this.codec = sim.codec();
        this.random = sim.random();
        this.leaseFraction = leaseFraction;
        this.keys = keys;
        this.timeoutMicros = timeoutTicks * sim.options().tickMicros();
        this.latencyMicros = Math.max(1, sim.options().latencyMinMicros());
        for (int i = 0; i < clientCount; i++) {
            clients.add(new Client(i));
        }
        sim.addObserver(this);
    }

    /**
     * Test-only sabotage: every read from now on is a {@link ReadConsistency#STALE} read, served from whatever node
     * the client reached; the linearizability check must catch the stale values.
     */
    void readStale() {
        this.staleReads = true;
    }

    /**
     * From now on, a write still unanswered after {@code ticks} ticks is sent again, with the same (client, sequence),
     * to a random node, and again every {@code ticks} ticks until it is answered: far more often than a client
     * would, so that the same write lands in the log twice and sessions (or {@link Invariant#EXACTLY_ONCE}) get
     * exercised.
     */
    void forceRetriesEvery(long ticks) {
        this.forcedRetryMicros = ticks * sim.options().tickMicros();
    }

    /** {@return writes sent again by {@link #forceRetriesEvery}} */
    long resends() {
        return resends;
    }

    /** Plants {@code lie} in every outcome reported from now on (see {@link Misreport}). */
    void misreport(Misreport lie) {
        this.misreport = lie;
    }

    /**
     * A scenario step outside the closed loop: one client sends one write to node {@code nodeId} now, through the
     * same checks as the swarm's clients; the node must be up. Returns the node's future.
     */
    CompletableFuture<byte[]> write(long nodeId, KvModel.Input input) {
        Client c = new Client(1000 + scenarioClients++);
        c.seq = 1;
        c.opId = ((long) c.id << 40) | c.seq;
        c.input = input;
        NodeSim.Member m = sim.member(nodeId);
        if (m.live == null) {
            throw new IllegalStateException("node " + nodeId + " is down");
        }
        Attempt a = new Attempt(c, nodeId, m.live, true, sim.nowMicros(), m.pausedMicros());
        sim.clientCall(c.id, nodeId, input);
        byte[] payload = codec.encode(input, c.id, c.seq);
        byPayload.put(payload, a);
        a.future = m.live.node.propose(payload);
        c.attempts.add(a);
        open.add(a);
        listen(a);
        return a.future;
    }

    void start() {
        for (Client c : clients) {
            sim.schedule(random.nextLong(sim.options().tickMicros()) + 1, "client " + c.id + " starts", () -> next(c));
        }
    }

    /** No new operations from now on. */
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

    /** Outcomes reported unknown (timeouts included) and dropped, over every attempt. */
    long unknownOutcomes() {
        return unknownOutcomes;
    }

    long droppedOutcomes() {
        return droppedOutcomes;
    }

    boolean idle() {
        for (Client c : clients) {
            if (c.waiting) {
                return false;
            }
        }
        return true;
    }

    /** Ends every outstanding operation as indeterminate, as if it timed out now. */
    void abandonOutstanding() {
        for (Client c : clients) {
            if (c.waiting) {
                giveUp(c, c.opId);
            }
        }
    }

    /**
     * At the end of a run, with every node up and calm for longer than a request timeout: every future of a live
     * incarnation must have completed.
     */
    void checkAllFuturesCompleted() {
        for (Attempt a : open) {
            checkCompletes(a);
        }
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
            c.input = expected == KvModel.ABSENT ? KvModel.Input.put(key, fresh)
                    : KvModel.Input.cas(key, expected, fresh);
        }
        c.callTime = sim.nowMicros();
        c.waiting = true;
        long op = c.opId;
        sim.schedule(timeoutMicros, "client " + c.id + " op " + c.seq + " times out", () -> giveUp(c, op));
        send(c, c.hint != 0 ? c.hint : 1 + random.nextInt(sim.size()));
        if (forcedRetryMicros > 0 && c.input.kind() != KvModel.Kind.GET) {
            sim.schedule(forcedRetryMicros, "client " + c.id + " op " + c.seq + " re-sends", () -> resend(c, op));
        }
    }

    private void resend(Client c, long op) {
        if (!c.waiting || c.opId != op) {
            return;
        }
        resends++;
        send(c, 1 + random.nextInt(sim.size()));
        sim.schedule(forcedRetryMicros, "client " + c.id + " op " + c.seq + " re-sends", () -> resend(c, op));
    }

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
        sim.schedule(latencyMicros + random.nextLong(latencyMicros + 1),
                "client " + c.id + " op " + c.seq + " " + c.input + " reaches n" + nodeId, () -> arrive(c, op, nodeId));
    }

    private void arrive(Client c, long op, long nodeId) {
        if (!c.waiting || c.opId != op) {
            return;
        }
        NodeSim.Member m = sim.member(nodeId);
        if (m.live == null) {
            retry(c, 0); // connection refused: nothing happened
            return;
        }
        boolean write = c.input.kind() != KvModel.Kind.GET;
        Attempt a = new Attempt(c, nodeId, m.live, write, sim.nowMicros(), m.pausedMicros());
        RaftNode node = m.live.node;
        sim.clientCall(c.id, nodeId, c.input);
        if (write) {
            byte[] payload = codec.encode(c.input, c.id, c.seq);
            byPayload.put(payload, a);
            a.future = node.propose(payload);
        } else {
            ReadConsistency consistency = staleReads ? ReadConsistency.STALE
                    : random.nextDouble() < leaseFraction ? ReadConsistency.LEASE : ReadConsistency.LINEARIZABLE;
            a.future = node.query(KvNodeStateMachine.encodeRead(c.input.key()), consistency);
        }
        c.attempts.add(a);
        open.add(a);
        listen(a);
    }

    /**
     * Checks the attempt's outcome where its future completes (a stage of the node, inside the simulation); the
     * client hears of it one client-link latency later. A {@code whenComplete} callback's exception only completes the
     * derived future, which nobody reads, so a violation found here is handed to the simulation to throw after the
     * event.
     */
    private void listen(Attempt a) {
        a.future.whenComplete((result, failure) -> {
            try {
                outcome(a, result, failure);
            } catch (RuntimeException e) {
                sim.raise(e);
            }
        });
    }

    private void outcome(Attempt a, byte[] result, Throwable failure) {
        open.remove(a);
        Client c = a.client;
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (misreport == Misreport.DROPPED_AS_SUCCESS && cause instanceof ProposalDroppedException) {
            cause = null;
            result = KvNodeStateMachine.encodeOutput(KvModel.Output.ok(true));
        } else if (misreport == Misreport.UNKNOWN_AS_DROPPED && cause instanceof OutcomeUnknownException) {
            cause = new ProposalDroppedException("misreported: " + cause.getMessage());
        }
        sim.clientOutcome(c.id, a.nodeId, c.input, result, cause);
        if (cause == null) {
            KvModel.Output out;
            if (a.write) {
                if (!a.appliedByIncarnation) {
                    throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + a.nodeId + " answered client " + c.id
                            + " op " + c.input + " with success but never applied it");
                }
                out = KvNodeStateMachine.decodeOutput(result);
            } else {
                out = KvModel.Output.value(KvNodeStateMachine.decodeValue(result));
            }
            reply(c, a.opId, out);
            return;
        }
        if (cause instanceof NotLeaderException) {
            long hint = ((NotLeaderException) cause).leaderHint();
            answerLater(c, a.opId, () -> retry(c, hint));
        } else if (cause instanceof OverloadedException) {
            answerLater(c, a.opId, () -> retry(c, a.nodeId));
        } else if (cause instanceof ProposalDroppedException || cause instanceof NodeClosedException) {
            // Both mean "certainly not applied": dropped after another entry committed in its place, or refused by
            // a node that stopped before the request reached its log.
            droppedOutcomes++;
            a.dropped = true;
            if (a.appliedAnywhereAt >= 0) {
                throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + a.nodeId + " reported client " + c.id
                        + " op " + c.input + " dropped (" + cause.getMessage() + ") but it was applied at index "
                        + a.appliedAnywhereAt);
            }
            answerLater(c, a.opId, () -> retry(c, 0));
        } else if (cause instanceof OutcomeUnknownException || cause instanceof TimeoutException) {
            unknownOutcomes++;
            if (a.appliedByIncarnation) {
                throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + a.nodeId + " reported the outcome of client "
                        + c.id + " op " + c.input + " unknown (" + cause + ") although it had applied it");
            }
            if (!a.write || codec.dedupesRetries()) {
                answerLater(c, a.opId, () -> retry(c, 0));
            } else {
                answerLater(c, a.opId, () -> giveUp(c, a.opId));
            }
        } else {
            throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + a.nodeId + " failed client " + c.id + " op "
                    + c.input + " with an unexpected " + cause, cause);
        }
    }

    private void answerLater(Client c, long op, Runnable then) {
        sim.schedule(latencyMicros + random.nextLong(latencyMicros + 1), "client " + c.id + " hears an outcome",
                () -> {
                    if (c.waiting && c.opId == op) {
                        then.run();
                    }
                });
    }

    private void retry(Client c, long hint) {
        c.hint = hint;
        long target = hint != 0 ? hint : 1 + random.nextInt(sim.size());
        long op = c.opId;
        sim.schedule(sim.options().tickMicros() / 4, "client " + c.id + " retries at n" + target, () -> {
            if (c.waiting && c.opId == op) {
                send(c, target);
            }
        });
    }

    private void reply(Client c, long op, KvModel.Output result) {
        sim.schedule(latencyMicros + random.nextLong(latencyMicros + 1), "client " + c.id + " op " + c.seq
                + " gets " + result, () -> {
                    if (c.waiting && c.opId == op) {
                        history.add(Operation.completed(c.id, c.input, result, c.callTime, sim.nowMicros()));
                        completed++;
                        finish(c);
                    }
                });
    }

    private void giveUp(Client c, long op) {
        if (!c.waiting || c.opId != op) {
            return;
        }
        for (Attempt a : c.attempts) {
            checkCompletes(a);
        }
        if (c.input.kind() != KvModel.Kind.GET) {
            history.add(Operation.pending(c.id, c.input, c.callTime));
        }
        indeterminate++;
        c.hint = 0;
        finish(c);
    }

    /** A future of an incarnation still alive must complete within its deadline, pauses and a margin aside. */
    private void checkCompletes(Attempt a) {
        if (a.future == null || a.future.isDone()) {
            return;
        }
        NodeSim.Member m = sim.member(a.nodeId);
        if (m.live != a.incarnation || m.paused) {
            return; // crashed (its futures die with it) or frozen right now
        }
        long tick = sim.options().tickMicros();
        long waited = sim.nowMicros() - a.submittedAt - (m.pausedMicros() - a.pausedAtSubmit);
        long bound = (long) (sim.requestTimeoutMicros() * 1.25) + 4 * tick;
        if (waited > bound) {
            throw sim.violation(Invariant.CLIENT_OUTCOME, "the future of client " + a.client.id + "'s "
                    + (a.write ? "proposal" : "query") + " on node " + a.nodeId + " is still pending after "
                    + waited / tick + " ticks awake (request timeout " + sim.requestTimeoutMicros() / tick
                    + " ticks)");
        }
    }

    private void finish(Client c) {
        c.waiting = false;
        c.attempts.clear();
        sim.schedule(1 + random.nextLong(sim.options().tickMicros() / 2), "client " + c.id + " thinks",
                () -> next(c));
    }

    @Override
    public void beforeApply(long nodeId, LogEntry entry) {
        Attempt a = byPayload.get(entry.payload());
        if (a != null && a.dropped) {
            throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + nodeId + " applies " + entry + ", client "
                    + a.client.id + "'s write that node " + a.nodeId + " reported dropped");
        }
    }

    @Override
    public void afterApply(long nodeId, LogEntry entry, KvModel.Output output) {
        Attempt a = byPayload.get(entry.payload());
        if (a == null) {
            return;
        }
        a.appliedAnywhereAt = entry.index();
        NodeSim.Member m = sim.member(nodeId);
        if (nodeId == a.nodeId && m.live == a.incarnation) {
            a.appliedByIncarnation = true;
        }
    }
}
