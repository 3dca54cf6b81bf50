package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.node.InMemorySnapshotStore;
import dev.sansraft.node.NodeScheduler;
import dev.sansraft.node.RaftNode;
import dev.sansraft.sim.linearizability.KvModel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A deterministic simulated cluster of real {@link RaftNode}s (ids 1..n): the production runtime, with its event
 * loop, storage, apply, snapshot writer, snapshot sender and tick stages, runs on this simulator's single thread
 * through a {@link NodeScheduler} per node incarnation, on simulated storage ({@link SimLogStore} on a
 * {@link SimDisk}, {@link SimSnapshotStore}) and a simulated network ({@link SimTransport} on {@link SimNetwork}).
 *
 * <p>Every stage round, tick, message delivery and client step is an event in one (time, sequence) queue; the seed
 * draws each stage round's delay (a storage round waits one simulated disk latency, so writes queue meanwhile and
 * share a sync), so the stages of a node interleave in every order their threads could. A <em>pause</em> freezes every
 * stage, tick and delivery of one node while the rest runs on; on resume the held work runs again in an order the seed
 * draws. A crash drops the incarnation: its queued work vanishes, its disk loses what was not synced, its futures
 * never complete.
 *
 * <p>Raft's invariants are checked after every round through the {@link InvariantChecker} (appends, hard-state
 * saves, applies, commits and leaders as each node's status shows them); a node that stops on a fatal error is a
 * {@link Invariant#NODE_FAILURE}. Client-visible invariants are checked by {@link SimClients}.
 *
 * <p>Membership: a cluster may have room for more nodes than it starts with ({@link #create(int, int, long, SimOptions,
 * boolean, long)}). {@link #addNode} starts the next one, with a new id, on an empty disk as a member-to-be
 * ({@link Membership#EMPTY}) for the leader to add; {@link #retire} ends a node for good, process and disk. Every round
 * also checks that a leader's new commit index is held durably by a quorum of the leader's configuration
 * ({@link Invariant#COMMIT_QUORUM}: removed nodes and learners never count), and the checker compares each committed
 * configuration with the one before it ({@link Invariant#CONFIGURATION_OVERLAP}); Election Safety covers every node
 * that ever ran, whatever configuration it was in.
 *
 * <p>Not thread-safe: one thread drives a run, and nothing reads the wall clock, so a seed replays exactly.
 */
public final class NodeSim {

    /**
     * The liveness bound, in election timeouts: once the network is healed, every node is up and faults stop, a
     * leader must be elected and a fresh probe proposal committed within
     * {@code LIVENESS_BOUND_ELECTION_TIMEOUTS * electionTimeoutTicks} ticks.
     */
    public static final int LIVENESS_BOUND_ELECTION_TIMEOUTS = 30;

    /**
     * The catch-up bound, in election timeouts: after the probe commits, the slowest node's applied index must rise
     * at least once in every window of {@code CATCH_UP_WINDOW_ELECTION_TIMEOUTS * electionTimeoutTicks} ticks until
     * every node has applied the probe. (Catching up a long log takes time proportional to its length, which a fixed
     * bound cannot express; steady progress can.)
     */
    public static final int CATCH_UP_WINDOW_ELECTION_TIMEOUTS = 10;

    /**
     * The most events one simulated tick may hold before the run fails with {@link Invariant#TIME_ADVANCES}. A
     * five-node swarm run averages a few hundred per tick; an endless feedback loop passes this within a few ticks.
     */
    static final int MAX_EVENTS_PER_TICK = 200_000;

    /** Longest delay, in microseconds, the seed draws for a stage round other than storage. */
    static final long STAGE_JITTER_MICROS = 300;

    private final long seed;
    private final SimOptions options;
    private final SplittableRandom random;
    private final EventQueue queue = new EventQueue();
    private final SimNetwork network;
    private final InvariantChecker checker;
    private final RecentEvents recent;
    private final Member[] members;
    /** Slots in use: the starting nodes, then one per {@link #addNode}. */
    private int allocated;
    private final boolean raftKv;
    private final long requestTimeoutMicros;
    private final List<SimObserver> observers = new ArrayList<>();
    private final long[] deliveryTimes = new long[4];
    private long now;
    private long events;
    /** The tick {@link #eventsThisTick} counts for. */
    private long eventsTick = -1;
    private int eventsThisTick;
    private long traceHash = 0xcbf29ce484222325L;
    /** A failure raised where it could not be thrown (a future's callback), thrown after the current event. */
    private RuntimeException raised;
    private SimStage running;
    /** Test-only sabotage: the log stores' syncs do nothing (a disk that lies about fsync). Never set otherwise. */
    boolean sabotageLyingDisk;
    /** Test-only sabotage: the last byte of every snapshot is flipped before it is committed. Never set otherwise. */
    boolean sabotageSnapshots;
    private double snapshotCrashRate;
    private SplittableRandom snapshotCrashRandom;
    private long snapshotCrashes;
    private long duplicatesWithoutEffect;

    private NodeSim(int n, int capacity, long seed, SimOptions options, boolean raftKv, long requestTimeoutTicks) {
        if (n < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, got " + n);
        }
        if (capacity < n) {
            throw new IllegalArgumentException("room for " + capacity + " nodes cannot hold the " + n + " it starts");
        }
        this.seed = seed;
        this.options = options;
        this.raftKv = raftKv;
        this.random = new SplittableRandom(seed);
        this.network = new SimNetwork(capacity, options, random);
        this.recent = new RecentEvents(options.recentEventCount(), options.tickMicros());
        this.checker = new InvariantChecker(capacity, this::violation);
        checker.tolerateGaps();
        this.requestTimeoutMicros = requestTimeoutTicks * options.tickMicros();
        this.members = new Member[capacity];
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            double skew = options.clockSkew() == 0 ? 0 : (random.nextDouble() * 2 - 1) * options.clockSkew();
            members[i] = new Member(i, 1 + skew);
            if (i < n) {
                ids.add(i + 1L);
            }
        }
        Membership initial = Membership.ofVoters(ids);
        checker.startConfiguration(initial);
        this.allocated = n;
        for (int i = 0; i < n; i++) {
            members[i].bootstrap = initial;
            start(members[i]);
        }
    }

    /**
     * A cluster of {@code n} real nodes, all up and connected, at time 0.
     *
     * @param n the number of nodes
     * @param seed the seed of every random choice in the run
     * @param options network, disk and timing settings
     * @param raftKv              whether nodes run raft-kv's state machine (with sessions) or the simulator's store
     * @param requestTimeoutTicks the nodes' request timeout, in ticks
     * @return the cluster
     */
    public static NodeSim create(int n, long seed, SimOptions options, boolean raftKv, long requestTimeoutTicks) {
        return new NodeSim(n, n, seed, options, raftKv, requestTimeoutTicks);
    }

    /**
     * A cluster of {@code n} real nodes with room for {@code capacity} in all (ids 1..capacity), the rest started
     * later by {@link #addNode}.
     *
     * @param n                   the number of nodes started now, all voters
     * @param capacity            the most nodes the run may ever start
     * @param seed                the seed of every random choice in the run
     * @param options             network, disk and timing settings
     * @param raftKv              whether nodes run raft-kv's state machine (with sessions) or the simulator's store
     * @param requestTimeoutTicks the nodes' request timeout, in ticks
     * @return the cluster
     */
    public static NodeSim create(int n, int capacity, long seed, SimOptions options, boolean raftKv,
                                 long requestTimeoutTicks) {
        return new NodeSim(n, capacity, seed, options, raftKv, requestTimeoutTicks);
    }

    // ---------------------------------------------------------------- one node, over its incarnations

    /** One node: its disk and snapshots, which survive crashes, and its live incarnation, if up. */
    final class Member {
        final int slot;
        final long id;
        /** How fast this node's clock runs against simulated time; see {@link #setClockRate}. */
        double clockRate;
        /** When the rate last changed, and the node's clock reading (less its base) at that moment. */
        long rateSinceMicros;
        double nanosAtRateChange;
        final SimDisk disk = new SimDisk();
        final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        Incarnation live;
        int incarnations;
        boolean paused;
        long pausedMicrosTotal;
        long pausedSince;
        List<Runnable> held = new ArrayList<>();
        NodeState lastState;
        /** The configuration it was built with: the starting voters, or EMPTY for a node added later. */
        Membership bootstrap = Membership.EMPTY;
        /** The configuration its status showed at the last checked round. */
        Membership lastMembership = Membership.EMPTY;
        /** Gone for good, disk and all ({@link #retire}). */
        boolean retired;

        Member(int slot, double clockRate) {
            this.slot = slot;
            this.id = slot + 1L;
            this.clockRate = clockRate;
        }

        /** Nanoseconds the node's clock advanced since time 0, at its rate(s). */
        double clockNanos() {
            return nanosAtRateChange + (now - rateSinceMicros) * 1000.0 * clockRate;
        }

        /** Microseconds this node spent paused so far, the current pause included. */
        long pausedMicros() {
            return pausedMicrosTotal + (paused ? now - pausedSince : 0);
        }
    }

    /** One life of a node: the real RaftNode and the scheduler its stages run on. */
    final class Incarnation implements NodeScheduler, KvNodeStateMachine.Listener {
        final Member member;
        final int number;
        final long clockBaseNanos;
        final SimLogStore log;
        final SimSnapshotStore snapshots;
        final SimTransport transport;
        final KvNodeStateMachine stateMachine;
        final Set<Long> appliedWrites = new HashSet<>();
        RaftNode node;
        boolean dead;
        /** The storage stage; while it has work queued, the store's log trails the core's. */
        SimStage storage;
        private long valueBefore;

        Incarnation(Member member) {
            this.member = member;
            this.number = ++member.incarnations;
            // Each incarnation's clock starts somewhere else, as a fresh process's nanoTime does.
            this.clockBaseNanos = random.nextLong(1L << 40);
            this.log = new SimLogStore(member.slot, member.disk, options.checkInvariants() ? checker : null,
                    () -> sabotageLyingDisk, index -> {
                        for (SimObserver o : observers) {
                            o.onLogReset(member.id, index);
                        }
                    });
            this.snapshots = new SimSnapshotStore(member.snapshots, new SnapshotMoments(this));
            this.transport = new SimTransport(NodeSim.this);
            this.stateMachine = new KvNodeStateMachine(member.slot, newBackend(), this);
        }

        @Override
        public long nanoTime() {
            return clockBaseNanos + (long) member.clockNanos();
        }

        @Override
        public Stage stage(long nodeId, String name, Body body) {
            SimStage stage = new SimStage(this, name, body);
            if (stage.storage) {
                storage = stage;
            }
            return stage;
        }

        @Override
        public Timer everyPeriod(long nodeId, long periodNanos, Runnable tick) {
            SimTimer t = new SimTimer(this, periodNanos, tick);
            t.due = now + t.periodMicros();
            queue.schedule(t.due, new SimEvent.Step(t));
            return t;
        }

        @Override
        public void runDetached(long nodeId, String name, Runnable task) {
            queue.schedule(now + 1, new SimEvent.Step(() -> runAsNode(this, task)));
        }

        /*
         * The apply hooks run inside StateMachine.apply, whose exceptions the runtime's apply stage takes for the
         * state machine refusing a command (it fails that proposal and goes on): a violation found here is raised
         * with the simulation too, which throws it after the event.
         */
        @Override
        public void beforeApply(int slot, LogEntry entry) {
            try {
                checkBeforeApply(slot, entry);
            } catch (RuntimeException e) {
                raise(e);
                throw e;
            }
        }

        @Override
        public void afterApply(int slot, LogEntry entry, KvModel.Output output, long digest) {
            try {
                checkAfterApply(slot, entry, output, digest);
            } catch (RuntimeException e) {
                raise(e);
                throw e;
            }
        }

        private void checkBeforeApply(int slot, LogEntry entry) {
            if (options.checkInvariants()) {
                checker.onApplySkippingNonClient(slot, entry, node.status().term());
                KvBackend.ClientWrite w = stateMachine.backend().clientWrite(entry);
                valueBefore = w == null ? 0 : stateMachine.backend().get(w.key());
            }
            for (SimObserver o : observers) {
                o.beforeApply(member.id, entry);
            }
        }

        private void checkAfterApply(int slot, LogEntry entry, KvModel.Output output, long digest) {
            if (options.checkInvariants()) {
                checker.onDigest(slot, stateMachine.backend().appliedIndex(), digest);
                KvBackend.ClientWrite w = stateMachine.backend().clientWrite(entry);
                boolean again = w != null && !appliedWrites.add(((long) w.clientId() << 40) | w.sequence());
                if (again && stateMachine.backend().get(w.key()) == valueBefore) {
                    duplicatesWithoutEffect++;
                } else if (again) {
                    throw violation(Invariant.EXACTLY_ONCE, "node " + member.id + " applied client " + w.clientId()
                            + " sequence " + w.sequence() + " again at index " + entry.index() + " and changed key "
                            + w.key());
                }
            }
            for (SimObserver o : observers) {
                o.afterApply(member.id, entry, output);
            }
        }

        @Override
        public void restored(int slot, long index, long digest) {
            if (options.checkInvariants()) {
                try {
                    checker.onRestore(slot, index, digest);
                } catch (RuntimeException e) {
                    raise(e); // inside the runtime's restore, where it would only stop the node
                    throw e;
                }
            }
            note("n" + member.id + " restored a snapshot at index " + index);
        }
    }

    /**
     * The snapshot moments of one incarnation, where {@link #setSnapshotCrashRate} aims crashes: right after a
     * snapshot write begins (taken or received), after a chunk of it is written (at a tenth of the rate, since a
     * transfer has many), and right after it is committed, before the log compaction or reset that follows is
     * durable. The crash comes one microsecond later, sooner than any disk sync.
     */
    private final class SnapshotMoments implements SimSnapshotStore.Moments {
        private final Incarnation inc;

        SnapshotMoments(Incarnation inc) {
            this.inc = inc;
        }

        @Override
        public void begun(long index) {
            maybeCrash("begins snapshot " + index, 1);
        }

        @Override
        public void written(long index) {
            maybeCrash("writes a chunk of snapshot " + index, 0.1);
        }

        @Override
        public void committed(long index) {
            for (SimObserver o : observers) {
                o.onSnapshotCommitted(inc.member.id, index);
            }
            maybeCrash("committed snapshot " + index, 1);
        }

        @Override
        public boolean corrupts() {
            return sabotageSnapshots;
        }

        private void maybeCrash(String moment, double share) {
            if (snapshotCrashRate == 0 || inc.dead || snapshotCrashRandom.nextDouble() >= snapshotCrashRate * share) {
                return;
            }
            snapshotCrashes++;
            long id = inc.member.id;
            queue.schedule(now + 1, new SimEvent.Callback("n" + id + " " + moment + ": crash", () -> {
                if (inc.member.live == inc) {
                    crash(id);
                }
            }));
        }
    }

    /** A stage of one incarnation: each round is one event, delayed by a seeded draw. */
    private final class SimStage implements NodeScheduler.Stage, Runnable {
        final Incarnation inc;
        final String name;
        final NodeScheduler.Body body;
        final boolean storage;
        boolean scheduled;
        boolean stopped;
        boolean exited;

        SimStage(Incarnation inc, String name, NodeScheduler.Body body) {
            this.inc = inc;
            this.name = name;
            this.body = body;
            this.storage = name.equals("storage");
        }

        @Override
        public void wake() {
            if (!scheduled && !stopped && !inc.dead) {
                scheduled = true;
                queue.schedule(now + delay(), new SimEvent.Step(this));
            }
        }

        private long delay() {
            if (storage) {
                // A storage round ends in a sync: it takes one disk latency, and writes queue up meanwhile.
                return options.diskLatencyMinMicros() == options.diskLatencyMaxMicros()
                        ? options.diskLatencyMinMicros()
                        : random.nextLong(options.diskLatencyMinMicros(), options.diskLatencyMaxMicros() + 1);
            }
            return random.nextLong(STAGE_JITTER_MICROS + 1);
        }

        @Override
        public void run() {
            if (inc.dead || stopped) {
                scheduled = false;
                return;
            }
            if (inc.member.paused) {
                inc.member.held.add(this); // stays scheduled: it runs again on resume
                return;
            }
            scheduled = false;
            running = this;
            boolean worked;
            try {
                worked = body.runRound();
            } finally {
                running = null;
            }
            if (worked || body.hasWork()) {
                wake();
            }
            afterRound(inc);
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public boolean awaitEnd() {
            if (running == this) {
                return false;
            }
            if (!exited) {
                exited = true;
                body.exit();
            }
            return true;
        }

        @Override
        public String toString() {
            return "n" + inc.member.id + " " + name;
        }
    }

    /** The tick timer of one incarnation, at a fixed rate in the node's own (possibly skewed) time. */
    private final class SimTimer implements NodeScheduler.Timer, Runnable {
        final Incarnation inc;
        final long periodNanos;
        final Runnable tick;
        long due;
        boolean cancelled;

        SimTimer(Incarnation inc, long periodNanos, Runnable tick) {
            this.inc = inc;
            this.periodNanos = periodNanos;
            this.tick = tick;
        }

        /** The period in simulated time: the node's own period at its clock's current rate. */
        long periodMicros() {
            return Math.max(1, Math.round(periodNanos / 1000.0 / inc.member.clockRate));
        }

        @Override
        public void run() {
            if (cancelled || inc.dead) {
                return;
            }
            due += periodMicros();
            queue.schedule(due, new SimEvent.Step(this));
            runAsNode(inc, tick);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** Runs work of the node's own (a tick, a detached task), or holds it while the node is paused. */
    private void runAsNode(Incarnation inc, Runnable work) {
        if (inc.dead) {
            return;
        }
        if (inc.member.paused) {
            inc.member.held.add(() -> runAsNode(inc, work));
            return;
        }
        work.run();
        afterRound(inc);
    }

    private KvBackend newBackend() {
        return raftKv ? new RaftKvBackend() : new SimStateMachine();
    }

    /** A fresh backend of the configured kind, for clients to encode commands with. */
    KvBackend codec() {
        return newBackend();
    }

    // ---------------------------------------------------------------- life cycle

    private void start(Member m) {
        Incarnation inc = new Incarnation(m);
        RaftConfig config = options.raftConfig().toBuilder()
                .randomSeed(seed * 0x9E3779B97F4A7C15L + m.id * 1_000_003L + inc.number).build();
        RaftNode node = RaftNode.builder().id(m.id).membership(m.bootstrap).config(config).logStore(inc.log)
                .snapshotStore(inc.snapshots).transport(inc.transport).stateMachine(inc.stateMachine)
                .tickInterval(Duration.ofNanos(options.tickMicros() * 1000))
                .requestTimeout(Duration.ofNanos(requestTimeoutMicros * 1000)).nodeScheduler(inc).build();
        inc.node = node;
        m.live = inc;
        try {
            node.start();
        } catch (RuntimeException e) {
            throwRaised(); // a check that failed inside the start (a restore, say) says more than the start's failure
            throw violation(Invariant.NODE_FAILURE, "node " + m.id + " failed to start: " + e, e);
        }
        RaftStatus s = node.status();
        NodeState state = new NodeState(s.role(), s.term(), s.leaderId(), s.commitIndex(), s.appliedIndex(),
                s.lastLogIndex());
        if (options.checkInvariants()) {
            checker.onRestart(m.slot, m.disk.hardState(), m.disk.durableLog(), m.disk.reportedIndex(),
                    m.disk.reportedTerm(), state);
        }
        m.lastState = state;
        m.lastMembership = s.membership();
        for (SimObserver o : observers) {
            o.onStart(m.id, inc.number);
        }
    }

    /**
     * Crashes {@code id}: its incarnation is gone mid-flight, unsynced writes lost (or a prefix kept).
     *
     * @param id the node to crash; nothing happens when it is down
     */
    public void crash(long id) {
        Member m = member(id);
        Incarnation inc = m.live;
        if (inc == null) {
            return;
        }
        inc.dead = true;
        inc.transport.close();
        inc.snapshots.crash();
        m.disk.crash(random, options.tornCrashRate());
        m.live = null;
        endPause(m);
        checker.onCrash(m.slot);
        note("crash n" + id);
        for (SimObserver o : observers) {
            o.onCrash(id);
        }
    }

    /**
     * Restarts {@code id} from its durable state, crashing it first if it is up; a retired node stays down.
     *
     * @param id the node to restart
     */
    public void restart(long id) {
        crash(id);
        Member m = member(id);
        if (m.retired) {
            return;
        }
        start(m);
        note("restart n" + id + " (incarnation " + m.incarnations + ")");
    }

    /**
     * From now on, the clock of {@code id} runs at {@code rate} times simulated time (1 = true time, 0.5 = half
     * speed), across its restarts: its ticks come at that rate and its monotonic clock advances at it, as on a machine
     * whose clock drifts. The clock stays continuous and monotonic across the change.
     *
     * @param id   the node
     * @param rate the new rate, positive
     */
    public void setClockRate(long id, double rate) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("a clock rate must be positive, got " + rate + " for node " + id);
        }
        Member m = member(id);
        m.nanosAtRateChange = m.clockNanos();
        m.rateSinceMicros = now;
        m.clockRate = rate;
        note("clock of n" + id + " runs at " + rate + " times true time");
    }

    /**
     * Starts the next node, with a new id, on an empty disk and as a member-to-be: it waits for a leader to add it.
     *
     * @return its id, or 0 when the cluster has no room left
     */
    public long addNode() {
        if (allocated == members.length) {
            return 0;
        }
        Member m = members[allocated++];
        start(m);
        note("add n" + m.id + " (empty disk, no configuration)");
        return m.id;
    }

    /**
     * Ends {@code id} for good, as a machine whose disk died: it crashes and never restarts.
     *
     * @param id the node to retire
     */
    public void retire(long id) {
        Member m = member(id);
        crash(id);
        m.retired = true;
        note("retire n" + id);
    }

    /**
     * {@return whether {@code id} was retired}
     *
     * @param id the node
     */
    public boolean isRetired(long id) {
        return member(id).retired;
    }

    /**
     * Pauses {@code id} for {@code ticks} ticks, like a stopped VM or a long GC pause: none of its stages, ticks or
     * deliveries run; they are held, and on resume run again in an order the seed draws. Its clock runs on.
     *
     * @param id the node to pause; nothing happens when it is down or paused already
     * @param ticks how long the pause lasts, in ticks
     */
    public void pause(long id, long ticks) {
        Member m = member(id);
        if (m.live == null || m.paused) {
            return;
        }
        m.paused = true;
        m.pausedSince = now;
        Incarnation inc = m.live;
        note("pause n" + id + " for " + ticks + " ticks");
        for (SimObserver o : observers) {
            o.onPause(id, ticks);
        }
        queue.schedule(now + ticks * options.tickMicros(), new SimEvent.Callback("resume n" + id, () -> {
            if (m.live == inc && m.paused) {
                resume(m);
            }
        }));
    }

    private void resume(Member m) {
        List<Runnable> held = endPause(m);
        note("resume n" + m.id + " with " + held.size() + " held events");
        for (SimObserver o : observers) {
            o.onResume(m.id, held.size());
        }
        // The held work runs again in an order the seed draws: each at its own small random delay.
        for (Runnable r : held) {
            queue.schedule(now + random.nextLong(STAGE_JITTER_MICROS * 4 + 1), new SimEvent.Step(r));
        }
    }

    private List<Runnable> endPause(Member m) {
        if (m.paused) {
            m.pausedMicrosTotal += now - m.pausedSince;
            m.paused = false;
        }
        List<Runnable> held = m.held;
        m.held = new ArrayList<>();
        return held;
    }

    // ---------------------------------------------------------------- network

    void send(Message message) {
        if (options.checkInvariants()) {
            checkDurableBeforeSend(message);
        }
        int copies = network.send(message, now, random, deliveryTimes);
        for (int i = 0; i < copies; i++) {
            queue.schedule(deliveryTimes[i], new SimEvent.Deliver(message));
        }
        for (SimObserver o : observers) {
            o.onSend(message, now, copies, deliveryTimes);
        }
    }

    /** Action contract rule 1, as the network sees it: the hard state a message depends on is already durable. */
    private void checkDurableBeforeSend(Message m) {
        boolean preVote = (m instanceof Message.VoteRequest && ((Message.VoteRequest) m).preVote())
                || (m instanceof Message.VoteResponse && ((Message.VoteResponse) m).preVote());
        if (preVote) {
            return; // PreVote messages carry a term nobody persists
        }
        dev.sansraft.core.HardState durable = member(m.from()).disk.hardState();
        if (m.term() > durable.term()) {
            throw violation(Invariant.ACTION_ORDER, "node " + m.from() + " sends " + RecentEvents.describe(m)
                    + " in term " + m.term() + " while its durable term is " + durable.term());
        }
        if (m instanceof Message.VoteResponse && ((Message.VoteResponse) m).voteGranted()
                && (durable.term() != m.term() || durable.votedFor() != m.to())) {
            throw violation(Invariant.ACTION_ORDER, "node " + m.from() + " grants its vote in term " + m.term()
                    + " to node " + m.to() + " while its durable hard state is " + durable);
        }
    }

    private void deliver(Message m) {
        Member to = members[(int) m.to() - 1];
        Incarnation inc = to.live;
        if (inc == null || !network.isLinkUp((int) m.from() - 1, to.slot)) {
            arrived(m, false);
            return;
        }
        if (to.paused) {
            // The process is frozen, its transport's thread too: the message waits in the socket buffer.
            to.held.add(() -> {
                if (to.live == inc && network.isLinkUp((int) m.from() - 1, to.slot)) {
                    deliverNow(inc, m);
                } else {
                    arrived(m, false);
                }
            });
            return;
        }
        deliverNow(inc, m);
    }

    private void deliverNow(Incarnation inc, Message m) {
        network.delivered();
        inc.transport.deliver(m);
        arrived(m, true);
        for (SimObserver o : observers) {
            o.onDeliver(m);
        }
    }

    private void arrived(Message m, boolean delivered) {
        for (SimObserver o : observers) {
            o.onArrive(m, now, delivered);
        }
    }

    /**
     * Cuts {@code id} off from every other node until {@link #connect}.
     *
     * @param id the node to cut off
     */
    public void disconnect(long id) {
        network.setDisconnected(member(id).slot, true);
        note("disconnect n" + id);
    }

    /**
     * Undoes {@link #disconnect}.
     *
     * @param id the node to reconnect
     */
    public void connect(long id) {
        network.setDisconnected(member(id).slot, false);
        note("connect n" + id);
    }

    /**
     * Splits the nodes into groups that cannot talk across; nodes not named form one more group.
     *
     * @param groups the node ids of each group
     */
    public void partition(long[]... groups) {
        int[] groupOf = new int[members.length];
        java.util.Arrays.fill(groupOf, groups.length);
        for (int g = 0; g < groups.length; g++) {
            for (long id : groups[g]) {
                groupOf[member(id).slot] = g;
            }
        }
        network.partition(groupOf);
        note("partition " + java.util.Arrays.deepToString(groups));
    }

    /**
     * Cuts only the direction {@code from -> to}.
     *
     * @param from the sender whose messages are lost
     * @param to the receiver that no longer hears {@code from}
     */
    public void cutLink(long from, long to) {
        network.setCut(member(from).slot, member(to).slot, true);
        note("cut link n" + from + " -> n" + to);
    }

    /**
     * Holds every message on {@code from -> to} for {@code ticks} ticks.
     *
     * @param from the sender whose messages are held
     * @param to the receiver they are held from
     * @param ticks how long messages are held, in ticks
     */
    public void clog(long from, long to, long ticks) {
        network.clog(member(from).slot, member(to).slot, now + ticks * options.tickMicros());
        note("clog n" + from + " -> n" + to + " for " + ticks + " ticks");
    }

    /** Reconnects the network: no partition, cut, clog or disconnected node. Paused nodes stay paused. */
    public void heal() {
        network.heal();
        note("heal");
    }

    /** Resumes every paused node now. */
    public void resumeAll() {
        for (Member m : allocatedMembers()) {
            if (m.paused) {
                resume(m);
            }
        }
    }

    /**
     * Sets the message loss and duplication probabilities from now on.
     *
     * @param lossRate the probability that a message is lost, 0 to 1
     * @param duplicateRate the probability that a message is delivered twice, 0 to 1
     */
    public void setUnreliable(double lossRate, double duplicateRate) {
        network.setRates(lossRate, duplicateRate, options.longTailRate(), options.jitterMicros());
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs every event due within the next {@code ticks} ticks.
     *
     * @param ticks how long to run, in ticks
     */
    public void runFor(long ticks) {
        runForMicros(ticks * options.tickMicros());
    }

    void runForMicros(long micros) {
        long until = now + micros;
        while (!queue.isEmpty() && queue.peekTime() <= until) {
            processOne();
        }
        throwRaised();
        now = until;
    }

    /**
     * Runs until {@code condition} holds (checked after every event) or {@code maxTicks} pass; returns whether it held.
     *
     * @param condition the condition, checked after every event
     * @param maxTicks the most ticks to run
     * @return true if the condition held
     */
    public boolean runUntil(BooleanSupplier condition, long maxTicks) {
        long until = now + maxTicks * options.tickMicros();
        while (true) {
            throwRaised();
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

    /**
     * Records a failure found where throwing would lose it (inside a {@code CompletableFuture} callback, whose
     * exception only completes a derived future); it is thrown once the current event has run, or at the next one
     * when raised between events. The first one raised wins.
     */
    void raise(RuntimeException failure) {
        if (raised == null) {
            raised = failure;
        }
    }

    private void throwRaised() {
        RuntimeException failure = raised;
        if (failure != null) {
            raised = null;
            throw failure;
        }
    }

    private void processOne() {
        throwRaised();
        processEvent();
        throwRaised();
    }

    private void processEvent() {
        long time = queue.peekTime();
        SimEvent event = queue.poll();
        long tickNumber = time / options.tickMicros();
        if (tickNumber != eventsTick) {
            eventsTick = tickNumber;
            eventsThisTick = 0;
        }
        if (++eventsThisTick > MAX_EVENTS_PER_TICK) {
            throw violation(Invariant.TIME_ADVANCES, MAX_EVENTS_PER_TICK + " events within tick " + tickNumber
                    + " (a whole run averages a few hundred per tick): work that reschedules itself without end");
        }
        now = time;
        events++;
        mix(time);
        if (event instanceof SimEvent.Step) {
            mix(1);
            ((SimEvent.Step) event).action().run();
        } else if (event instanceof SimEvent.Deliver) {
            Message m = ((SimEvent.Deliver) event).message();
            mix(2);
            mix(m.from() * 31 + m.to());
            mix(m.term());
            mix(m.getClass().getSimpleName().length());
            deliver(m);
        } else {
            SimEvent.Callback c = (SimEvent.Callback) event;
            mix(3);
            mix(c.label().hashCode());
            recent.add(time, c.label());
            c.action().run();
        }
    }

    /** After every round of a node: its fatal errors, and the invariants its status shows. */
    private void afterRound(Incarnation inc) {
        Member m = inc.member;
        if (inc.node.terminated().isCompletedExceptionally()) {
            Throwable cause = inc.node.terminated().handle((v, e) -> e).join();
            throw violation(Invariant.NODE_FAILURE, "node " + m.id + " stopped on a fatal error: " + cause, cause);
        }
        if (m.live != inc || (inc.storage != null && inc.storage.scheduled)) {
            // Checked once the storage stage is idle: until then the store's log trails what the core's status says.
            return;
        }
        RaftStatus s = inc.node.status();
        NodeState before = m.lastState;
        if (before.commitIndex() == s.commitIndex() && before.term() == s.term() && before.role() == s.role()
                && before.lastLogIndex() == s.lastLogIndex() && before.leaderId() == s.leaderId()) {
            return;
        }
        NodeState after = new NodeState(s.role(), s.term(), s.leaderId(), s.commitIndex(), s.appliedIndex(),
                s.lastLogIndex());
        m.lastState = after;
        Membership membershipBefore = m.lastMembership;
        m.lastMembership = s.membership();
        if (options.checkInvariants() && after.role() == Role.LEADER && before.role() == Role.LEADER
                && before.term() == after.term() && after.commitIndex() > before.commitIndex()) {
            checkCommitQuorum(m, before, after, inc.log.log(), membershipBefore);
        }
        if (after.role() == Role.LEADER && (before.role() != Role.LEADER || before.term() != after.term())) {
            recent.add(now, "n" + m.id + " became LEADER of term " + after.term());
        }
        if (options.checkInvariants()) {
            checker.afterRound(m.slot, before, after, inc.log.log());
        }
        for (SimObserver o : observers) {
            o.onStatus(m.id, before, after);
        }
    }

    /**
     * {@link Invariant#COMMIT_QUORUM}: the leader {@code m} committed up to {@code after}'s commit index, so the voters
     * of the configuration it counted with that durably hold that entry must form a quorum of it; a removed node or a
     * learner holding it never helps. The rounds since the last check may have changed the configuration more than
     * once (a configuration takes effect when appended), so any of the ones in effect meanwhile will do: the one
     * before them, or one the leader appended in them. The holders are counted now, when at least as many hold it.
     */
    private void checkCommitQuorum(Member m, NodeState before, NodeState after,
                                   dev.sansraft.core.InMemoryLog log, Membership membershipBefore) {
        long index = after.commitIndex();
        if (before.lastLogIndex() + 1 < log.firstIndex() || index < log.firstIndex() - 1) {
            return; // compacted meanwhile: the configurations of the window are not all known
        }
        long term = log.term(index);
        List<Membership> candidates = new ArrayList<>();
        candidates.add(membershipBefore);
        for (long i = before.lastLogIndex() + 1; i <= Math.min(after.lastLogIndex(), log.lastIndex()); i++) {
            LogEntry e = log.entry(i);
            if (e.kind() == dev.sansraft.core.EntryKind.CONFIG) {
                candidates.add(dev.sansraft.core.MembershipCodec.decode(e.payload()));
            }
        }
        StringBuilder seen = new StringBuilder();
        for (Membership c : candidates) {
            List<Long> holders = durableHolders(index, term, c.allVoterIds());
            if (Quorums.isQuorum(c, holders)) {
                return;
            }
            seen.append(seen.length() == 0 ? "" : "; ").append(holders).append(" of ").append(Quorums.describe(c));
        }
        throw violation(Invariant.COMMIT_QUORUM, "leader " + m.id + " committed index " + index + " (term " + term
                + ") but no configuration it was in since its last check has a quorum holding it durably: " + seen);
    }

    private List<Long> durableHolders(long index, long term, Collection<Long> voters) {
        List<Long> holders = new ArrayList<>();
        for (long id : voters) {
            if (id < 1 || id > allocated) {
                continue;
            }
            dev.sansraft.core.InMemoryLog durable = member(id).disk.durableLog();
            boolean compactedPast = durable.firstIndex() - 1 >= index;
            if (compactedPast || (index >= durable.firstIndex() && index <= durable.lastIndex()
                    && durable.term(index) == term)) {
                holders.add(id);
            }
        }
        return holders;
    }

    void clientCall(int clientId, long nodeId, KvModel.Input input) {
        for (SimObserver o : observers) {
            o.onClientCall(clientId, nodeId, input);
        }
    }

    void clientOutcome(int clientId, long nodeId, KvModel.Input input, Object result, Throwable failure) {
        for (SimObserver o : observers) {
            o.onClientOutcome(clientId, nodeId, input, result, failure);
        }
    }

    private void mix(long x) {
        traceHash = Long.rotateLeft((traceHash ^ x) * 0x9E3779B97F4A7C15L, 29);
    }

    // ---------------------------------------------------------------- accessors

    /** {@return how many nodes were started so far (ids 1..size), retired ones included} */
    public int size() {
        return allocated;
    }

    /** {@return the run's seed} */
    public long seed() {
        return seed;
    }

    /** {@return the run's options} */
    public SimOptions options() {
        return options;
    }

    /** {@return the simulated time, in microseconds} */
    public long nowMicros() {
        return now;
    }

    /** {@return the simulated time, in ticks} */
    public double tick() {
        return now / (double) options.tickMicros();
    }

    /** {@return how many events ran so far} */
    public long eventsProcessed() {
        return events;
    }

    /** {@return a hash of every event so far; equal for two runs of one seed} */
    public long traceHash() {
        return traceHash;
    }

    SplittableRandom random() {
        return random;
    }

    long requestTimeoutMicros() {
        return requestTimeoutMicros;
    }

    InvariantChecker checker() {
        return checker;
    }

    /**
     * Every message nodes have sent, including those the network then lost.
     *
     * @return the count
     */
    public long messagesSent() {
        return network.messagesSent();
    }

    /**
     * The full, non-incremental invariant check over every node's log: the store's log of a live node (what it has
     * handed to storage), the durable log of a node that is down.
     */
    public void checkAll() {
        List<dev.sansraft.core.InMemoryLog> logs = new ArrayList<>();
        for (Member m : members) {
            logs.add(m.live != null ? m.live.log.log() : m.disk.durableLog());
        }
        checker.checkLogs(logs);
    }

    void addObserver(SimObserver observer) {
        observers.add(observer);
    }

    Member member(long id) {
        if (id < 1 || id > allocated) {
            throw new IllegalArgumentException("no node " + id + " in a cluster of " + allocated);
        }
        return members[(int) id - 1];
    }

    /**
     * The live RaftNode of {@code id}, or null while it is down.
     *
     * @param id a node id
     * @return the node, or null
     */
    public RaftNode node(long id) {
        Incarnation inc = member(id).live;
        return inc == null ? null : inc.node;
    }

    /**
     * {@return whether {@code id} is up (possibly paused)}
     *
     * @param id a node id
     */
    public boolean isUp(long id) {
        return member(id).live != null;
    }

    /**
     * {@return whether {@code id} is paused}
     *
     * @param id a node id
     */
    public boolean isPaused(long id) {
        return member(id).paused;
    }

    /**
     * Up, not paused and not cut off by {@link #disconnect}.
     *
     * @param id a node id
     * @return true if it is up, running and connected
     */
    public boolean isConnected(long id) {
        Member m = member(id);
        return m.live != null && !m.paused && !network.isDisconnected(m.slot);
    }

    /** {@return the leader with the highest term among connected nodes, or 0} */
    public long leader() {
        long best = 0;
        long bestTerm = -1;
        for (Member m : allocatedMembers()) {
            if (isConnected(m.id)) {
                RaftStatus s = m.live.node.status();
                if (s.role() == Role.LEADER && s.term() > bestTerm) {
                    best = m.id;
                    bestTerm = s.term();
                }
            }
        }
        return best;
    }

    /**
     * From now on, crash a node at a snapshot moment ({@link SnapshotMoments}) with probability {@code rate}, drawn
     * from a stream of its own (seeded by {@code streamSeed}) so that the rest of the run draws what it did without;
     * 0 stops them.
     *
     * @param rate       the probability per moment, 0 to 1
     * @param streamSeed the seed of the draws
     */
    void setSnapshotCrashRate(double rate, long streamSeed) {
        if (snapshotCrashRandom == null) {
            snapshotCrashRandom = new SplittableRandom(streamSeed);
        }
        snapshotCrashRate = rate;
    }

    /** {@return the crashes aimed at snapshot moments so far} */
    long snapshotCrashes() {
        return snapshotCrashes;
    }

    /** {@return client writes applied again (a re-sent copy) without changing the state: sessions at work} */
    long duplicatesWithoutEffect() {
        return duplicatesWithoutEffect;
    }

    /** A metric summed over the live incarnations (counters start again at each restart). */
    long metricSum(String name) {
        long sum = 0;
        for (Member m : allocatedMembers()) {
            if (m.live != null) {
                sum += (long) m.live.node.metrics().get(name);
            }
        }
        return sum;
    }

    /**
     * The node's applied index, 0 while it is down.
     *
     * @param id a node id
     * @return the applied index
     */
    public long appliedIndex(long id) {
        RaftNode n = node(id);
        return n == null ? 0 : n.status().appliedIndex();
    }

    // ---------------------------------------------------------------- liveness and reporting

    /**
     * The liveness phase: once faults stop, everything is healed and every
     * node up, a leader must commit a probe written through {@link RaftNode#propose} within
     * {@link #LIVENESS_BOUND_ELECTION_TIMEOUTS} election timeouts, and every node must then apply it,
     * the slowest progressing at least once per {@link #CATCH_UP_WINDOW_ELECTION_TIMEOUTS} election
     * timeouts.
     *
     * @return ticks it took
     */
    public long checkLiveness() {
        heal();
        resumeAll();
        setUnreliable(0, 0);
        for (Member m : allocatedMembers()) {
            if (m.live == null && !m.retired) {
                restart(m.id);
            }
        }
        long start = now;
        long et = options.raftConfig().electionTimeoutTicks();
        long boundTicks = LIVENESS_BOUND_ELECTION_TIMEOUTS * et;
        long deadline = now + boundTicks * options.tickMicros();
        CompletableFuture<byte[]> probe = null;
        long probeLeader = 0;
        int probes = 0;
        while (true) {
            if (probe != null && probe.isDone()) {
                if (!probe.isCompletedExceptionally()) {
                    break;
                }
                probe = null; // not applied, or not known to be: try again at whoever leads now
            }
            long leader = leader();
            if (probe == null && leader != 0) {
                probe = node(leader).propose(("liveness-probe-" + seed + "-" + probes++)
                        .getBytes(StandardCharsets.UTF_8));
                probeLeader = leader;
            }
            if (now >= deadline) {
                throw violation(Invariant.LIVENESS, "no leader committed a probe within " + boundTicks
                        + " ticks of healing (" + probes + " probes), node states:" + describeNodes());
            }
            runForMicros(options.tickMicros() / 2);
        }
        // The probe's future completed on the leader's apply stage, so its applied index covers the probe. Every
        // member of the leader's configuration must apply it; nodes removed from it need not.
        long target = appliedIndex(probeLeader);
        Membership configuration = node(probeLeader).status().membership();
        long window = CATCH_UP_WINDOW_ELECTION_TIMEOUTS * et * options.tickMicros();
        long slowest = minApplied(configuration);
        long windowEnd = now + window;
        while (minApplied(configuration) < target) {
            runForMicros(options.tickMicros() / 2);
            long m = minApplied(configuration);
            if (m > slowest) {
                slowest = m;
                windowEnd = now + window;
            } else if (now >= windowEnd) {
                throw violation(Invariant.COMMITTED_APPLIED_EVERYWHERE, "the slowest node stayed at applied index "
                        + slowest + " for " + CATCH_UP_WINDOW_ELECTION_TIMEOUTS * et + " ticks; it must"
                        + " reach " + target + ", node states:" + describeNodes());
            }
        }
        return (now - start) / options.tickMicros();
    }

    private long minApplied(Membership configuration) {
        long min = Long.MAX_VALUE;
        for (Member m : allocatedMembers()) {
            if (!m.retired && configuration.contains(m.id)) {
                min = Math.min(min, appliedIndex(m.id));
            }
        }
        return min;
    }

    /** The nodes started so far (slots 1..{@link #size()}), retired ones included. */
    private List<Member> allocatedMembers() {
        return java.util.Arrays.asList(members).subList(0, allocated);
    }

    String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (Member m : allocatedMembers()) {
            sb.append("\n  n").append(m.id).append(m.retired ? " retired" : m.live == null ? " down"
                            : " " + m.live.node.status())
                    .append(m.paused ? " PAUSED" : "").append("\n    ").append(m.disk.describe());
        }
        return sb.toString();
    }

    /** The simulated network, for the targeted nemeses' {@link SimNetwork.Interference}. */
    SimNetwork network() {
        return network;
    }

    void note(String what) {
        recent.add(now, what);
        mix(what.hashCode());
        for (SimObserver o : observers) {
            o.onNote(what, now);
        }
    }

    InvariantViolation violation(Invariant invariant, String detail) {
        return violation(invariant, detail, null);
    }

    InvariantViolation violation(Invariant invariant, String detail, Throwable cause) {
        return new InvariantViolation(invariant, seed, tick(), detail, recent.format(), cause);
    }
}
