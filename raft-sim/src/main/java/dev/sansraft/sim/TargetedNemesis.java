package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Faults aimed at the moments where rare interleavings hide, chosen by watching the messages the network carries
 * (the {@link TargetedFaults} of a seed say which ones run):
 * <ul>
 *   <li><b>leader after minority</b> (armed by {@link Nemesis} at random instants): the next entries the current
 *   leader sends reach only a minority of the cluster (the leader included), and as soon as that minority
 *   acknowledged them the leader is crashed or isolated, and brought back an election timeout or a few later. Repeated,
 *   this builds the shape of Raft's Figure 8: different entries of different terms on minorities, and old leaders
 *   coming back to finish replicating them. Half the strikes also arm the next leader the same way, so the entries
 *   left behind on two minorities are of two different terms.</li>
 *   <li><b>old-term temptation</b> (with the previous one): a leader that sends entries of earlier terms past its
 *   commit index (an old leader back in a later term, say) loses for a while the appends that carry entries of its
 *   own term, and is crashed or isolated right after followers holding a majority's worth of such an old entry
 *   acknowledged it.
 *   That is the moment of Figure 8 (c): a leader that committed the old entry by counting its replicas (breaking
 *   Raft §5.4.2) leaves a committed entry that the holder of a later-term entry at the same index, elected next,
 *   overwrites.</li>
 *   <li><b>read-ack chaos</b>: acknowledgements of heartbeat rounds (the ones reads wait on) arrive two or three times,
 *   in another order.</li>
 *   <li><b>stale after install</b>: once a node reports a snapshot installed, a few of the older messages sent to it
 *   (appends, chunks and vote requests, from earlier terms too) arrive again. Only the first report of each newer
 *   snapshot does this: a replayed last chunk is answered "installed" again, and replaying on that answer too fed
 *   back on itself (seed 104827: the events multiplied until the run never ended).</li>
 *   <li><b>snapshot link clog</b>: when a transfer starts, exactly one link of it (to the follower or back) holds its
 *   messages for a while.</li>
 * </ul>
 * Draws from its own random stream. Not thread-safe: runs on the simulation's thread.
 */
final class TargetedNemesis implements SimNetwork.Interference {

    /**
     * The simulator the nemesis acts on, through the few operations it needs ({@link #of(NodeSim)} adapts a
     * {@link NodeSim}): a narrow view that keeps the nemesis's logic apart from the cluster's life cycle.
     */
    interface Target {
        int size();

        long tickMicros();

        long electionTimeoutTicks();

        long nowMicros();

        /** The connected leader of the highest term, or 0. */
        long leader();

        /** The current term of live node {@code id}. */
        long termOf(long id);

        void crash(long id);

        void restart(long id);

        boolean isUp(long id);

        void disconnect(long id);

        void connect(long id);

        void clog(long from, long to, long ticks);

        void schedule(long delayMicros, String label, Runnable action);

        /** Records what the nemesis did in the run's recent events (and its trace hash). */
        void note(String what);

        /** Sends {@code m} through the simulated network, like a node would. */
        void send(Message m);

        /** Lets {@code interference} (or nobody, with null) see and shape every message the network accepts. */
        void setInterference(SimNetwork.Interference interference);

        static Target of(NodeSim s) {
            return new Target() {
                public int size() { return s.size(); }
                public long tickMicros() { return s.options().tickMicros(); }
                public long electionTimeoutTicks() { return s.options().raftConfig().electionTimeoutTicks(); }
                public long nowMicros() { return s.nowMicros(); }
                public long leader() { return s.leader(); }
                public long termOf(long id) { return s.node(id).status().term(); }
                public void crash(long id) { s.crash(id); }
                public void restart(long id) { s.restart(id); }
                public boolean isUp(long id) { return s.isUp(id); }
                public void disconnect(long id) { s.disconnect(id); }
                public void connect(long id) { s.connect(id); }
                public void clog(long from, long to, long ticks) { s.clog(from, to, ticks); }
                public void schedule(long delayMicros, String label, Runnable action) {
                    s.schedule(delayMicros, label, action);
                }
                public void note(String what) { s.note(what); }
                public void send(Message m) { s.send(m); }
                public void setInterference(SimNetwork.Interference i) { s.network().setInterference(i); }
            };
        }
    }

