package dev.sansraft.sim;

import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.node.NotLeaderException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The scenario harness over a {@link NodeSim} of real {@code RaftNode}s, in the style of the MIT 6.824 Raft tests
 * ({@link #checkOneLeader()}, {@link #checkNoLeader()}, {@link #checkTerms()}): a scenario test drives the cluster's
 * network and nodes step by step and asserts on what the nodes report, while the simulator checks every invariant
 * after every event. Proposals go through {@link dev.sansraft.node.RaftNode#propose}; {@link #propose} returns once
 * the node's log store holds the entry (or the node refused it), which tells its index as 6.824's {@code Start} does.
 * A failed check throws an {@link AssertionError} that carries the seed and the tick.
 *
 * <p>Not thread-safe: one thread drives a cluster.
 */
public final class SimCluster {

    /**
     * The outcome of {@link #propose}: accepted at (index, term), or refused with a leader hint.
     *
     * @param accepted   whether the node took the proposal into its log
     * @param index      its index, -1 if refused
     * @param term       its term, -1 if refused
     * @param leaderHint the leader the node named when it refused (0 if none), the node itself if accepted
     * @param future     the node's future for the proposal, null if it was refused before reaching the node
     */
    public record ProposeResult(boolean accepted, long index, long term, long leaderHint,
                                CompletableFuture<byte[]> future) {
    }

    private final NodeSim sim;
    private long maxAckedIndex;
    private final long[] chunksReceived;

    private SimCluster(NodeSim sim) {
        this.sim = sim;
        this.chunksReceived = new long[sim.size() + 1];
        sim.addObserver(new SimObserver() {
            @Override
            public void onDeliver(Message message) {
                if (message instanceof Message.InstallSnapshot && message.to() < chunksReceived.length) {
                    chunksReceived[(int) message.to()]++;
                }
            }
        });
    }

    /**
     * {@code n} real nodes on the simulator's store, all up and connected, at time 0.
     *
     * @param n    the number of nodes
     * @param seed the seed of every random choice
     * @return the cluster
     */
    public static SimCluster create(int n, long seed) {
        return create(n, seed, SimOptions.defaults());
    }

    /**
     * As {@link #create(int, long)}, with other settings.
     *
     * @param n       the number of nodes
     * @param seed    the seed of every random choice
     * @param options network, disk and timing settings
     * @return the cluster
     */
    public static SimCluster create(int n, long seed, SimOptions options) {
        // A request timeout far beyond any scenario's waits: scenarios decide themselves when to give up.
        return new SimCluster(NodeSim.create(n, seed, options, false, 10_000));
    }

    /**
     * The simulation beneath, for faults and finer control.
     *
     * @return the simulation
     */
    public NodeSim sim() {
        return sim;
    }

    /**
     * The settings of the run.
     *
     * @return the options
     */
    public SimOptions options() {
        return sim.options();
    }

    /**
     * The seed of the run.
     *
     * @return the seed
     */
    public long seed() {
        return sim.seed();
    }

    /**
     * Crashes {@code id}: its unsynced writes are lost (or a prefix kept), its futures never complete.
     *
     * @param id the node
     */
    public void crash(long id) {
        sim.crash(id);
    }

    /**
     * Restarts {@code id} from its durable state, crashing it first if it is up.
     *
     * @param id the node
     */
    public void restart(long id) {
        sim.restart(id);
    }

    /**
     * Whether {@code id} is up.
     *
     * @param id the node
     * @return true while it has a live incarnation
     */
    public boolean isUp(long id) {
        return sim.isUp(id);
    }

    /**
     * Sets message loss and duplication from now on.
     *
     * @param lossRate      the probability that a message is lost
     * @param duplicateRate the probability that a message is delivered twice
     */
    public void setUnreliable(double lossRate, double duplicateRate) {
        sim.setUnreliable(lossRate, duplicateRate);
    }

    /**
     * Runs every event due within the next {@code micros} microseconds.
     *
     * @param micros how long to run
     */
    public void runForMicros(long micros) {
        sim.runForMicros(micros);
    }

    /**
     * The liveness phase of {@link NodeSim#checkLiveness()}: heal, restart everyone, a probe must commit.
     *
     * @return ticks it took
     */
    public long checkLiveness() {
        return sim.checkLiveness();
    }

    /**
     * The highest index of a proposal whose proposer acknowledged it (its future succeeded).
     *
     * @return the index, 0 if none
     */
    public long maxAckedIndex() {
        return maxAckedIndex;
    }

    /**
     * The entries known committed so far, in index order.
     *
     * @return a copy
     */
    public List<LogEntry> committedEntries() {
        return List.copyOf(sim.checker().committed());
    }

    /**
     * Cuts {@code id} off from every other node.
     *
     * @param id the node
     */
    public void disconnect(long id) {
        sim.disconnect(id);
    }

    /**
     * Undoes {@link #disconnect}.
     *
     * @param id the node
     */
    public void connect(long id) {
        sim.connect(id);
    }

    /**
     * Runs every event due within the next {@code ticks} ticks.
     *
     * @param ticks how long to run
     */
    public void runFor(long ticks) {
        sim.runFor(ticks);
    }

    /**
     * Runs until {@code condition} holds (checked after every event) or {@code maxTicks} pass.
     *
     * @param condition the condition
     * @param maxTicks  the most ticks to run
     * @return whether it held
     */
    public boolean runUntil(BooleanSupplier condition, long maxTicks) {
        return sim.runUntil(condition, maxTicks);
    }

    /**
     * The leader with the highest term among connected nodes.
     *
     * @return its id, 0 if none
     */
    public long leader() {
        return sim.leader();
    }

    /**
     * Every message nodes have sent, including those the network then lost.
     *
     * @return the count
     */
    public long messagesSent() {
        return sim.messagesSent();
    }

    /**
     * The status of a live node.
     *
     * @param id the node, which must be up
     * @return its status
     */
    public RaftStatus status(long id) {
        if (!sim.isUp(id)) {
            throw failure("node " + id + " is down");
        }
        return sim.node(id).status();
    }

    /**
     * A copy of the node's log: what its log store holds if it is up, its durable log if it is down.
     *
     * @param id the node
     * @return its entries
     */
    public List<LogEntry> log(long id) {
        NodeSim.Member m = sim.member(id);
        return m.live != null ? m.live.log.log().snapshotEntries() : m.disk.durableLog().snapshotEntries();
    }

    /**
     * The number of nodes.
     *
     * @return ids run 1..size
     */
    public int size() {
        return sim.size();
    }

    /**
     * The first index the node's log holds (one past its compaction point): its log store's if up, its durable log's
     * if down.
     *
     * @param id the node
     * @return the first index
     */
    public long firstLogIndex(long id) {
        return logOf(id).firstIndex();
    }

    /**
     * The last index the node's log holds: its log store's if up, its durable log's if down.
     *
     * @param id the node
     * @return the last index
     */
    public long lastLogIndex(long id) {
        return logOf(id).lastIndex();
    }

    private InMemoryLog logOf(long id) {
        NodeSim.Member m = sim.member(id);
        return m.live != null ? m.live.log.log() : m.disk.durableLog();
    }

    /**
     * The index of the newest snapshot in the node's durable snapshot store.
     *
     * @param id the node
     * @return its index, 0 if none
     */
    public long snapshotIndex(long id) {
        return sim.member(id).snapshots.list().stream().mapToLong(s -> s.lastIncludedIndex()).max().orElse(0);
    }

    /**
     * Snapshots the node's live incarnation installed from a leader (its metric; counters start again at a restart).
     *
     * @param id the node, which must be up
     * @return the count
     */
    public long snapshotsInstalled(long id) {
        if (!sim.isUp(id)) {
            throw failure("node " + id + " is down");
        }
        return (long) sim.node(id).metrics().get("sansraft_snapshots_installed_total");
    }

    /**
     * InstallSnapshot chunks delivered to the node so far, over all its incarnations.
     *
     * @param id the node
     * @return the count
     */
    public long snapshotChunksReceived(long id) {
        return chunksReceived[(int) id];
    }

    /**
     * The digest of the live node's state machine.
     *
     * @param id the node, which must be up
     * @return its digest
     */
    public long digest(long id) {
        if (!sim.isUp(id)) {
            throw failure("node " + id + " is down");
        }
        return sim.member(id).live.stateMachine.backend().digest();
    }

    /**
     * The node's applied index, 0 while it is down.
     *
     * @param id the node
     * @return the applied index
     */
    public long appliedIndex(long id) {
        return sim.appliedIndex(id);
    }

    /**
     * Sees every event of the run from now on (see {@link SimObserver}).
     *
     * @param observer the observer
     */
    void addObserver(SimObserver observer) {
        sim.addObserver(observer);
    }

    /**
     * Schedules harness work {@code delayMicros} from now.
     *
     * @param delayMicros when, from now
     * @param label       what it is, for the recent events of a report
     * @param action      the work
     */
    void schedule(long delayMicros, String label, Runnable action) {
        sim.schedule(delayMicros, label, action);
    }

    /** The full invariant check over every node's log. */
    public void checkAll() {
        sim.checkAll();
    }

    /**
     * Waits, as 6.824's {@code checkOneLeader} does, for exactly one leader in the newest term among connected nodes,
     * failing if some term has two or if none appears within ten rounds of about half a second.
     *
     * @return the leader
     */
    public long checkOneLeader() {
        long tick = sim.options().tickMicros();
        for (int iter = 0; iter < 10; iter++) {
            sim.runForMicros(tick * 5 / 2 + sim.random().nextLong(tick * 5 / 2));
            long lastTerm = -1;
            long leaderOfLast = 0;
            Map<Long, Long> leaders = new TreeMap<>();
            for (long id = 1; id <= sim.size(); id++) {
                if (!sim.isConnected(id)) {
                    continue;
                }
                RaftStatus s = sim.node(id).status();
                if (s.role() == Role.LEADER) {
                    Long other = leaders.put(s.term(), id);
                    if (other != null) {
                        throw failure("term " + s.term() + " has two leaders: " + other + " and " + id);
                    }
                    if (s.term() > lastTerm) {
                        lastTerm = s.term();
                        leaderOfLast = id;
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
        for (long id = 1; id <= sim.size(); id++) {
            if (sim.isConnected(id) && sim.node(id).status().role() == Role.LEADER) {
                throw failure("expected no leader among connected nodes, but node " + id + " claims to be leader"
                        + " of term " + sim.node(id).status().term());
            }
        }
    }

    /**
     * The term all connected nodes agree on; fails if they disagree.
     *
     * @return the term, -1 if no node is connected
     */
    public long checkTerms() {
        long term = -1;
        for (long id = 1; id <= sim.size(); id++) {
            if (sim.isConnected(id)) {
                long t = sim.node(id).status().term();
                if (term == -1) {
                    term = t;
                } else if (term != t) {
                    throw failure("servers disagree on term: " + term + " vs " + t + " at node " + id);
                }
            }
        }
        return term;
    }

    /**
     * Proposes {@code payload} at node {@code id}, like 6.824's {@code Start}: a node that does not lead refuses at
     * once with its leader hint (0 if down); a leader's event loop takes it, and once its storage stage has handed the
     * entry to the log store (a simulated disk latency or so later) the index and term are known. A proposal the node
     * refuses on the way (it stepped down) is refused here too.
     *
     * @param id      the node
     * @param payload the command, owned by the node from now on
     * @return the outcome
     */
    public ProposeResult propose(long id, byte[] payload) {
        if (!sim.isUp(id)) {
            return new ProposeResult(false, -1, -1, 0, null);
        }
        RaftStatus s = sim.node(id).status();
        if (s.role() != Role.LEADER) {
            return new ProposeResult(false, -1, -1, s.leaderId(), null);
        }
        var future = sim.node(id).propose(payload);
        long[] at = {-1, -1};
        sim.runUntil(() -> {
            if (!sim.isUp(id)) {
                return true;
            }
            InMemoryLog log = sim.member(id).live.log.log();
            for (long i = log.lastIndex(); i >= Math.max(log.firstIndex(), log.lastIndex() - 1000); i--) {
                LogEntry e = log.entry(i);
                if (e.payload() == payload) {
                    at[0] = i;
                    at[1] = e.term();
                    return true;
                }
            }
            return future.isCompletedExceptionally();
        }, 2);
        if (at[0] > 0) {
            long index = at[0];
            future.thenRun(() -> maxAckedIndex = Math.max(maxAckedIndex, index));
            return new ProposeResult(true, index, at[1], id, future);
        }
        long hint = 0;
        if (future.isCompletedExceptionally()) {
            Throwable cause = future.handle((v, e) -> e).join();
            cause = cause.getCause() != null && !(cause instanceof NotLeaderException) ? cause.getCause() : cause;
            hint = cause instanceof NotLeaderException ? ((NotLeaderException) cause).leaderHint() : 0;
        }
        return new ProposeResult(false, -1, -1, hint, future);
    }

    /**
     * How many live nodes have applied {@code index}; fails if two of them that still hold the entry in their log
     * store hold different entries there.
     *
     * @param index the index
     * @return the count
     */
    public int nCommitted(long index) {
        int count = 0;
        LogEntry seen = null;
        for (long id = 1; id <= sim.size(); id++) {
            if (index < 1 || sim.appliedIndex(id) < index) {
                continue;
            }
            InMemoryLog log = sim.member(id).live.log.log();
            if (index >= log.firstIndex() && index <= log.lastIndex()) {
                LogEntry mine = log.entry(index);
                if (seen != null && !seen.equals(mine)) {
                    throw failure("committed values do not match at index " + index + ": " + seen + " vs " + mine);
                }
                seen = mine;
            }
            count++;
        }
        return count;
    }

    /**
     * The committed entry at {@code index}, or null if no live node applied it yet.
     *
     * @param index the index
     * @return the entry or null
     */
    public LogEntry committedEntry(long index) {
        for (long id = 1; id <= sim.size(); id++) {
            if (index >= 1 && sim.appliedIndex(id) >= index) {
                InMemoryLog log = sim.member(id).live.log.log();
                if (index >= log.firstIndex() && index <= log.lastIndex()) {
                    return log.entry(index);
                }
                List<LogEntry> committed = sim.checker().committed();
                return index <= committed.size() ? committed.get((int) index - 1) : null;
            }
        }
        return null;
    }

    /**
     * Like 6.824's {@code one}: proposes {@code payload} at each connected node in turn until one accepts it, then
     * waits up to 20 ticks for it to be applied on {@code expectedNodes} nodes; with {@code retry} it tries again
     * (for up to 100 ticks in all) when the entry does not commit, e.g. because the leader was deposed, and without it
     * the first accepted attempt must commit.
     *
     * @param payload       the command
     * @param expectedNodes how many nodes must apply it
     * @param retry         whether to try again when an accepted attempt does not commit
     * @return the index it committed at
     */
    public long one(byte[] payload, int expectedNodes, boolean retry) {
        long deadline = sim.nowMicros() + 100 * sim.options().tickMicros();
        int starts = 0;
        while (sim.nowMicros() < deadline) {
            long index = -1;
            for (int i = 0; i < sim.size(); i++) {
                starts = (starts + 1) % sim.size();
                long id = starts + 1;
                if (sim.isConnected(id)) {
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
                        && Arrays.equals(committedEntry(at).payload(), payload), 20);
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

    private AssertionError failure(String what) {
        return new AssertionError(String.format("%s (seed %d, tick %.3f)%s", what, sim.seed(), sim.tick(),
                sim.describeNodes()));
    }
}
