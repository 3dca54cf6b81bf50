package dev.sansraft.sim;

import dev.sansraft.core.Message;
import dev.sansraft.sim.linearizability.CheckResult;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.Operation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records one simulated run of real nodes for {@link TraceWriter}, as a {@link SimObserver}: each node's role and term over time,
 * its commit and applied index, crashes, restarts and pauses, network faults, every message with its fate, and at the
 * end the clients' history and the violation, if any.
 *
 * <h2>What is kept, and how heartbeats are thinned</h2>
 * <ul>
 *   <li>Role bands: one per stretch of equal (role, term) per node; exact.</li>
 *   <li>Commit and applied index: a point whenever either changes, but at most one per node per
 *   {@link #indexStepTicks} ticks (the run's length over 4,000, at least 1); the last value before each gap is kept,
 *   so the lines are exact at their sample points.</li>
 *   <li>Messages: each with its send time, arrival time and fate (delivered, lost on the wire, dropped on arrival at
 *   a crashed node or over a cut link).</li>
 *   <li>Exception, on long or wide runs (ticks x nodes above {@link #INDIVIDUAL_HEARTBEAT_LIMIT}, e.g. 7 nodes for
 *   3,000 ticks): routine replication traffic (heartbeats, appends that arrive, successful append responses) is
 *   counted per link per window of {@link #routineWindowTicks} ticks (the run's length over 500, at least 10), as
 *   delivered and lost-or-dropped counts, instead of kept one by one. Everything else stays individual: votes and
 *   pre-votes, rejected appends, appends with entries that were lost or dropped, snapshot chunks and read-index
 *   messages. A 20,000-tick, 7-node run then keeps a few tens of thousands of messages instead of several hundred
 *   thousand.</li>
 * </ul>
 * Times are stored as integer hundredths of a tick.
 *
 * <p>Not thread-safe: owned by the thread running the simulation.
 */
final class TraceRecorder implements SimObserver {

    /** Above this many node-ticks, delivered heartbeats and empty acknowledgements are aggregated. */
    static final long INDIVIDUAL_HEARTBEAT_LIMIT = 20_000;
    /** The shortest aggregation window of routine traffic, in ticks. */
    static final int MIN_ROUTINE_WINDOW_TICKS = 10;

    /** Message type codes, in the order of {@link #MESSAGE_TYPES}. */
    static final List<String> MESSAGE_TYPES = List.of("AppendRequest", "Heartbeat", "AppendResponse",
            "VoteRequest", "PreVoteRequest", "VoteResponse", "ReadIndexRequest", "ReadIndexResponse",
            "InstallSnapshot", "InstallSnapshotResponse");

    static final int DELIVERED = 0;
    static final int LOST = 1;
    static final int DROPPED = 2;
    static final int IN_FLIGHT = 3;

    private static final Pattern NODE_NOTE = Pattern.compile("^(crash|restart|pause|disconnect|connect) n(\\d+)"
            + "(?: for (\\d+) ticks)?");
    private static final Pattern LINK_NOTE = Pattern.compile("^(cut link|clog) n(\\d+) -> n(\\d+)(?: for (\\d+) "
            + "ticks)?");

    final long seed;
    final int nodes;
    final long ticks;
    final String profile;
    final String sabotage;
    private long tickMicros = 1;
    private NodeSim sim;
    final boolean aggregateHeartbeats;
    final long indexStepTicks;
    final long routineWindowTicks;

    /** [node, start, end, role ordinal, term]. */
    final List<long[]> roleBands = new ArrayList<>();
    /** [node, time, commitIndex, appliedIndex]. */
    final List<long[]> indexPoints = new ArrayList<>();
    /** Node spans: [node, kind (0 down, 1 paused, 2 disconnected), start, end]. */
    final List<long[]> nodeSpans = new ArrayList<>();
    /** Network spans, with their labels in {@link #networkLabels}: [start, end, from or 0, to or 0]. */
    final List<long[]> networkSpans = new ArrayList<>();
    final List<String> networkLabels = new ArrayList<>();
    /**
     * [type, from, to, sent, arrived (or -1), fate, term, a, b, c]: a, b, c depend on the type (see {@link #fields}).
     */
    final List<long[]> messages = new ArrayList<>();
    /** (from, to, window) to [delivered, lost or dropped] routine messages; in first-seen order. */
    final Map<List<Long>, long[]> routine = new java.util.LinkedHashMap<>();
    /** Harness notes, with their times in {@link #noteTimes}. */
    final List<String> notes = new ArrayList<>();
    final List<Long> noteTimes = new ArrayList<>();

    List<Operation<KvModel.Input, KvModel.Output>> history = List.of();
    String counterexample;
    InvariantViolation violation;
    long endTime;

    private final long[][] openBand;
    private final long[] lastIndexSample;
    private final long[][] lastIndexes;
    private final long[] downSince;
    private final long[] disconnectedSince;
    private final Map<Message, List<long[]>> inFlight = new IdentityHashMap<>();
    private final List<Integer> openNetwork = new ArrayList<>();

    TraceRecorder(long seed, int nodes, long ticks, String profile, String sabotage) {
        this(seed, nodes, ticks, profile, sabotage, INDIVIDUAL_HEARTBEAT_LIMIT);
    }

    /** With another aggregation threshold than {@link #INDIVIDUAL_HEARTBEAT_LIMIT} node-ticks (tests). */
    TraceRecorder(long seed, int nodes, long ticks, String profile, String sabotage, long individualHeartbeatLimit) {
        this.seed = seed;
        this.nodes = nodes;
        this.ticks = ticks;
        this.profile = profile;
        this.sabotage = sabotage;
        this.aggregateHeartbeats = ticks * nodes > individualHeartbeatLimit;
        this.indexStepTicks = Math.max(1, ticks / 4000);
        this.routineWindowTicks = Math.max(MIN_ROUTINE_WINDOW_TICKS, ticks / 500);
        this.openBand = new long[nodes][];
        this.lastIndexSample = new long[nodes];
        java.util.Arrays.fill(lastIndexSample, -1_000_000_000L); // "long ago", without overflow in t - last
        this.lastIndexes = new long[nodes][];
        this.downSince = new long[nodes];
        java.util.Arrays.fill(downSince, -1);
        this.disconnectedSince = new long[nodes];
        java.util.Arrays.fill(disconnectedSince, -1);
    }

    /** Starts recording {@code sim}'s run (before anything ran on it). */
    void attach(NodeSim sim) {
        this.sim = sim;
        tickMicros = sim.options().tickMicros();
        sim.addObserver(this);
    }

    /** Simulated microseconds to hundredths of a tick. */
    long time(long micros) {
        return Math.round(micros * 100.0 / tickMicros);
    }

    @Override
    public void onStatus(long nodeId, NodeState before, NodeState after) {
        int n = (int) nodeId - 1;
        if (n >= nodes) {
            return; // a node added by a membership change: the trace shows the starting nodes
        }
        long t = time(sim.nowMicros());
        long[] band = openBand[n];
        if (band == null) {
            band = new long[]{n + 1, t, t, before.role().ordinal(), before.term()};
            openBand[n] = band;
        }
        if (band[3] != after.role().ordinal() || band[4] != after.term()) {
            band[2] = t;
            roleBands.add(band);
            openBand[n] = new long[]{n + 1, t, t, after.role().ordinal(), after.term()};
        }
        long[] last = lastIndexes[n];
        if (last == null || last[0] != after.commitIndex() || last[1] != after.appliedIndex()) {
            long[] point = {n + 1, t, after.commitIndex(), after.appliedIndex()};
            if (t - lastIndexSample[n] >= indexStepTicks * 100) {
                indexPoints.add(point);
                lastIndexSample[n] = t;
                lastIndexes[n] = new long[]{after.commitIndex(), after.appliedIndex(), 1};
            } else {
                // Inside the sampling step: remember the newest value, written at the next sample or the end.
                lastIndexes[n] = new long[]{after.commitIndex(), after.appliedIndex(), 0, t};
            }
        }
    }

    @Override
    public void onSend(Message m, long timeMicros, int copies, long[] deliveryTimes) {
        int type = typeOf(m);
        long t = time(timeMicros);
        boolean routineKind = aggregateHeartbeats && isRoutine(m, type);
        if (copies == 0 && routineKind && type != 0) {
            count(m, t, false);
            return;
        }
        long[] f = fields(m);
        if (copies == 0) {
            messages.add(new long[]{type, m.from(), m.to(), t, -1, LOST, m.term(), f[0], f[1], f[2]});
            return;
        }
        for (int i = 0; i < copies; i++) {
            long[] record = {type, m.from(), m.to(), t, time(deliveryTimes[i]), IN_FLIGHT, m.term(), f[0], f[1],
                    f[2], routineKind ? 1 : 0};
            inFlight.computeIfAbsent(m, k -> new ArrayList<>(1)).add(record);
        }
    }

    @Override
    public void onArrive(Message m, long timeMicros, boolean delivered) {
        List<long[]> copies = inFlight.get(m);
        if (copies == null) {
            return;
        }
        long t = time(timeMicros);
        // A duplicated message has one record per copy; take the copy due now (each arrives at its own time).
        int k = 0;
        while (k < copies.size() - 1 && copies.get(k)[4] != t) {
            k++;
        }
        long[] record = copies.remove(k);
        if (copies.isEmpty()) {
            inFlight.remove(m);
        }
        record[4] = t;
        record[5] = delivered ? DELIVERED : DROPPED;
        if (record[10] == 1 && (delivered || record[0] != 0)) {
            count(m, record[3], delivered);
        } else {
            messages.add(java.util.Arrays.copyOf(record, 10));
        }
    }

    @Override
    public void onNote(String what, long timeMicros) {
        long t = time(timeMicros);
        notes.add(what);
        noteTimes.add(t);
        Matcher node = NODE_NOTE.matcher(what);
        if (node.find()) {
            int n = Integer.parseInt(node.group(2)) - 1;
            if (n >= nodes) {
                return;
            }
            switch (node.group(1)) {
                case "crash" -> {
                    closeBand(n, t);
                    if (downSince[n] < 0) {
                        downSince[n] = t;
                    }
                }
                case "restart" -> {
                    if (downSince[n] >= 0) {
                        nodeSpans.add(new long[]{n + 1, 0, downSince[n], t});
                        downSince[n] = -1;
                    }
                }
                case "pause" -> nodeSpans.add(new long[]{n + 1, 1, t, t + Long.parseLong(node.group(3)) * 100});
                case "disconnect" -> {
                    if (disconnectedSince[n] < 0) {
                        disconnectedSince[n] = t;
                    }
                }
                case "connect" -> closeDisconnect(n, t);
                default -> throw new IllegalStateException("unmatched node note " + what);
            }
            return;
        }
        Matcher link = LINK_NOTE.matcher(what);
        if (link.find()) {
            long from = Long.parseLong(link.group(2));
            long to = Long.parseLong(link.group(3));
            boolean clog = link.group(1).equals("clog");
            long end = clog ? t + Long.parseLong(link.group(4)) * 100 : -1;
            addNetworkSpan(t, end, from, to, what);
            return;
        }
        if (what.startsWith("partition ")) {
            closeOpenNetwork(t, true);
            addNetworkSpan(t, -1, 0, 0, what);
        } else if (what.equals("heal")) {
            closeOpenNetwork(t, false);
            for (int n = 0; n < nodes; n++) {
                closeDisconnect(n, t);
            }
        }
    }

    private void addNetworkSpan(long start, long end, long from, long to, String label) {
        networkSpans.add(new long[]{start, end, from, to});
        networkLabels.add(label);
        if (end < 0) {
            openNetwork.add(networkSpans.size() - 1);
        }
    }

    /** Closes open network faults at {@code t}: only partitions when {@code partitionsOnly}, else all. */
    private void closeOpenNetwork(long t, boolean partitionsOnly) {
        for (int i = openNetwork.size() - 1; i >= 0; i--) {
            int k = openNetwork.get(i);
            if (!partitionsOnly || networkLabels.get(k).startsWith("partition ")) {
                networkSpans.get(k)[1] = t;
                openNetwork.remove(i);
            }
        }
    }

    private void closeDisconnect(int n, long t) {
        if (disconnectedSince[n] >= 0) {
            nodeSpans.add(new long[]{n + 1, 2, disconnectedSince[n], t});
            disconnectedSince[n] = -1;
        }
    }

    private void closeBand(int n, long t) {
        long[] band = openBand[n];
        if (band != null) {
            band[2] = t;
            roleBands.add(band);
            openBand[n] = null;
        }
    }

    /** Ends the recording at {@code endMicros}: closes what is open, keeps the history and the outcome. */
    void finish(long endMicros, List<Operation<KvModel.Input, KvModel.Output>> history, CheckResult linearizability,
                InvariantViolation violation) {
        long t = time(endMicros);
        endTime = t;
        for (int n = 0; n < nodes; n++) {
            closeBand(n, t);
            if (downSince[n] >= 0) {
                nodeSpans.add(new long[]{n + 1, 0, downSince[n], t});
                downSince[n] = -1;
            }
            closeDisconnect(n, t);
            long[] last = lastIndexes[n];
            if (last != null && last[2] == 0) {
                indexPoints.add(new long[]{n + 1, last[3], last[0], last[1]});
            }
        }
        closeOpenNetwork(t, false);
        for (List<long[]> copies : inFlight.values()) {
            for (long[] record : copies) {
                messages.add(java.util.Arrays.copyOf(record, 10)); // still in flight at the end: fate IN_FLIGHT
            }
        }
        inFlight.clear();
        this.history = List.copyOf(history);
        if (linearizability != null && linearizability.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE) {
            this.counterexample = linearizability.counterexample();
        } else if (violation != null && violation.invariant() == Invariant.LINEARIZABILITY) {
            this.counterexample = violation.detail(); // SwarmRun reports the checker's counterexample as the detail
        }
        this.violation = violation;
    }

    /** Heartbeats, appends and successful append responses: counted, not kept, on long runs. */
    private static boolean isRoutine(Message m, int type) {
        return type == 0 || type == 1 || m instanceof Message.AppendResponse r && r.success();
    }

    private void count(Message m, long sentTime, boolean delivered) {
        long window = sentTime / (routineWindowTicks * 100);
        routine.computeIfAbsent(List.of(m.from(), m.to(), window), k -> new long[2])[delivered ? 0 : 1]++;
    }

    static int typeOf(Message m) {
        if (m instanceof Message.AppendRequest a) {
            return a.entries().isEmpty() ? 1 : 0;
        } else if (m instanceof Message.AppendResponse) {
            return 2;
        } else if (m instanceof Message.VoteRequest v) {
            return v.preVote() ? 4 : 3;
        } else if (m instanceof Message.VoteResponse) {
            return 5;
        } else if (m instanceof Message.ReadIndexRequest) {
            return 6;
        } else if (m instanceof Message.ReadIndexResponse) {
            return 7;
        } else if (m instanceof Message.InstallSnapshot) {
            return 8;
        }
        return 9;
    }

    /**
     * Three numbers that say what a message carried: appends (prevLogIndex, entries, leaderCommit), append responses
     * (success, matchIndex, rejectedIndex), vote requests (lastLogIndex, lastLogTerm, 0), vote responses (granted,
     * 0, 0), read-index requests (readId, 0, 0) and responses (readIndex, success, 0), snapshot chunks (snapshot
     * index, offset, bytes) and their responses (snapshot index, next offset, accepted).
     */
    static long[] fields(Message m) {
        if (m instanceof Message.AppendRequest a) {
            return new long[]{a.prevLogIndex(), a.entries().size(), a.leaderCommit()};
        } else if (m instanceof Message.AppendResponse r) {
            return new long[]{r.success() ? 1 : 0, r.matchIndex(), r.rejectedIndex()};
        } else if (m instanceof Message.VoteRequest v) {
            return new long[]{v.lastLogIndex(), v.lastLogTerm(), 0};
        } else if (m instanceof Message.VoteResponse v) {
            return new long[]{v.voteGranted() ? 1 : 0, 0, 0};
        } else if (m instanceof Message.ReadIndexRequest r) {
            return new long[]{r.readId(), 0, 0};
        } else if (m instanceof Message.ReadIndexResponse r) {
            return new long[]{r.readIndex(), r.success() ? 1 : 0, 0};
        } else if (m instanceof Message.InstallSnapshot i) {
            return new long[]{i.snapshot().index(), i.offset(), i.data().length};
        } else if (m instanceof Message.InstallSnapshotResponse r) {
            return new long[]{r.snapshotIndex(), r.nextOffset(), r.accepted() ? 1 : 0};
        }
        return new long[3];
    }
}