    /** Older messages kept per destination for stale re-delivery. */
    private static final int RECENT_PER_NODE = 32;

    private final Target cluster;
    private final TargetedFaults faults;
    private final SplittableRandom random;
    private final long tickMicros;
    private final long electionTimeoutTicks;
    private final List<ArrayDeque<Message>> recentTo = new ArrayList<>();
    private final Set<Message> replays = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Per node, the newest installed snapshot whose report already set off stale replays. */
    private final Map<Long, Long> replayedForSnapshot = new HashMap<>();
    private boolean stopped;

    // The armed leader-after-minority fault, or armedLeader == 0.
    private long armedLeader;
    private long armedTerm;
    private long armedUntilMicros;
    private int allowedFollowers;
    private long armedIndex;
    private final Set<Long> reached = new HashSet<>();
    private final Set<Long> acknowledged = new HashSet<>();
    /** Arm the next leader after the struck one (of a later term than {@link #struckTerm}) on its first entries. */
    private boolean armNext;
    private long struckTerm;

    // The leader tempted to commit entries of earlier terms by counting replicas, or temptedLeader == 0.
    private long temptedLeader;
    private long temptedTerm;
    private long temptedUntilMicros;
    /** The highest entry of an earlier term the tempted leader sent past its commit index. */
    private long oldIndex;
    private final Set<Long> holders = new HashSet<>();
    /** Leaderships (by term) already looked at for temptation: each gets one chance. */
    private long lastTemptationTerm;

    TargetedNemesis(Target cluster, TargetedFaults faults, long seed) {
        this.cluster = cluster;
        this.faults = faults;
        this.random = new SplittableRandom(seed ^ 0x6e656d657369734cL);
        this.tickMicros = cluster.tickMicros();
        this.electionTimeoutTicks = cluster.electionTimeoutTicks();
        for (int i = 0; i < cluster.size(); i++) {
            recentTo.add(new ArrayDeque<>());
        }
    }

    /** Watches the network from now on. */
    void start() {
        if (faults.any()) {
            cluster.setInterference(this);
        }
    }

    /** No more targeted faults, and nothing scheduled earlier takes effect: the liveness phase is fault-free. */
    void stop() {
        stopped = true;
        armedLeader = 0;
        temptedLeader = 0;
        armNext = false;
        cluster.setInterference(null);
    }

    /** Aims the next entries of the current leader at a minority; a no-op without a leader. */
    void armLeaderAfterMinority() {
        long leader = cluster.leader();
        if (stopped || leader == 0 || armedLeader != 0) {
            return;
        }
        arm(leader, cluster.termOf(leader));
    }

    private void arm(long leader, long term) {
        armedLeader = leader;
        armedTerm = term;
        armedUntilMicros = cluster.nowMicros() + 3 * electionTimeoutTicks * tickMicros;
        // A minority with the leader in it: n=3 -> the leader alone, n=5 -> one follower, n=7 -> two.
        allowedFollowers = (cluster.size() / 2 + 1) - 2;
        armedIndex = 0;
        reached.clear();
        acknowledged.clear();
        cluster.note("targeted: leader n" + leader + " term " + armedTerm + " replicates to a minority");
    }

