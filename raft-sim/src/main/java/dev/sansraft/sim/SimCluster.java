package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftCore;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import java.util.ArrayList;
import java.util.List;
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
 * <p>The {@link SimEngine} beneath executes every node's actions under the contract of {@link Action} and, with
 * invariant checking on, has every step checked; a violation throws an {@link InvariantViolation} naming the seed,
 * the tick and the last events.
 *
 * <p>Harness methods in the style of the MIT 6.824 Raft tests ({@link #checkOneLeader()}, {@link #one},
 * {@link #nCommitted}) fail with an {@link AssertionError} that carries the seed and the tick.
 *
 * <p>Not thread-safe: one thread drives a cluster.
 */
public final class SimCluster {

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

    /** The outcome of {@link #propose}: accepted at (index, term), or rejected with a leader hint. */
    public record ProposeResult(boolean accepted, long index, long term, long leaderHint) {
    }

    private final long seed;
    private final SimOptions options;
    private final SimEngine engine;
    private final SimNode[] nodes;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final InvariantChecker checker;

    private SimCluster(int n, long seed, SimOptions options, boolean raftKv) {
        this.seed = seed;
        this.options = options;
        this.engine = new SimEngine(n, seed, options);
        engine.raftKv = raftKv;
        this.nodes = engine.nodes();
        this.random = engine.random();
        this.network = engine.network();
        this.checker = engine.checker();
        for (SimNode node : nodes) {
            engine.start(node);
        }
    }

    /**
     * A cluster of {@code n} nodes, all up and connected, at time 0.
     *
     * @param n the number of nodes
     * @param seed the seed of every random choice in the run
     * @param options network, disk and timing settings
     * @return the cluster
     */
    public static SimCluster create(int n, long seed, SimOptions options) {
        return new SimCluster(n, seed, options, false);
    }

    /**
     * {@return a cluster of {@code n} nodes with the default options, all up and connected, at time 0}
     *
     * @param n the number of nodes
     * @param seed the seed of every random choice in the run
     */
    public static SimCluster create(int n, long seed) {
        return new SimCluster(n, seed, SimOptions.defaults(), false);
    }

    /** A cluster whose nodes apply their logs to raft-kv's state machine ({@link RaftKvBackend}) when asked. */
    static SimCluster create(int n, long seed, SimOptions options, boolean raftKv) {
        return new SimCluster(n, seed, options, raftKv);
    }

    // ---------------------------------------------------------------- accessors

    /** {@return the number of nodes} */
    public int size() {
        return nodes.length;
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
        return engine.now();
    }

    /** {@return the simulated time, in ticks} */
    public double tick() {
        return engine.now() / (double) options.tickMicros();
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
        engine.addObserver(observer);
    }

    /**
     * {@return whether node {@code id} is up}
     *
     * @param id a node id
     */
    public boolean isUp(long id) {
        return node(id).up;
    }

    /**
     * Whether the node is up and not cut off by {@link #disconnect}.
     *
     * @param id a node id
     * @return true if it is up and connected
     */
    public boolean isConnected(long id) {
        return node(id).up && !network.isDisconnected((int) id - 1);
    }

    /**
     * The node's status; for a node that is down, the last state seen before its crash (with no peers).
     *
     * @param id a node id
     * @return the status
     */
    public RaftStatus status(long id) {
        SimNode node = node(id);
        if (node.up) {
            return node.core.status();
        }
        NodeState s = node.status;
        return new RaftStatus(node.id, s.role(), s.term(), s.leaderId(), s.commitIndex(), s.appliedIndex(),
                s.lastLogIndex(), engine.members(), List.of(), node.snapshots.newestIndex());
    }

    /**
     * A copy of the node's in-memory log (the durable one if the node is down).
     *
     * @param id a node id
     * @return the entries, in index order
     */
    public List<LogEntry> log(long id) {
        SimNode node = node(id);
        return node.up ? node.log.snapshotEntries() : node.disk.durableLog().snapshotEntries();
    }

    /**
     * {@return the node's applied index, 0 while it is down}
     *
     * @param id a node id
     */
    public long appliedIndex(long id) {
        SimNode node = node(id);
        return node.up ? node.stateMachine.appliedIndex() : 0;
    }

    /** {@return every message nodes have sent, including those the network then lost} */
    public long messagesSent() {
        return network.messagesSent();
    }

    /** {@return how many of {@link #messagesSent()} were {@code AppendRequest}s} */
    public long appendRequestsSent() {
        return network.appendRequestsSent();
    }

    /** {@return how many of {@link #messagesSent()} were {@code AppendResponse}s} */
    public long appendResponsesSent() {
        return network.appendResponsesSent();
    }

    /** {@return the header plus entry bytes of every message sent} */
    public long bytesSent() {
        return network.bytesSent();
    }

    /** {@return how many events were processed so far} */
    public long eventsProcessed() {
        return engine.events();
    }

    /** {@return a hash of every event processed (time, kind and content): equal for two runs of the same seed} */
    public long traceHash() {
        return engine.traceHash();
    }

    /** {@return the highest index of a proposal acknowledged committed to its proposer} */
    public long maxAckedIndex() {
        return engine.maxAckedIndex();
    }

    /** {@return the entries known committed so far, in index order} */
    public List<LogEntry> committedEntries() {
        return List.copyOf(checker.committed());
    }

    // ---------------------------------------------------------------- faults

    /**
     * Cuts every link to and from {@code id}.
     *
     * @param id the node to cut off
     */
    public void disconnect(long id) {
        node(id);
        network.setDisconnected((int) id - 1, true);
        note("disconnect n" + id);
    }

    /**
     * Restores the links to and from {@code id} that {@link #disconnect} cut.
     *
     * @param id the node to reconnect
     */
    public void connect(long id) {
        node(id);
        network.setDisconnected((int) id - 1, false);
        note("connect n" + id);
    }

    /**
     * Splits the nodes into groups that cannot talk across; nodes not named form one more group.
     *
     * @param groups the node ids of each group
     */
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

    /**
     * Cuts only the direction {@code from -> to} (an asymmetric fault).
     *
     * @param from the sender whose messages are lost
     * @param to the receiver that no longer hears {@code from}
     */
    public void cutLink(long from, long to) {
        node(from);
        node(to);
        network.setCut((int) from - 1, (int) to - 1, true);
        note("cut link n" + from + " -> n" + to);
    }

    /**
     * Holds every message on {@code from -> to} for {@code ticks} ticks.
     *
     * @param from the sender
     * @param to the receiver
     * @param ticks how long messages are held, in ticks
     */
    public void clog(long from, long to, long ticks) {
        node(from);
        node(to);
        network.clog((int) from - 1, (int) to - 1, engine.now() + ticks * options.tickMicros());
        note("clog n" + from + " -> n" + to + " for " + ticks + " ticks");
    }

    /**
     * Pauses {@code id} for {@code ticks} ticks, like a long GC pause or a stopped VM: nothing it sends leaves and
     * nothing sent to it arrives until the pause ends, then everything held is delivered. Its clock keeps running.
     *
     * @param id the node to pause
     * @param ticks how long the pause lasts, in ticks
     */
    public void pause(long id, long ticks) {
        node(id);
        long until = engine.now() + ticks * options.tickMicros();
        for (int other = 0; other < nodes.length; other++) {
            network.clog((int) id - 1, other, until);
            network.clog(other, (int) id - 1, until);
        }
        note("pause n" + id + " for " + ticks + " ticks");
    }

    /**
     * Changes message loss and duplication for every link from engine.now() on.
     *
     * @param lossRate the probability that a message is lost, 0 to 1
     * @param duplicateRate the probability that a message is delivered twice, 0 to 1
     */
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
     *
     * @param id the node to crash; nothing happens when it is down
     */
    public void crash(long id) {
        SimNode node = node(id);
        if (!node.up) {
            return;
        }
        engine.crash(node);
        note("crash n" + id);
    }

    /**
     * Restarts {@code id} from its durable state, crashing it first if it is up.
     *
     * @param id the node to restart
     */
    public void restart(long id) {
        SimNode node = node(id);
        crash(id);
        engine.start(node);
        note("restart n" + id + " at term " + node.status.term() + " last index " + node.status.lastLogIndex());
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs every event due within the next {@code ticks} ticks.
     *
     * @param ticks how long to run, in ticks
     */
    public void runFor(long ticks) {
        engine.runForMicros(ticks * options.tickMicros());
    }

    void runForMicros(long micros) {
        engine.runForMicros(micros);
    }

    /**
     * Runs until {@code condition} holds (tested before the first event and after each one) or {@code maxTicks}
     * ticks pass.
     *
     * @param condition the condition to wait for
     * @param maxTicks the most ticks to run
     * @return whether the condition held
     */
    public boolean runUntil(BooleanSupplier condition, long maxTicks) {
        return engine.runUntil(condition, maxTicks);
    }

    /** Schedules harness work {@code delayMicros} from engine.now(). */
    void schedule(long delayMicros, String label, Runnable action) {
        engine.schedule(delayMicros, label, action);
    }

    // ---------------------------------------------------------------- client-facing harness

    /** Allocates a correlation id unique within this run. */
    long nextCorrelationId() {
        return engine.nextCorrelationId();
    }

    /**
     * Proposes {@code payload} at node {@code id} engine.now(), like 6.824's {@code Start}: accepted at (index, term) if the
     * node is leader, otherwise rejected with its leader hint. A down node rejects with hint 0.
     *
     * @param id the node to propose at
     * @param payload the command
     * @return where it was accepted, or the rejection with the leader hint
     */
    public ProposeResult propose(long id, byte[] payload) {
        return propose(id, nextCorrelationId(), payload);
    }

    ProposeResult propose(long id, long correlationId, byte[] payload) {
        node(id);
        return engine.propose(id, correlationId, payload);
    }

    /** Asks node {@code id} for a linearizable read; the outcome reaches the observers. */
    void readIndex(long id, long readId, boolean lease) {
        node(id);
        engine.readIndex(id, readId, lease);
    }

    int proposeBatch(long id, List<byte[]> payloads) {
        node(id);
        return engine.proposeBatch(id, payloads);
    }

    /** As {@link #proposeBatch(long, List)}, with {@code reads} ReadIndex requests in the same batch. */
    int proposeBatch(long id, List<byte[]> payloads, int reads, long firstReadId) {
        node(id);
        return engine.proposeBatch(id, payloads, reads, firstReadId);
    }

    void recordDropped(SimNode node, long correlationId, long index, long term) {
        engine.recordDropped(node, correlationId, index, term);
    }

    SimEngine engine() {
        return engine;
    }

    /** {@return the leader with the highest term among nodes that are up and connected, or 0 if there is none} */
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
     *
     * @return the leader's id
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

    /** {@return the term all connected nodes agree on; fails if they disagree} */
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

    /**
     * How many nodes have applied {@code index}; fails if two of them that still hold the entry applied different
     * entries there (where it is compacted away, the invariant checker compares state digests instead).
     *
     * @param index a log index
     * @return how many up nodes applied it
     */
    public int nCommitted(long index) {
        int count = 0;
        LogEntry seen = null;
        for (SimNode n : nodes) {
            if (n.up && index >= 1 && n.stateMachine.appliedIndex() >= index) {
                if (index >= n.log.firstIndex()) {
                    LogEntry mine = n.log.entry(index);
                    if (seen != null && !seen.equals(mine)) {
                        throw failure("committed values do not match at index " + index + ": " + seen + " vs "
                                + mine);
                    }
                    seen = mine;
                }
                count++;
            }
        }
        return count;
    }

    /**
     * The committed entry at {@code index}, or null if no node applied it yet.
     *
     * @param index a log index
     * @return the entry, or null
     */
    public LogEntry committedEntry(long index) {
        for (SimNode n : nodes) {
            if (n.up && index >= 1 && n.stateMachine.appliedIndex() >= index) {
                return index >= n.log.firstIndex() ? n.log.entry(index) : checker.committed().get((int) index - 1);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * The digest of the node's state machine (see {@link KvBackend#digest()}); the node must be up.
     *
     * @param id an up node
     * @return the digest
     */
    public long digest(long id) {
        SimNode node = node(id);
        if (!node.up) {
            throw new IllegalStateException("node " + id + " is down");
        }
        return node.stateMachine.digest();
    }

    /**
     * The index of the node's newest durable snapshot, 0 without one.
     *
     * @param id a node id
     * @return the snapshot's last included index, or 0
     */
    public long snapshotIndex(long id) {
        return node(id).snapshots.newestIndex();
    }

    /**
     * The first index the node's log holds (in memory if up, else on disk): above 1 once compacted.
     *
     * @param id a node id
     * @return the first index
     */
    public long firstLogIndex(long id) {
        SimNode node = node(id);
        return node.up ? node.log.firstIndex() : node.disk.durableLog().firstIndex();
    }

    /**
     * The last index the node's log holds (in memory if up, else on disk).
     *
     * @param id a node id
     * @return the last index
     */
    public long lastLogIndex(long id) {
        SimNode node = node(id);
        return node.up ? node.log.lastIndex() : node.disk.durableLog().lastIndex();
    }

    /**
     * InstallSnapshot chunks delivered to the node, over all its incarnations.
     *
     * @param id a node id
     * @return the chunk count
     */
    public long snapshotChunksReceived(long id) {
        return node(id).snapshotChunksReceived;
    }

    /**
     * Snapshots from a leader restored into the node's state machine, over all its incarnations.
     *
     * @param id a node id
     * @return the install count
     */
    public long snapshotsInstalled(long id) {
        return node(id).snapshotsInstalled;
    }

    /** Counters of the snapshot actions executed so far, over every node. */
    SnapshotActions.Stats snapshotStats() {
        return engine.snapshotStats();
    }

    /**
     * Like 6.824's {@code one}: proposes {@code payload} at each connected node in turn until one accepts it, then
     * waits up to 20 ticks for it to be applied on {@code expectedNodes} nodes; it tries again (for up to 100 ticks in
     * all) when the entry does not commit, e.g. because the leader was deposed. Fails with an {@link AssertionError}
     * after that bound.
     *
     * @param payload the command
     * @param expectedNodes how many nodes must apply it
     * @return the index it committed at
     */
    public long one(byte[] payload, int expectedNodes) {
        return one(payload, expectedNodes, true);
    }

    /**
     * {@link #one(byte[], int)} with 6.824's {@code retry} flag: without it, the first accepted attempt must commit.
     *
     * @param payload the command
     * @param expectedNodes how many nodes must apply it
     * @param retry whether to propose again when an accepted attempt does not commit
     * @return the index it committed at
     */
    public long one(byte[] payload, int expectedNodes, boolean retry) {
        long deadline = engine.now() + 100 * options.tickMicros();
        int starts = 0;
        while (engine.now() < deadline) {
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
     * The liveness phase. Call once every fault has stopped: heals the network, makes it reliable and restarts every
     * node that is down. Then (1) within {@link #LIVENESS_BOUND_ELECTION_TIMEOUTS} election timeouts a leader must
     * commit a fresh probe proposal, else {@link Invariant#LIVENESS} fails; (2) every node must apply the probe, and
     * with it every proposal acknowledged before, with the slowest node progressing at least once per
     * {@link #CATCH_UP_WINDOW_ELECTION_TIMEOUTS} election timeouts, else {@link Invariant#COMMITTED_APPLIED_EVERYWHERE}
     * fails.
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
        long start = engine.now();
        long et = options.raftConfig().electionTimeoutTicks();
        long boundTicks = LIVENESS_BOUND_ELECTION_TIMEOUTS * et;
        long deadline = engine.now() + boundTicks * options.tickMicros();
        long probeIndex = -1;
        long probeTerm = -1;
        long probeLeader = 0;
        int probes = 0;
        while (true) {
            long leader = leader();
            if (leader != 0 && (probeIndex < 0 || node(leader).status.term() != probeTerm)) {
                ProposeResult r = propose(leader, ("liveness-probe-" + seed + "-" + probes++).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
                if (r.accepted()) {
                    probeIndex = r.index();
                    probeTerm = r.term();
                    probeLeader = leader;
                }
            }
            if (probeIndex > 0 && node(probeLeader).up && node(probeLeader).status.term() == probeTerm
                    && node(probeLeader).status.commitIndex() >= probeIndex) {
                break;
            }
            if (engine.now() >= deadline) {
                throw violation(Invariant.LIVENESS, "no leader committed a probe within " + boundTicks
                        + " ticks of healing (probe index " + probeIndex + "), node states:" + describeNodes(), null);
            }
            runForMicros(options.tickMicros() / 2);
        }
        long target = Math.max(probeIndex, engine.maxAckedIndex());
        long window = CATCH_UP_WINDOW_ELECTION_TIMEOUTS * et * options.tickMicros();
        long slowest = minApplied();
        long windowEnd = engine.now() + window;
        while (!allApplied(target)) {
            runForMicros(options.tickMicros() / 2);
            long m = minApplied();
            if (m > slowest) {
                slowest = m;
                windowEnd = engine.now() + window;
            } else if (engine.now() >= windowEnd) {
                throw violation(Invariant.COMMITTED_APPLIED_EVERYWHERE, "the slowest node stayed at applied index "
                        + slowest + " for " + CATCH_UP_WINDOW_ELECTION_TIMEOUTS * et + " ticks; it must reach "
                        + target + " (probe " + probeIndex + ", highest acknowledged " + engine.maxAckedIndex()
                        + "), node states:" + describeNodes(), null);
            }
        }
        return (engine.now() - start) / options.tickMicros();
    }

    private long minApplied() {
        long min = Long.MAX_VALUE;
        for (SimNode n : nodes) {
            min = Math.min(min, n.up ? n.stateMachine.appliedIndex() : 0);
        }
        return min;
    }

    private String describeNodes() {
        StringBuilder state = new StringBuilder();
        for (SimNode n : nodes) {
            state.append("\n  ").append(status(n.id)).append("\n    ").append(n.disk.describe())
                    .append("; snapshots: newest ").append(n.snapshots.newestIndex()).append(", receiving ")
                    .append(n.snapshots.receivingInfo() == null ? "none"
                            : n.snapshots.receivedBytes() + " bytes of " + n.snapshots.receivingInfo());
        }
        return state.toString();
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
        engine.note(what);
    }

    InvariantViolation violation(Invariant invariant, String detail, Throwable cause) {
        return engine.violation(invariant, detail, cause);
    }

    private AssertionError failure(String what) {
        return new AssertionError(String.format("%s (seed %d, tick %.3f)%n%s", what, seed, tick(), engine.recentEvents()));
    }
}
