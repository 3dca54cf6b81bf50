package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftCore;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A deterministic simulated cluster of n {@link RaftCore}s (ids 1..n), and the harness scenario tests drive it with.
 *
 * <p>The engine: one virtual clock in microseconds, one {@link EventQueue} ordered by (time, sequence), one
 * {@link SplittableRandom} seeded with the run's seed for every random choice. Nothing reads the wall clock, starts a
 * thread or iterates an identity-hashed collection, so the same seed and the same calls give the same run; the
 * {@link #traceHash()} of the processed events proves it.
 *
 * <p>Executing actions follows the contract of {@link Action}: hard state is durable at once (synchronous writes);
 * log writes go to the node's in-memory log immediately and become durable when the simulated disk syncs, after which
 * the node gets {@link Event.Persisted}; sends go through the {@link SimNetwork}; applies go to the node's
 * {@link SimStateMachine}. With invariant checking on, the {@link InvariantChecker} sees every step and a violation
 * throws an {@link InvariantViolation} naming the seed, the tick and the last events.
 *
 * <p>Harness methods in the style of the MIT 6.824 Raft tests ({@link #checkOneLeader()}, {@link #one},
 * {@link #nCommitted}) fail with an {@link AssertionError} that carries the seed and the tick.
 *
 * <p>Not thread-safe: one thread drives a cluster.
 */
public final class SimCluster implements InvariantChecker.Reporter {

    /**
     * The liveness bound, in election timeouts: once the network is healed, every node is up and faults stop, a
     * stable leader must be elected and a fresh proposal (and with it everything acknowledged before) must be applied
     * on every node within {@code LIVENESS_BOUND_ELECTION_TIMEOUTS * electionTimeoutTicks} ticks.
     */
    public static final int LIVENESS_BOUND_ELECTION_TIMEOUTS = 30;

    /** The outcome of {@link #propose}: accepted at (index, term), or rejected with a leader hint. */
    public record ProposeResult(boolean accepted, long index, long term, long leaderHint) {
    }

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
    private final Set<IndexTerm> dropped = new HashSet<>();
    private final long[] deliveryTimes = new long[2];
    private long now;
    private long traceHash = 0xcbf29ce484222325L;
    private long events;
    private long nextCorrelationId = 1;
    private long maxAckedIndex;
    private Action.ProposalOutcome lastOutcome;
    private int acceptedInBatch;
    /** Benchmark-only: accumulate the time spent inside {@code RaftCore.step} in {@link #coreNanos}. */
    boolean measureCoreNanos;
    long coreNanos;
    /**
     * Test-only sabotage: the disk reports log writes persisted as soon as they are issued, while a crash still loses
     * what was not really synced (a disk that lies about fsync). Never set otherwise.
     */
    boolean sabotageLyingDisk;

    private record IndexTerm(long index, long term) {
    }

    private SimCluster(int n, long seed, SimOptions options) {
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
        for (SimNode node : nodes) {
            start(node);
        }
    }

    /** A cluster of {@code n} nodes, all up and connected, at time 0. */
    public static SimCluster create(int n, long seed, SimOptions options) {
        return new SimCluster(n, seed, options);
    }

    public static SimCluster create(int n, long seed) {
        return new SimCluster(n, seed, SimOptions.defaults());
    }

    // ---------------------------------------------------------------- accessors

    public int size() {
        return nodes.length;
    }

    public long seed() {
        return seed;
    }

    public SimOptions options() {
        return options;
    }

    /** The simulated time, in microseconds. */
    public long nowMicros() {
        return now;
    }

    /** The simulated time, in ticks. */
    public double tick() {
        return now / (double) options.tickMicros();
    }

    /** The seeded random source of this run, for drivers that must stay deterministic. */
    SplittableRandom random() {
        return random;
    }

    SimNode node(long id) {
        if (id < 1 || id > nodes.length) {
            throw new IllegalArgumentException("no node " + id + " in a cluster of " + nodes.length);
        }
        return nodes[(int) id - 1];
    }

    InvariantChecker checker() {
        return checker;
    }

    SimNetwork network() {
        return network;
    }

    void addObserver(SimObserver observer) {
        observers.add(observer);
    }

    public boolean isUp(long id) {
        return node(id).up;
    }

    /** Whether the node is up and not cut off by {@link #disconnect}. */
    public boolean isConnected(long id) {
        return node(id).up && !network.isDisconnected((int) id - 1);
    }

    /** The node's status; for a node that is down, the last state seen before its crash (with no peers). */
    public RaftStatus status(long id) {
        SimNode node = node(id);
        if (node.up) {
            return node.core.status();
        }
        NodeState s = node.status;
        return new RaftStatus(node.id, s.role(), s.term(), s.leaderId(), s.commitIndex(), s.appliedIndex(),
                s.lastLogIndex(), members, List.of());
    }

    /** A copy of the node's in-memory log (the durable one if the node is down). */
    public List<LogEntry> log(long id) {
        SimNode node = node(id);
        return node.up ? node.log.snapshotEntries() : node.disk.durableLog().snapshotEntries();
    }

    public long appliedIndex(long id) {
        SimNode node = node(id);
        return node.up ? node.stateMachine.appliedIndex() : 0;
    }

    /** Every message nodes have sent, including those the network then lost. */
    public long messagesSent() {
        return network.messagesSent();
    }

    /** Header plus entry bytes of every message sent. */
    public long bytesSent() {
        return network.bytesSent();
    }

    /** Events processed so far. */
    public long eventsProcessed() {
        return events;
    }

    /** A hash of every event processed (time, kind and content): equal for two runs of the same seed. */
    public long traceHash() {
        return traceHash;
    }

    /** The highest index of a proposal acknowledged committed to its proposer. */
    public long maxAckedIndex() {
        return maxAckedIndex;
    }

    /** The entries known committed so far, in index order. */
    public List<LogEntry> committedEntries() {
        return List.copyOf(checker.committed());
    }

    // ---------------------------------------------------------------- faults

    /** Cuts every link to and from {@code id}. */
    public void disconnect(long id) {
        node(id);
        network.setDisconnected((int) id - 1, true);
        note("disconnect n" + id);
    }

    /** Restores the links to and from {@code id} that {@link #disconnect} cut. */
    public void connect(long id) {
        node(id);
        network.setDisconnected((int) id - 1, false);
        note("connect n" + id);
    }

    /** Splits the nodes into groups that cannot talk across; nodes not named form one more group. */
    public void partition(long[]... groups) {
        int[] groupOf = new int[nodes.length];
        java.util.Arrays.fill(groupOf, groups.length);
        for (int g = 0; g < groups.length; g++) {
            for (long id : groups[g]) {
                node(id);
                groupOf[(int) id - 1] = g;
            }
        }
        network.partition(groupOf);
        note("partition " + java.util.Arrays.deepToString(groups));
    }

    /** Cuts only the direction {@code from -> to} (an asymmetric fault). */
    public void cutLink(long from, long to) {
        node(from);
        node(to);
        network.setCut((int) from - 1, (int) to - 1, true);
        note("cut link n" + from + " -> n" + to);
    }

    /** Holds every message on {@code from -> to} for {@code ticks} ticks. */
    public void clog(long from, long to, long ticks) {
        node(from);
        node(to);
        network.clog((int) from - 1, (int) to - 1, now + ticks * options.tickMicros());
        note("clog n" + from + " -> n" + to + " for " + ticks + " ticks");
    }

    /**
     * Pauses {@code id} for {@code ticks} ticks, like a long GC pause or a stopped VM: nothing it sends leaves and
     * nothing sent to it arrives until the pause ends, then everything held is delivered. Its clock keeps running.
     */
    public void pause(long id, long ticks) {
        node(id);
        long until = now + ticks * options.tickMicros();
        for (int other = 0; other < nodes.length; other++) {
            network.clog((int) id - 1, other, until);
            network.clog(other, (int) id - 1, until);
        }
        note("pause n" + id + " for " + ticks + " ticks");
    }

    /** Changes message loss and duplication for every link from now on. */
    public void setUnreliable(double lossRate, double duplicateRate) {
        network.setRates(lossRate, duplicateRate, options.longTailRate(), options.jitterMicros());
        note("network loss " + lossRate + " duplication " + duplicateRate);
    }

    /** Reconnects everything: no partition, no cuts, no clogs, no disconnected node. Loss rates are unchanged. */
    public void heal() {
        network.heal();
        note("heal");
    }

    /**
     * Crashes {@code id}: its volatile state is gone, its disk loses every log write not yet synced (or keeps a
     * prefix of them, with probability {@link SimOptions#tornCrashRate()}), and messages to it are dropped.
     */
    public void crash(long id) {
        SimNode node = node(id);
        if (!node.up) {
            return;
        }
        node.disk.crash(random, options.tornCrashRate());
        node.loseVolatileState();
        checker.onCrash(node.slot);
        note("crash n" + id);
    }

    /** Restarts {@code id} from its durable state, crashing it first if it is up. */
    public void restart(long id) {
        SimNode node = node(id);
        crash(id);
        start(node);
        note("restart n" + id + " at term " + node.status.term() + " last index " + node.status.lastLogIndex());
    }

    private void start(SimNode node) {
        RaftConfig config = options.raftConfig().toBuilder()
                .randomSeed(seed * 0x9E3779B97F4A7C15L + node.id * 1_000_003L + node.incarnation).build();
        InMemoryLog log = node.disk.rebuildLog();
        HardState hs = node.disk.hardState();
        RaftCore core;
        try {
            core = RaftCore.create(node.id, members, config, log, hs);
        } catch (RuntimeException e) {
            throw violation(Invariant.CORE_EXCEPTION, "node " + node.id + " failed to start: " + e, e);
        }
        node.core = core;
        node.log = log;
        node.stateMachine = new SimStateMachine();
        node.status = NodeState.of(core);
        node.up = true;
        if (options.checkInvariants() && !sabotageLyingDisk) {
            checker.onRestart(node.slot, node.disk.hardState(), node.disk.durableLog(), node.disk.reportedIndex(),
                    node.disk.reportedTerm(), node.status);
        }
        queue.schedule(now + random.nextLong(node.tickPeriodMicros) + 1,
                new SimEvent.Tick(node.slot, node.incarnation));
    }

    // ---------------------------------------------------------------- running

    /** Runs every event due within the next {@code ticks} ticks. */
    public void runFor(long ticks) {
        runForMicros(ticks * options.tickMicros());
    }

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
            if (to.up && network.isLinkUp((int) m.from() - 1, to.slot)) {
                network.delivered();
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
            long index = node.disk.durableLog().lastIndex();
            step(node, new Event.Persisted(index, node.disk.durableLog().term(index)));
        }
        maybeStartSync(node);
    }

    private void reportUnsynced(SimNode node) {
        int incarnation = node.incarnation;
        schedule(1, "lying disk acknowledges n" + node.id, () -> {
            if (node.up && node.incarnation == incarnation) {
                long last = node.log.lastIndex();
                step(node, new Event.Persisted(last, node.log.term(last)));
            }
        });
    }

    private void maybeStartSync(SimNode node) {
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
        }
        return h * 31 + m.getClass().getSimpleName().length();
    }

    // ---------------------------------------------------------------- stepping a node

    private void step(SimNode node, Event event) {
        step(node, event, null, 0, -1);
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
        if (options.checkInvariants()) {
            checker.afterStep(node.slot, before, after, truncated, node.log);
        }
    }

    private boolean execute(SimNode node, List<Action> actions, long firstProposal, long lastProposal) {
        boolean truncated = false;
        int outcomes = 0;
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
                    reportUnsynced(node);
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
            }
        }
        if (outcomes != lastProposal - firstProposal + 1 && options.checkInvariants()) {
            throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " gave " + outcomes
                    + " immediate outcomes to proposals " + firstProposal + ".." + lastProposal, null);
        }
        serveReads(node);
        return truncated;
    }

    private int onOutcome(SimNode node, Action.ProposalOutcome outcome, long firstProposal, long lastProposal) {
        int immediate = 0;
        if (outcome.correlationId() >= firstProposal && outcome.correlationId() <= lastProposal
                && !(outcome instanceof Action.ProposalDropped)) {
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
            node.acceptedByIndex.put(acc.index(), new SimNode.Accepted(acc.correlationId(), acc.index(), acc.term()));
        } else if (outcome instanceof Action.ProposalDropped) {
            Action.ProposalDropped d = (Action.ProposalDropped) outcome;
            node.acceptedByIndex.remove(d.index());
            recordDropped(node, d.correlationId(), d.index(), d.term());
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
        SimNode node = node(id);
        if (!node.up || payloads.isEmpty()) {
            return 0;
        }
        List<Event> batch = new ArrayList<>(payloads.size());
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
        dropped.add(new IndexTerm(index, term));
        if (options.checkInvariants() && index <= checker.committedIndex()
                && checker.committed().get((int) index - 1).term() == term) {
            throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " dropped proposal " + correlationId
                    + " at " + index + "@" + term + " which is committed", null);
        }
    }

    private void apply(SimNode node, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            if (options.checkInvariants()) {
                checker.onApply(node.slot, e);
                if (!dropped.isEmpty() && dropped.contains(new IndexTerm(e.index(), e.term()))) {
                    throw violation(Invariant.PROPOSAL_OUTCOME, "node " + node.id + " applies " + e
                            + " whose proposal was reported dropped", null);
                }
            }
            KvModel.Output result = node.stateMachine.apply(e);
            if (!node.acceptedByIndex.isEmpty() && trackProposals()) {
                SimNode.Accepted acc = node.acceptedByIndex.remove(e.index());
                if (acc != null && acc.term() == e.term()) {
                    maxAckedIndex = Math.max(maxAckedIndex, e.index());
                    for (SimObserver o : observers) {
                        o.onProposalApplied(node, acc.correlationId(), e, result);
                    }
                }
            }
        }
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

    private void send(Message m) {
        int copies = network.send(m, now, random, deliveryTimes);
        for (int i = 0; i < copies; i++) {
            queue.schedule(deliveryTimes[i], new SimEvent.Deliver(m));
        }
    }

    // ---------------------------------------------------------------- client-facing harness

    /** Allocates a correlation id unique within this run. */
    long nextCorrelationId() {
        return nextCorrelationId++;
    }

    /**
     * Proposes {@code payload} at node {@code id} now, like 6.824's {@code Start}: accepted at (index, term) if the
     * node is leader, otherwise rejected with its leader hint. A down node rejects with hint 0.
     */
    public ProposeResult propose(long id, byte[] payload) {
        return propose(id, nextCorrelationId(), payload);
    }

    ProposeResult propose(long id, long correlationId, byte[] payload) {
        SimNode node = node(id);
        if (!node.up) {
            return new ProposeResult(false, 0, 0, 0);
        }
        lastOutcome = null;
        step(node, new Event.Propose(correlationId, payload));
        Action.ProposalOutcome out = lastOutcome;
        if (out instanceof Action.ProposalAccepted) {
            Action.ProposalAccepted acc = (Action.ProposalAccepted) out;
            return new ProposeResult(true, acc.index(), acc.term(), id);
        }
        long hint = out instanceof Action.ProposalRejected ? ((Action.ProposalRejected) out).leaderHint() : 0;
        return new ProposeResult(false, 0, 0, hint);
    }

    /** Asks node {@code id} for a linearizable read; the outcome reaches the observers. */
    void readIndex(long id, long readId, boolean lease) {
        SimNode node = node(id);
        if (node.up) {
            step(node, new Event.ReadIndex(readId, lease));
        }
    }

    /** The leader with the highest term among nodes that are up and connected, or 0 if there is none. */
    public long leader() {
        long best = 0;
        long bestTerm = -1;
        for (SimNode n : nodes) {
            if (isConnected(n.id) && n.status.role() == Role.LEADER && n.status.term() > bestTerm) {
                best = n.id;
                bestTerm = n.status.term();
            }
        }
        return best;
    }

    /**
     * Waits, as 6.824's {@code checkOneLeader} does, for exactly one leader in the newest term among connected nodes,
     * failing if some term has two or if none appears within ten rounds of about half a second.
     */
    public long checkOneLeader() {
        for (int iter = 0; iter < 10; iter++) {
            runForMicros(options.tickMicros() * 5 / 2 + random.nextLong(options.tickMicros() * 5 / 2));
            long lastTerm = -1;
            long leaderOfLast = 0;
            java.util.Map<Long, Long> leaders = new java.util.TreeMap<>();
            for (SimNode n : nodes) {
                if (isConnected(n.id) && n.status.role() == Role.LEADER) {
                    Long other = leaders.put(n.status.term(), n.id);
                    if (other != null) {
                        throw failure("term " + n.status.term() + " has two leaders: " + other + " and " + n.id);
                    }
                    if (n.status.term() > lastTerm) {
                        lastTerm = n.status.term();
                        leaderOfLast = n.id;
                    }
                }
            }
            if (leaderOfLast != 0) {
                return leaderOfLast;
            }
        }
        throw failure("expected one leader, got none");
    }

    /** Fails if any connected node believes it is leader. */
    public void checkNoLeader() {
        for (SimNode n : nodes) {
            if (isConnected(n.id) && n.status.role() == Role.LEADER) {
                throw failure("expected no leader among connected nodes, but node " + n.id + " claims to be leader"
                        + " of term " + n.status.term());
            }
        }
    }

    /** The term all connected nodes agree on; fails if they disagree. */
    public long checkTerms() {
        long term = -1;
        for (SimNode n : nodes) {
            if (isConnected(n.id)) {
                if (term == -1) {
                    term = n.status.term();
                } else if (term != n.status.term()) {
                    throw failure("servers disagree on term: " + term + " vs " + n.status.term() + " at node " + n.id);
                }
            }
        }
        return term;
    }

    /** How many nodes have applied {@code index}; fails if two of them applied different entries there. */
    public int nCommitted(long index) {
        int count = 0;
        LogEntry seen = null;
        for (SimNode n : nodes) {
            if (n.up && index >= 1 && n.stateMachine.appliedIndex() >= index) {
                LogEntry mine = n.log.entry(index);
                if (seen != null && !seen.equals(mine)) {
                    throw failure("committed values do not match at index " + index + ": " + seen + " vs " + mine);
                }
                seen = mine;
                count++;
            }
        }
        return count;
    }

    /** The committed entry at {@code index}, or null if no node applied it yet. */
    public LogEntry committedEntry(long index) {
        for (SimNode n : nodes) {
            if (n.up && index >= 1 && n.stateMachine.appliedIndex() >= index) {
                return n.log.entry(index);
            }
        }
        return null;
    }

    /**
     * Like 6.824's {@code one}: proposes {@code payload} at each connected node in turn until one accepts it, then
     * waits up to 20 ticks for it to be applied on {@code expectedNodes} nodes. With {@code retry} it tries again
     * (for up to 100 ticks in all) when the entry does not commit, e.g. because the leader was deposed.
     *
     * @return the index it committed at
     */
    public long one(byte[] payload, int expectedNodes, boolean retry) {
        long deadline = now + 100 * options.tickMicros();
        int starts = 0;
        while (now < deadline) {
            long index = -1;
            for (int i = 0; i < nodes.length; i++) {
                starts = (starts + 1) % nodes.length;
                long id = starts + 1;
                if (isConnected(id)) {
                    ProposeResult r = propose(id, payload);
                    if (r.accepted()) {
                        index = r.index();
                        break;
                    }
                }
            }
            if (index != -1) {
                long at = index;
                boolean done = runUntil(() -> nCommitted(at) >= expectedNodes
                        && java.util.Arrays.equals(committedEntry(at).payload(), payload), 20);
                if (done) {
                    return index;
                }
                if (!retry) {
                    throw failure("one(" + payload.length + " bytes) accepted at index " + index
                            + " failed to reach agreement on " + expectedNodes + " nodes (got " + nCommitted(at) + ")");
                }
            } else {
                runFor(5);
            }
        }
        throw failure("one(" + payload.length + " bytes) failed to reach agreement on " + expectedNodes + " nodes");
    }

    /**
     * The liveness phase. Call once every fault has stopped: heals the network, makes it reliable, restarts every
     * node that is down, then requires, within {@link #LIVENESS_BOUND_ELECTION_TIMEOUTS} election timeouts, a stable
     * leader and a fresh probe proposal applied on every node, which implies every proposal acknowledged earlier is
     * applied everywhere too.
     *
     * @return ticks it took
     */
    public long checkLiveness() {
        heal();
        setUnreliable(0, 0);
        for (SimNode n : nodes) {
            if (!n.up) {
                restart(n.id);
            }
        }
        long start = now;
        long boundTicks = (long) LIVENESS_BOUND_ELECTION_TIMEOUTS * options.raftConfig().electionTimeoutTicks();
        long deadline = now + boundTicks * options.tickMicros();
        long probeIndex = -1;
        long probeTerm = -1;
        int probes = 0;
        while (now < deadline) {
            long leader = leader();
            if (leader != 0 && (probeIndex < 0 || node(leader).status.term() != probeTerm)) {
                ProposeResult r = propose(leader, ("liveness-probe-" + seed + "-" + probes++).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
                if (r.accepted()) {
                    probeIndex = r.index();
                    probeTerm = r.term();
                }
            }
            long target = Math.max(probeIndex, maxAckedIndex);
            if (probeIndex > 0 && allApplied(target)) {
                return (now - start) / options.tickMicros();
            }
            runForMicros(options.tickMicros() / 2);
        }
        StringBuilder state = new StringBuilder();
        for (SimNode n : nodes) {
            state.append("\n  ").append(status(n.id));
        }
        boolean committedSomewhere = false;
        for (SimNode n : nodes) {
            committedSomewhere |= probeIndex > 0 && n.up && n.status.commitIndex() >= probeIndex;
        }
        Invariant which = committedSomewhere ? Invariant.COMMITTED_APPLIED_EVERYWHERE : Invariant.LIVENESS;
        throw violation(which, "within " + boundTicks + " ticks of healing: probe index " + probeIndex
                + ", highest acknowledged index " + maxAckedIndex + ", node states:" + state, null);
    }

    private boolean allApplied(long index) {
        for (SimNode n : nodes) {
            if (!n.up || n.stateMachine.appliedIndex() < index) {
                return false;
            }
        }
        return true;
    }

    /** The full, non-incremental invariant check over every node's log. */
    public void checkAll() {
        List<InMemoryLog> logs = new ArrayList<>();
        for (SimNode n : nodes) {
            logs.add(n.up ? n.log : n.disk.durableLog());
        }
        checker.checkLogs(logs);
    }

    // ---------------------------------------------------------------- reporting

    private void note(String what) {
        recent.add(now, what);
        mix(what.hashCode());
    }

    @Override
    public InvariantViolation violation(Invariant invariant, String detail) {
        return violation(invariant, detail, null);
    }

    InvariantViolation violation(Invariant invariant, String detail, Throwable cause) {
        return new InvariantViolation(invariant, seed, tick(), detail, recent.format(), cause);
    }

    private AssertionError failure(String what) {
        return new AssertionError(String.format("%s (seed %d, tick %.3f)%n%s", what, seed, tick(), recent.format()));
    }
}