    @Override
    public int interfere(Message m, long now, long[] deliveryTimes, int copies) {
        if (stopped) {
            return copies;
        }
        boolean replay = replays.remove(m);
        if (faults.staleAfterInstall() && !replay) {
            remember(m);
        }
        if (faults.leaderAfterMinority()) {
            if (armNext && armedLeader == 0 && m.term() > struckTerm && m instanceof Message.AppendRequest
                    && !((Message.AppendRequest) m).entries().isEmpty()) {
                armNext = false;
                arm(m.from(), m.term());
            }
            if (armedLeader != 0) {
                copies = leaderAfterMinority(m, now, copies);
            }
        }
        if (copies == 0) {
            return 0;
        }
        if (faults.readAckChaos() && m instanceof Message.AppendResponse && ((Message.AppendResponse) m).round() > 0
                && random.nextInt(3) != 0) {
            // Two or three copies of a round's acknowledgement, each late by up to two ticks: they reorder with
            // each other and with the acknowledgements of later rounds.
            int extra = 1 + random.nextInt(Math.min(2, deliveryTimes.length - copies));
            for (int i = 0; i < extra; i++) {
                deliveryTimes[copies + i] = deliveryTimes[0] + random.nextLong(2 * tickMicros + 1);
            }
            deliveryTimes[0] += random.nextLong(2 * tickMicros + 1);
            copies += extra;
        }
        if (faults.staleAfterInstall() && m instanceof Message.InstallSnapshotResponse
                && ((Message.InstallSnapshotResponse) m).installed()
                && ((Message.InstallSnapshotResponse) m).snapshotIndex()
                        > replayedForSnapshot.getOrDefault(m.from(), 0L)) {
            replayedForSnapshot.put(m.from(), ((Message.InstallSnapshotResponse) m).snapshotIndex());
            replayStale(m.from(), now);
        }
        if (faults.snapshotLinkClog() && m instanceof Message.InstallSnapshot
                && ((Message.InstallSnapshot) m).offset() == 0 && random.nextBoolean()) {
            boolean toFollower = random.nextBoolean();
            long from = toFollower ? m.from() : m.to();
            long to = toFollower ? m.to() : m.from();
            long ticks = 1 + random.nextLong(3 * electionTimeoutTicks);
            cluster.schedule(1, "targeted: clog", () -> {
                if (!stopped) {
                    cluster.clog(from, to, ticks);
                }
            });
        }
        if (faults.leaderAfterMinority()) {
            long arrival = Long.MAX_VALUE;
            for (int i = 0; i < copies; i++) {
                arrival = Math.min(arrival, deliveryTimes[i]);
            }
            if (oldTermTemptation(m, now, arrival)) {
                return 0;
            }
        }
        return copies;
    }

    private int leaderAfterMinority(Message m, long now, int copies) {
        if (now > armedUntilMicros) {
            armedLeader = 0;
            return copies;
        }
        if (m.from() == armedLeader && m.term() == armedTerm && m instanceof Message.AppendRequest
                && !((Message.AppendRequest) m).entries().isEmpty()) {
            Message.AppendRequest a = (Message.AppendRequest) m;
            if (allowedFollowers == 0) {
                strike();
                return 0;
            }
            if (!reached.contains(m.to())) {
                if (reached.size() >= allowedFollowers) {
                    return 0;
                }
                reached.add(m.to());
            }
            armedIndex = Math.max(armedIndex, a.entries().get(a.entries().size() - 1).index());
        } else if (m.to() == armedLeader && m.term() == armedTerm && m instanceof Message.AppendResponse
                && reached.contains(m.from()) && ((Message.AppendResponse) m).success()
                && ((Message.AppendResponse) m).matchIndex() >= armedIndex && armedIndex > 0) {
            acknowledged.add(m.from());
            if (acknowledged.size() == reached.size() && reached.size() == allowedFollowers) {
                strike();
            }
        }
        return copies;
    }

