package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftCore;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The simulation engine under {@link SimCluster}: the virtual clock, the single (time, sequence) event queue, the
 * seeded random source, and the execution of every node's actions under the contract of {@link Action}.
 *
 * <p>Hard state is durable at once (synchronous writes); log writes go to the node's in-memory log immediately and
 * become durable when the simulated disk syncs, after which the node gets {@link Event.Persisted}; sends go through
 * the {@link SimNetwork}; applies go to the node's {@link KvBackend}; snapshot actions go to {@link SnapshotActions}.
 * With invariant checking on, the {@link InvariantChecker} sees every step. Every processed event is folded into
 * {@link #traceHash()}.
 *
 * <p>Not thread-safe: one thread drives a run.
 */
final class SimEngine implements InvariantChecker.Reporter {

    private final long seed;
    private final SimOptions options;
    private final SplittableRandom random;
    private final EventQueue queue = new EventQueue();
    private final SimNode[] nodes;
    private final List<Long> members;
    private final SimNetwork network;
    private final InvariantChecker checker;
    private final RecentEvents recent;
    private final List<SimObserver> observers = new ArrayList<>();
    private final Map<IndexTerm, String> dropped = new HashMap<>();
    private final long[] deliveryTimes = new long[4];
    private long now;
    private long traceHash = 0xcbf29ce484222325L;
    private long events;
    private long nextCorrelationId = 1;
    private long maxAckedIndex;
    private Action.ProposalOutcome lastOutcome;
    private int acceptedInBatch;
    /** Benchmark-only: accumulate the time spent inside {@code RaftCore.step} in {@link #coreNanos}. */
    boolean measureCoreNanos;
    /** Whether nodes run raft-kv's state machine instead of the simulator's own store. */
    boolean raftKv;
    long coreNanos;
    /**
     * Test-only sabotage: the disk reports log writes persisted as soon as they are issued, while a crash still loses
     * what was not really synced (a disk that lies about fsync). Never set otherwise.
     */
    boolean sabotageLyingDisk;
    /** Test-only sabotage: every snapshot taken has its last byte flipped before it is stored. Never set otherwise. */
    boolean sabotageSnapshots;
    private long duplicatesWithoutEffect;
    private long proposalsUnknown;
    private final SnapshotActions snapshotActions = new SnapshotActions(this);
    /**
     * Probability of crashing a node right after it starts taking a snapshot, writes a received chunk or learns a
     * snapshot is saved (a crash then lands during the snapshot write, the install or before the reset is durable).
     * Per chunk the rate is a tenth of it, since a transfer has many chunks.
     */
    double snapshotCrashRate;

    private record IndexTerm(long index, long term) {
    }

    SimEngine(int n, long seed, SimOptions options) {
        if (n < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, got " + n);
        }
        this.seed = seed;
        this.options = options;
        this.random = new SplittableRandom(seed);
        this.nodes = new SimNode[n];
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes[i] = new SimNode(i);
            ids.add(i + 1L);
        }
        this.members = List.copyOf(ids);
        this.network = new SimNetwork(n, options, random);
        this.checker = new InvariantChecker(n, this);
        this.recent = new RecentEvents(options.recentEventCount(), options.tickMicros());
        for (SimNode node : nodes) {
            double skew = options.clockSkew() == 0 ? 0 : (random.nextDouble() * 2 - 1) * options.clockSkew();
            node.tickPeriodMicros = Math.max(1, Math.round(options.tickMicros() * (1 + skew)));
        }
    }

    // ---------------------------------------------------------------- accessors

    long seed() {
        return seed;
    }

    SimOptions options() {
        return options;
    }

    SplittableRandom random() {
        return random;
    }

    SimNode[] nodes() {
        return nodes;
    }

    SimNetwork network() {
        return network;
    }

    InvariantChecker checker() {
        return checker;
    }

    long now() {
        return now;
    }

    double tick() {
        return now / (double) options.tickMicros();
    }

    long events() {
        return events;
    }

    long traceHash() {
        return traceHash;
    }

    long maxAckedIndex() {
        return maxAckedIndex;
    }

    List<Long> members() {
        return members;
    }

    void addObserver(SimObserver observer) {
        observers.add(observer);
    }

    String recentEvents() {
        return recent.format();
    }

    // ---------------------------------------------------------------- node lifecycle

    /** A fresh state machine of the configured kind (also the codec clients encode with). */
    KvBackend newStateMachine() {
        return raftKv ? new RaftKvBackend() : new SimStateMachine();
    }

    /** Counters of the snapshot actions executed so far. */
    SnapshotActions.Stats snapshotStats() {
        return snapshotActions.stats;
    }

    /** Outcomes {@code ProposalUnknown} reported so far, over every node. */
    long proposalsUnknown() {
        return proposalsUnknown;
    }

    /** Crashes a node: volatile state gone, unsynced writes lost (or a prefix kept). */
    void crash(SimNode node) {
        node.disk.crash(random, options.tornCrashRate());
        node.snapshots.crash();
        node.loseVolatileState();
        checker.onCrash(node.slot);
    }

    /** Starts a node from its durable state and schedules its first tick. */
    void start(SimNode node) {
        RaftConfig config = options.raftConfig().toBuilder()
                .randomSeed(seed * 0x9E3779B97F4A7C15L + node.id * 1_000_003L + node.incarnation).build();
        SimSnapshots.Stored snapshot = snapshotActions.recover(node);
        InMemoryLog log = node.disk.rebuildLog();
        HardState hs = node.disk.hardState();
        KvBackend stateMachine = newStateMachine();
        if (snapshot != null) {
            try {
                stateMachine.restoreSnapshot(snapshot.payload());
            } catch (RuntimeException e) {
                throw violation(Invariant.SNAPSHOT, "node " + node.id + " cannot restore its snapshot "
                        + snapshot.info() + " on restart: " + e, e);
            }
        }
        RaftCore core;
        try {
            core = RaftCore.create(node.id, members, config, log, hs,
                    Optional.ofNullable(snapshot == null ? null : snapshot.info()));
        } catch (RuntimeException e) {
            throw violation(Invariant.CORE_EXCEPTION, "node " + node.id + " failed to start: " + e, e);
        }
        node.core = core;
        node.log = log;
        node.stateMachine = stateMachine;
        node.status = NodeState.of(core);
        node.up = true;
        if (options.checkInvariants()) {
            if (sabotageLyingDisk) {
                // The durable-state check would fire at once; the test wants the damage to surface elsewhere.
                checker.onRestoredApplied(node.slot, node.status.appliedIndex());
            } else {
                checker.onRestart(node.slot, node.disk.hardState(), node.disk.durableLog(),
                        node.disk.reportedIndex(), node.disk.reportedTerm(), node.status);
            }
            if (snapshot != null) {
                if (stateMachine.appliedIndex() != node.status.appliedIndex()) {
                    throw violation(Invariant.SNAPSHOT, "node " + node.id + " restarted from snapshot "
                            + snapshot.info() + ": state machine at " + stateMachine.appliedIndex()
                            + " but the core's applied index is " + node.status.appliedIndex(), null);
                }
                checker.onDigest(node.slot, stateMachine.appliedIndex(), stateMachine.digest());
            }
        }
        queue.schedule(now + random.nextLong(node.tickPeriodMicros) + 1,
                new SimEvent.Tick(node.slot, node.incarnation));
    }

    // ---------------------------------------------------------------- running

    void runForMicros(long micros) {
        long until = now + micros;
        while (!queue.isEmpty() && queue.peekTime() <= until) {
            processOne();
        }
        now = until;
    }

    /**
     * Runs until {@code condition} holds (tested before the first event and after each one) or {@code maxTicks}
     * ticks pass.
     *
     * @return whether the condition held
     */
    public boolean runUntil(BooleanSupplier condition, long maxTicks) {
        long until = now + maxTicks * options.tickMicros();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (queue.isEmpty() || queue.peekTime() > until) {
                now = Math.max(now, until);
                return condition.getAsBoolean();
            }
            processOne();
        }
    }

    /** Schedules harness work {@code delayMicros} from now. */
    void schedule(long delayMicros, String label, Runnable action) {
        queue.schedule(now + delayMicros, new SimEvent.Callback(label, action));
    }

    private void processOne() {
        long time = queue.peekTime();
        SimEvent event = queue.poll();
        now = time;
        events++;
        recent.add(time, event);
        mix(time);
        if (event instanceof SimEvent.Deliver) {
            Message m = ((SimEvent.Deliver) event).message();
            mix(1);
            mix(digest(m));
            SimNode to = nodes[(int) m.to() - 1];
            boolean arrives = to.up && network.isLinkUp((int) m.from() - 1, to.slot);
            for (SimObserver o : observers) {
                o.onArrive(m, time, arrives);
            }
            if (arrives) {
                network.delivered();
                if (m instanceof Message.InstallSnapshot) {
                    to.snapshotChunksReceived++;
                }
                step(to, new Event.Receive(m));
            }
        } else if (event instanceof SimEvent.Tick) {
            SimEvent.Tick t = (SimEvent.Tick) event;
            mix(2);
            mix(t.slot());
            SimNode node = nodes[t.slot()];
            if (node.up && node.incarnation == t.incarnation()) {
                queue.schedule(now + node.tickPeriodMicros, t);
                step(node, Event.Tick.INSTANCE);
            }
        } else if (event instanceof SimEvent.DiskSynced) {
            SimEvent.DiskSynced d = (SimEvent.DiskSynced) event;
            mix(3);
            mix(d.slot());
            mix(d.writeSeq());
            SimNode node = nodes[d.slot()];
            if (node.up && node.incarnation == d.incarnation()) {
                onSynced(node, d.writeSeq());
            }
        } else {
            SimEvent.Callback c = (SimEvent.Callback) event;
            mix(4);
            mix(c.label().hashCode());
            c.action().run();
        }
    }

    private void onSynced(SimNode node, long writeSeq) {
        if (node.disk.completeSync(writeSeq)) {
            step(node, new Event.Persisted(node.disk.newestAppendIndex(), node.disk.newestAppendTerm(),
                    node.disk.newestAppendEpoch()));
        }
        maybeStartSync(node);
    }

    private void reportUnsynced(SimNode node, Action.AppendLog append) {
        int incarnation = node.incarnation;
        LogEntry last = append.entries().get(append.entries().size() - 1);
        schedule(1, "lying disk acknowledges n" + node.id, () -> {
            if (node.up && node.incarnation == incarnation) {
                step(node, new Event.Persisted(last.index(), last.term(), append.epoch()));
            }
        });
    }

    void maybeStartSync(SimNode node) {
        if (node.disk.needsSync()) {
            long upTo = node.disk.startSync();
            long latency = options.diskLatencyMinMicros() == options.diskLatencyMaxMicros()
                    ? options.diskLatencyMinMicros()
                    : random.nextLong(options.diskLatencyMinMicros(), options.diskLatencyMaxMicros() + 1);
            queue.schedule(now + latency, new SimEvent.DiskSynced(node.slot, node.incarnation, upTo));
        }
    }

    private void mix(long x) {
        traceHash = Long.rotateLeft((traceHash ^ x) * 0x9E3779B97F4A7C15L, 29);
    }

    private static long digest(Message m) {
        long h = m.from() * 31 + m.to();
        h = h * 31 + m.term();
        if (m instanceof Message.AppendRequest) {
            Message.AppendRequest a = (Message.AppendRequest) m;
            h = h * 31 + a.prevLogIndex();
            h = h * 31 + a.entries().size();
            h = h * 31 + a.leaderCommit();
        } else if (m instanceof Message.AppendResponse) {
            Message.AppendResponse r = (Message.AppendResponse) m;
            h = h * 31 + (r.success() ? r.matchIndex() : -r.rejectedIndex() - 1);
        } else if (m instanceof Message.VoteRequest) {
            Message.VoteRequest v = (Message.VoteRequest) m;
            h = h * 31 + v.lastLogIndex() + (v.preVote() ? 7 : 0);
        } else if (m instanceof Message.VoteResponse) {
            h = h * 31 + (((Message.VoteResponse) m).voteGranted() ? 1 : 2);
        } else if (m instanceof Message.InstallSnapshot) {
            Message.InstallSnapshot i = (Message.InstallSnapshot) m;
            h = (h * 31 + i.snapshot().index()) * 31 + i.offset() * 7 + i.data().length;
        } else if (m instanceof Message.InstallSnapshotResponse) {
            Message.InstallSnapshotResponse r = (Message.InstallSnapshotResponse) m;
            h = (h * 31 + r.snapshotIndex()) * 31 + r.nextOffset() * 4 + (r.accepted() ? 1 : 0)
                    + (r.installed() ? 2 : 0);
        }
        return h * 31 + m.getClass().getSimpleName().length();
    }

    // ---------------------------------------------------------------- stepping a node

    private void step(SimNode node, Event event) {
        step(node, event, null, 0, -1);
    }

    /** Feeds {@code SnapshotSaved} to a node whose snapshot (taken, or received when {@code received}) is durable. */
    void stepSaved(SimNode node, SnapshotInfo info, boolean received) {
        note("n" + node.id + " snapshot " + info.index() + "@" + info.term() + (received ? " received" : " taken")
                + " is durable");
        step(node, new Event.SnapshotSaved(info));
        if (node.up) {
            for (SimObserver o : observers) {
                o.onSnapshotSaved(node, info, received);
            }
            snapshotActions.maybeCrash(node, snapshotCrashRate, "after snapshot " + info.index() + " saved");
        }
    }

    /**
     * Steps one event, or a batch through {@code RaftCore.stepAll}; proposals with correlation ids in
     * {@code [firstProposal, lastProposal]} must each get one immediate outcome.
     */
    private void step(SimNode node, Event event, List<Event> batch, long firstProposal, long lastProposal) {
        NodeState before = node.status;
        List<Action> actions;
        long t0 = measureCoreNanos ? System.nanoTime() : 0;
        try {
            actions = batch == null ? node.core.step(event) : node.core.stepAll(batch);
        } catch (InvariantViolation v) {
            throw v;
        } catch (RuntimeException e) {
            Object what = batch != null ? batch.size() + " batched events"
                    : event instanceof Event.Receive ? RecentEvents.describe(((Event.Receive) event).message()) : event;
            throw violation(Invariant.CORE_EXCEPTION, "node " + node.id + " threw on " + what + ": " + e, e);
        }
        if (measureCoreNanos) {
            coreNanos += System.nanoTime() - t0;
        }
        if (event instanceof Event.Propose) {
            firstProposal = ((Event.Propose) event).correlationId();
            lastProposal = firstProposal;
        }
        boolean truncated = execute(node, actions, firstProposal, lastProposal);
        if (!node.up) {
            return;
        }
        NodeState after = NodeState.of(node.core);
        node.status = after;
        for (SimObserver o : observers) {
            o.onStep(node, before, after, now);
        }
        if (options.checkInvariants()) {
            checker.afterStep(node.slot, before, after, truncated, node.log);
        }
    }

    boolean execute(SimNode node, List<Action> actions, long firstProposal, long lastProposal) {
        boolean truncated = false;
        int outcomes = 0;
        long restoredTo = -1;
        for (Action a : actions) {
            if (a instanceof Action.Send) {
                send(((Action.Send) a).message());
            } else if (a instanceof Action.AppendLog) {
                List<LogEntry> entries = ((Action.AppendLog) a).entries();
                if (options.checkInvariants()) {
                    checker.onAppend(node.slot, node.log, entries);
                }
                node.log.append(entries);
                node.disk.write(a);
                maybeStartSync(node);
                if (sabotageLyingDisk) {
                    reportUnsynced(node, (Action.AppendLog) a);
                }
            } else if (a instanceof Action.Apply) {
                apply(node, ((Action.Apply) a).entries());
            } else if (a instanceof Action.PersistHardState) {
                HardState hs = ((Action.PersistHardState) a).state();
                if (options.checkInvariants()) {
                    checker.onHardState(node.slot, hs);
                }
                node.disk.writeHardState(hs);
            } else if (a instanceof Action.TruncateLog) {
                truncated = true;
                node.log.truncateSuffix(((Action.TruncateLog) a).fromIndex());
                node.disk.write(a);
                maybeStartSync(node);
            } else if (a instanceof Action.ProposalOutcome) {
                outcomes += onOutcome(node, (Action.ProposalOutcome) a, firstProposal, lastProposal);
            } else if (a instanceof Action.RoleChanged) {
                Action.RoleChanged rc = (Action.RoleChanged) a;
                if (rc.role() == Role.LEADER) {
                    recent.add(now, "n" + node.id + " became LEADER of term " + rc.term());
                }
            } else if (a instanceof Action.ReadReady) {
                Action.ReadReady r = (Action.ReadReady) a;
                node.pendingReads.add(new SimNode.PendingRead(r.readId(), r.readIndex()));
            } else if (a instanceof Action.ReadRejected) {
                Action.ReadRejected r = (Action.ReadRejected) a;
                for (SimObserver o : observers) {
                    o.onReadRejected(node, r.readId(), r.leaderHint());
                }
            } else {
                truncated |= a instanceof Action.ResetLog;
                for (SimObserver o : observers) {
                    o.onSnapshotAction(node, a);
                }
                long restored = snapshotActions.execute(node, a);
                restoredTo = Math.max(restoredTo, restored);
            }
        }
        if (restoredTo >= 0 && trackProposals()) {
            checkResolvedUpTo(node, restoredTo);
        }
        if (outcomes != lastProposal - firstProposal + 1 && options.checkInvariants()) {
            throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " gave " + outcomes
                    + " immediate outcomes to proposals " + firstProposal + ".." + lastProposal, null);
        }
        serveReads(node);
        return truncated;
    }

    /**
     * After a {@code RestoreSnapshot}, every proposal this node accepted at an index the snapshot covers must have had
     * its later outcome by the end of the step: it was not applied here, so it is dropped or unknown.
     */
    private void checkResolvedUpTo(SimNode node, long appliedIndex) {
        AcceptedProposals.Accepted acc = node.accepted.unresolvedUpTo(appliedIndex);
        if (acc != null) {
            throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " restored a snapshot up to "
                    + appliedIndex + " but proposal " + acc.correlationId() + " it accepted at " + acc.index() + "@"
                    + acc.term() + " got no outcome (neither applied, dropped nor unknown)", null);
        }
    }

    private int onOutcome(SimNode node, Action.ProposalOutcome outcome, long firstProposal, long lastProposal) {
        int immediate = 0;
        boolean later = outcome instanceof Action.ProposalDropped || outcome instanceof Action.ProposalUnknown;
        if (outcome.correlationId() >= firstProposal && outcome.correlationId() <= lastProposal && !later) {
            immediate = 1;
            lastOutcome = outcome;
            if (outcome instanceof Action.ProposalAccepted) {
                acceptedInBatch++;
            }
        }
        if (!trackProposals()) {
            return immediate;
        }
        if (outcome instanceof Action.ProposalAccepted) {
            Action.ProposalAccepted acc = (Action.ProposalAccepted) outcome;
            node.accepted.accepted(acc.correlationId(), acc.index(), acc.term());
        } else if (later) {
            long index = outcome instanceof Action.ProposalDropped ? ((Action.ProposalDropped) outcome).index()
                    : ((Action.ProposalUnknown) outcome).index();
            if (node.accepted.resolve(outcome.correlationId(), index) == null) {
                throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " reports " + outcome
                        + " but no proposal accepted at that index awaits an outcome here", null);
            }
            if (outcome instanceof Action.ProposalDropped) {
                Action.ProposalDropped d = (Action.ProposalDropped) outcome;
                recordDropped(node, d.correlationId(), d.index(), d.term());
            } else {
                proposalsUnknown++;
                recent.add(now, "n" + node.id + " reports proposal " + outcome.correlationId() + " at " + index
                        + " unknown");
            }
        }
        for (SimObserver o : observers) {
            o.onProposalOutcome(node, outcome);
        }
        return immediate;
    }

    /** Proposal bookkeeping is skipped only in benchmarks: no checks and nobody listening. */
    private boolean trackProposals() {
        return options.checkInvariants() || !observers.isEmpty();
    }

    /**
     * Proposes a batch at node {@code id} through {@code RaftCore.stepAll}, so that the leader sends one append per
     * follower for the whole batch.
     *
     * @return how many proposals were accepted
     */
    int proposeBatch(long id, List<byte[]> payloads) {
        return proposeBatch(id, payloads, 0, 0);
    }

    /**
     * As {@link #proposeBatch(long, List)}, the batch led by {@code reads} linearizable reads (ReadIndex, no lease)
     * numbered from {@code firstReadId}, as the node runtime batches whatever its queue holds.
     */
    int proposeBatch(long id, List<byte[]> payloads, int reads, long firstReadId) {
        SimNode node = nodes[(int) id - 1];
        if (!node.up || payloads.isEmpty()) {
            return 0;
        }
        List<Event> batch = new ArrayList<>(payloads.size() + reads);
        for (int r = 0; r < reads; r++) {
            batch.add(new Event.ReadIndex(firstReadId + r, false));
        }
        long first = nextCorrelationId;
        for (byte[] p : payloads) {
            batch.add(new Event.Propose(nextCorrelationId++, p));
        }
        acceptedInBatch = 0;
        step(node, null, batch, first, nextCorrelationId - 1);
        return acceptedInBatch;
    }

    /** Remembers a dropped proposal: it must never be applied, and must not already be committed. */
    void recordDropped(SimNode node, long correlationId, long index, long term) {
        dropped.put(new IndexTerm(index, term), String.format("node %d reported proposal %d at %d@%d dropped at tick"
                + " %.3f (its role then: %s, term %d)", node.id, correlationId, index, term, tick(), node.core.role(),
                node.core.term()));
        recent.add(now, "n" + node.id + " reports proposal " + correlationId + " at " + index + "@" + term
                + " dropped");
        if (options.checkInvariants() && index <= checker.committedIndex()
                && checker.committed().get((int) index - 1).term() == term) {
            throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " dropped proposal " + correlationId
                    + " at " + index + "@" + term + " which is committed", null);
        }
    }

    private void apply(SimNode node, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            if (options.checkInvariants()) {
                checker.onApply(node.slot, e, node.core.term());
                String drop = dropped.isEmpty() ? null : dropped.get(new IndexTerm(e.index(), e.term()));
                if (drop != null) {
                    throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " applies " + e
                            + " whose proposal was reported dropped: " + drop, null);
                }
            }
            KvModel.Output result = options.checkInvariants() ? applyOnce(node, e) : node.stateMachine.apply(e);
            if (options.checkInvariants()) {
                checker.onDigest(node.slot, e.index(), node.stateMachine.digest());
            }
            AcceptedProposals.Accepted acc = trackProposals() ? node.accepted.applied(e.index(), e.term()) : null;
            if (acc != null) {
                maxAckedIndex = Math.max(maxAckedIndex, e.index());
                for (SimObserver o : observers) {
                    o.onProposalApplied(node, acc.correlationId(), e, result);
                }
            }
        }
    }

    /**
     * Applies {@code e} and checks {@link Invariant#EXACTLY_ONCE}: a client write this incarnation already applied
     * (the client re-sent it, and both copies were committed) must leave its key's value as it was.
     */
    private KvModel.Output applyOnce(SimNode node, LogEntry e) {
        KvBackend.ClientWrite write = node.stateMachine.clientWrite(e);
        if (write == null) {
            return node.stateMachine.apply(e);
        }
        long before = node.stateMachine.get(write.key());
        KvModel.Output result = node.stateMachine.apply(e);
        if (!node.appliedWrites.add(((long) write.clientId() << 40) | write.sequence())) {
            long after = node.stateMachine.get(write.key());
            if (after != before) {
                throw violation(Invariant.EXACTLY_ONCE, "node " + node.id + " applied client " + write.clientId()
                        + " sequence " + write.sequence() + " again at index " + e.index() + ": value "
                        + write.value() + " applied twice (key " + write.key() + " went from " + before + " to "
                        + after + ")", null);
            }
            duplicatesWithoutEffect++;
        }
        return result;
    }

    /** Client writes applied a second time (a retry committed twice) that changed nothing, over every node. */
    long duplicatesWithoutEffect() {
        return duplicatesWithoutEffect;
    }

    private void serveReads(SimNode node) {
        if (node.pendingReads.isEmpty() || !node.up) {
            return;
        }
        long applied = node.stateMachine.appliedIndex();
        for (int i = 0; i < node.pendingReads.size(); ) {
            SimNode.PendingRead r = node.pendingReads.get(i);
            if (r.readIndex() <= applied) {
                node.pendingReads.remove(i);
                for (SimObserver o : observers) {
                    o.onReadServable(node, r.readId());
                }
            } else {
                i++;
            }
        }
    }

    void send(Message m) {
        int copies = network.send(m, now, random, deliveryTimes);
        for (SimObserver o : observers) {
            o.onSend(m, now, copies, deliveryTimes);
        }
        for (int i = 0; i < copies; i++) {
            queue.schedule(deliveryTimes[i], new SimEvent.Deliver(m));
        }
    }

    /** Allocates a correlation id unique within this run. */
    long nextCorrelationId() {
        return nextCorrelationId++;
    }

    SimCluster.ProposeResult propose(long id, long correlationId, byte[] payload) {
        SimNode node = nodes[(int) id - 1];
        if (!node.up) {
            return new SimCluster.ProposeResult(false, 0, 0, 0);
        }
        lastOutcome = null;
        step(node, new Event.Propose(correlationId, payload));
        Action.ProposalOutcome out = lastOutcome;
        if (out instanceof Action.ProposalAccepted) {
            Action.ProposalAccepted acc = (Action.ProposalAccepted) out;
            return new SimCluster.ProposeResult(true, acc.index(), acc.term(), id);
        }
        long hint = out instanceof Action.ProposalRejected ? ((Action.ProposalRejected) out).leaderHint() : 0;
        return new SimCluster.ProposeResult(false, 0, 0, hint);
    }

    /** Asks node {@code id} for a linearizable read; the outcome reaches the observers. */
    void readIndex(long id, long readId, boolean lease) {
        SimNode node = nodes[(int) id - 1];
        if (node.up) {
            step(node, new Event.ReadIndex(readId, lease));
        }
    }

    // ---------------------------------------------------------------- reporting

    /** Test-only: the simulator's execution of snapshot actions. */
    SnapshotActions snapshotActions() {
        return snapshotActions;
    }

    void note(String what) {
        recent.add(now, what);
        for (SimObserver o : observers) {
            o.onNote(what, now);
        }
        mix(what.hashCode());
    }

    @Override
    public InvariantViolation violation(Invariant invariant, String detail) {
        return violation(invariant, detail, null);
    }

    InvariantViolation violation(Invariant invariant, String detail, Throwable cause) {
        return new InvariantViolation(invariant, seed, tick(), detail, recent.format(), cause);
    }

}
