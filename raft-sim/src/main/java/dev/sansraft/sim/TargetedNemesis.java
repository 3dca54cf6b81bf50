package dev.sansraft.sim;

import dev.sansraft.core.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
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
 *   coming back to finish replicating them.</li>
 *   <li><b>read-ack chaos</b>: acknowledgements of heartbeat rounds (the ones reads wait on) arrive two or three times,
 *   in another order.</li>
 *   <li><b>stale after install</b>: once a node reports a snapshot installed, a few of the older messages sent to it
 *   (appends, chunks and vote requests, from earlier terms too) arrive again.</li>
 *   <li><b>snapshot link clog</b>: when a transfer starts, exactly one link of it (to the follower or back) holds its
 *   messages for a while.</li>
 * </ul>
 * Draws from its own random stream. Not thread-safe: runs on the simulation's thread.
 */
final class TargetedNemesis implements SimNetwork.Interference {

    /** Older messages kept per destination for stale re-delivery. */
    private static final int RECENT_PER_NODE = 32;

    private final SimCluster cluster;
    private final TargetedFaults faults;
    private final SplittableRandom random;
    private final long tickMicros;
    private final long electionTimeoutTicks;
    private final List<ArrayDeque<Message>> recentTo = new ArrayList<>();
    private final Set<Message> replays = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean stopped;

    // The armed leader-after-minority fault, or armedLeader == 0.
    private long armedLeader;
    private long armedTerm;
    private long armedUntilMicros;
    private int allowedFollowers;
    private long armedIndex;
    private final Set<Long> reached = new HashSet<>();
    private final Set<Long> acknowledged = new HashSet<>();

    TargetedNemesis(SimCluster cluster, TargetedFaults faults, long seed) {
        this.cluster = cluster;
        this.faults = faults;
        this.random = new SplittableRandom(seed ^ 0x6e656d657369734cL);
        this.tickMicros = cluster.options().tickMicros();
        this.electionTimeoutTicks = cluster.options().raftConfig().electionTimeoutTicks();
        for (int i = 0; i < cluster.size(); i++) {
            recentTo.add(new ArrayDeque<>());
        }
    }

    /** Watches the network from now on. */
    void start() {
        if (faults.any()) {
            cluster.engine().network().setInterference(this);
        }
    }

    /** No more targeted faults, and nothing scheduled earlier takes effect: the liveness phase is fault-free. */
    void stop() {
        stopped = true;
        armedLeader = 0;
        cluster.engine().network().setInterference(null);
    }

    /** Aims the next entries of the current leader at a minority; a no-op without a leader. */
    void armLeaderAfterMinority() {
        long leader = cluster.leader();
        if (stopped || leader == 0 || armedLeader != 0) {
            return;
        }
        armedLeader = leader;
        armedTerm = cluster.status(leader).term();
        armedUntilMicros = cluster.nowMicros() + 3 * electionTimeoutTicks * tickMicros;
        // A minority with the leader in it: n=3 -> the leader alone, n=5 -> one follower, n=7 -> two.
        allowedFollowers = (cluster.size() / 2 + 1) - 2;
        armedIndex = 0;
        reached.clear();
        acknowledged.clear();
        cluster.engine().note("targeted: leader n" + leader + " term " + armedTerm + " replicates to a minority");
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
        if (armedLeader != 0) {
            copies = leaderAfterMinority(m, now, copies);
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
                && ((Message.InstallSnapshotResponse) m).installed()) {
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

    /** Crashes or isolates the armed leader now, and brings it back later. */
    private void strike() {
        long leader = armedLeader;
        armedLeader = 0;
        boolean crash = random.nextBoolean();
        long back = (1 + random.nextLong(3 * electionTimeoutTicks)) * tickMicros;
        cluster.schedule(1, "targeted: strike", () -> {
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

    private void remember(Message m) {
        if (m instanceof Message.AppendRequest || m instanceof Message.InstallSnapshot
                || m instanceof Message.VoteRequest) {
            ArrayDeque<Message> recent = recentTo.get((int) m.to() - 1);
            recent.addLast(m);
            if (recent.size() > RECENT_PER_NODE) {
                recent.pollFirst();
            }
        }
    }

    /** Sends {@code node} again a few of the older messages it was sent, within the next few ticks. */
    private void replayStale(long node, long now) {
        List<Message> older = new ArrayList<>(recentTo.get((int) node - 1));
        int count = Math.min(older.size(), 1 + random.nextInt(4));
        for (int i = 0; i < count; i++) {
            Message m = older.get(random.nextInt(older.size()));
            long delay = 1 + random.nextLong(3 * tickMicros);
            cluster.schedule(delay, "targeted: stale replay", () -> {
                if (!stopped) {
                    replays.add(m);
                    cluster.engine().send(m);
                }
            });
        }
    }
}