    /**
     * Watches leaders for entries of earlier terms past their commit index. While one is tempted, its appends that
     * carry entries of its own term are lost (for at most two election timeouts), so the old entries travel alone
     * where a batch holds one entry; and the leader is struck the moment the acknowledgement that puts one of them on
     * a majority (the leader included) reaches it.
     *
     * @return whether {@code m} is lost
     */
    private boolean oldTermTemptation(Message m, long now, long arrival) {
        if (temptedLeader != 0 && now > temptedUntilMicros) {
            temptedLeader = 0;
        }
        if (m instanceof Message.AppendRequest && m.term() > lastTemptationTerm && temptedLeader == 0) {
            Message.AppendRequest a = (Message.AppendRequest) m;
            long old = 0;
            if (a.prevLogTerm() < a.term() && a.prevLogIndex() > a.leaderCommit()) {
                old = a.prevLogIndex();
            }
            for (LogEntry e : a.entries()) {
                if (e.term() < a.term() && e.index() > a.leaderCommit()) {
                    old = Math.max(old, e.index());
                }
            }
            if (old > 0) {
                lastTemptationTerm = a.term();
                if (random.nextInt(4) != 0) {
                    temptedLeader = a.from();
                    temptedTerm = a.term();
                    temptedUntilMicros = now + 2 * electionTimeoutTicks * tickMicros;
                    oldIndex = old;
                    holders.clear();
                    cluster.note("targeted: leader n" + temptedLeader + " term " + temptedTerm
                            + " holds entries of earlier terms up to " + old);
                }
            }
        }
        if (temptedLeader == 0) {
            return false;
        }
        if (m.from() == temptedLeader && m.term() == temptedTerm && m instanceof Message.AppendRequest) {
            for (LogEntry e : ((Message.AppendRequest) m).entries()) {
                if (e.term() == temptedTerm) {
                    return true;
                }
            }
        } else if (m.to() == temptedLeader && m.term() == temptedTerm && m instanceof Message.AppendResponse
                && ((Message.AppendResponse) m).success() && ((Message.AppendResponse) m).matchIndex() >= oldIndex) {
            holders.add(m.from());
            if (holders.size() + 1 >= cluster.size() / 2 + 1) {
                long leader = temptedLeader;
                temptedLeader = 0;
                // Right after the leader handles this acknowledgement: what it does with it is all it does.
                strike(leader, temptedTerm, Math.max(1, arrival - now + 1), random.nextInt(4) != 0);
            }
        } else if (m.from() == temptedLeader && m.term() > temptedTerm) {
            temptedLeader = 0;
        }
        return false;
    }

    /** Crashes or isolates the armed leader now, and brings it back later. */
    private void strike() {
        long leader = armedLeader;
        armedLeader = 0;
        strike(leader, armedTerm, 1, random.nextBoolean());
    }

    /** Crashes or isolates {@code leader} after {@code delayMicros}, and brings it back later. */
    private void strike(long leader, long term, long delayMicros, boolean crash) {
        if (random.nextBoolean()) {
            armNext = true;
            struckTerm = term;
        }
        long back = (1 + random.nextLong(3 * electionTimeoutTicks)) * tickMicros;
        cluster.schedule(delayMicros, "targeted: strike", () -> {
            if (stopped) {
                return;
            }
            if (crash) {
                cluster.crash(leader);
            } else {
                cluster.disconnect(leader);
            }
            cluster.schedule(back, "targeted: back", () -> {
                if (stopped) {
                    return;
                }
                if (crash) {
                    if (!cluster.isUp(leader)) {
                        cluster.restart(leader);
                    }
                } else {
                    cluster.connect(leader);
                }
            });
        });
    }

    /** The messages recently sent to {@code node}; a cluster whose membership changes starts new nodes later. */
    private ArrayDeque<Message> recentTo(long node) {
        while (recentTo.size() < node) {
            recentTo.add(new ArrayDeque<>());
        }
        return recentTo.get((int) node - 1);
    }

    private void remember(Message m) {
        if (m instanceof Message.AppendRequest || m instanceof Message.InstallSnapshot
                || m instanceof Message.VoteRequest) {
            ArrayDeque<Message> recent = recentTo(m.to());
            recent.addLast(m);
            if (recent.size() > RECENT_PER_NODE) {
                recent.pollFirst();
            }
        }
    }

    /** Sends {@code node} again a few of the older messages it was sent, within the next few ticks. */
    private void replayStale(long node, long now) {
        List<Message> older = new ArrayList<>(recentTo(node));
        int count = Math.min(older.size(), 1 + random.nextInt(4));
        for (int i = 0; i < count; i++) {
            Message m = older.get(random.nextInt(older.size()));
            long delay = 1 + random.nextLong(3 * tickMicros);
            cluster.schedule(delay, "targeted: stale replay", () -> {
                if (!stopped) {
                    replays.add(m);
                    cluster.send(m);
                }
            });
        }
    }
}
