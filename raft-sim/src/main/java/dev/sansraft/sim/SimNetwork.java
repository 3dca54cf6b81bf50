package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The simulated network between n nodes (slots 0..n-1). A directed link {@code a -> b} is up when neither end is
 * disconnected, both ends are in the same partition group, and the link is not cut on its own (an asymmetric fault).
 * Each link has its own base latency; each message adds uniform jitter (so messages reorder), may take a long-tail
 * detour, may be lost or duplicated. A clogged link holds messages until the clog clears instead of dropping them.
 * Links are checked when a message is sent and again when it arrives, so a partition also loses what was in flight.
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimNetwork {

    /** Bytes counted per message for its header, on top of the entries it carries. */
    static final int HEADER_BYTES = 48;

    private final int n;
    private final boolean[] disconnected;
    private final boolean[] blackholed;
    private final int[] group;
    private final boolean[][] cut;
    private final long[][] clogUntil;
    private final long[][] baseLatency;
    private long jitterMicros;
    private double lossRate;
    private double duplicateRate;
    private double longTailRate;
    private long messagesSent;
    /** Of {@link #messagesSent}: the appends and their answers, to count acknowledgements per append. */
    private long appendRequestsSent;
    private long appendResponsesSent;
    private long bytesSent;
    private long messagesDelivered;
    /** Test-only: sees every message sent and may drop or delay it; null in every real run. */
    private MessageFilter filter;
    /** The targeted nemesis of a swarm run, or null. */
    private Interference interference;

    /** Test-only hook that picks out single messages: drop one chunk, hold back one append. */
    interface MessageFilter {
        /** How much longer than usual {@code m} takes, in microseconds; a negative value drops it. */
        long extraDelayMicros(Message m);
    }

    /**
     * Faults aimed at particular messages ({@link TargetedNemesis}): sees every message the network accepted, with the
     * arrival times of its copies, and decides how many copies arrive and when.
     */
    interface Interference {
        /**
         * @param deliveryTimes the arrival times of the {@code copies} copies so far; may be changed, and filled up
         *                      to its length with more copies
         * @return how many copies arrive (0 drops the message)
         */
        int interfere(Message m, long now, long[] deliveryTimes, int copies);
    }

    SimNetwork(int n, SimOptions options, SplittableRandom random) {
        this.n = n;
        this.disconnected = new boolean[n];
        this.blackholed = new boolean[n];
        this.group = new int[n];
        this.cut = new boolean[n][n];
        this.clogUntil = new long[n][n];
        this.baseLatency = new long[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                baseLatency[a][b] = options.latencyMinMicros() == options.latencyMaxMicros()
                        ? options.latencyMinMicros()
                        : random.nextLong(options.latencyMinMicros(), options.latencyMaxMicros() + 1);
            }
        }
        this.jitterMicros = options.jitterMicros();
        this.lossRate = options.lossRate();
        this.duplicateRate = options.duplicateRate();
        this.longTailRate = options.longTailRate();
    }

    boolean isLinkUp(int from, int to) {
        return !disconnected[from] && !disconnected[to] && group[from] == group[to] && !cut[from][to]
                && !blackholed[to];
    }

    boolean isDisconnected(int slot) {
        return disconnected[slot];
    }

    void setDisconnected(int slot, boolean value) {
        disconnected[slot] = value;
    }

    /** Puts each slot in the group given by {@code groupOf[slot]}; only slots of one group talk to each other. */
    void partition(int[] groupOf) {
        if (groupOf.length != n) {
            throw new IllegalArgumentException("partition needs a group for each of " + n + " nodes, got "
                    + groupOf.length);
        }
        System.arraycopy(groupOf, 0, group, 0, n);
    }

    /**
     * Test-only: nothing ever reaches {@code slot} again, and {@link #heal()} does not undo it. Used to show that the
     * liveness phase notices a node that never catches up.
     */
    void blackhole(int slot) {
        blackholed[slot] = true;
    }

    /** Cuts or restores the single directed link {@code from -> to}. */
    void setCut(int from, int to, boolean value) {
        cut[from][to] = value;
    }

    /** Holds messages on {@code from -> to} until {@code untilMicros}. */
    void clog(int from, int to, long untilMicros) {
        clogUntil[from][to] = Math.max(clogUntil[from][to], untilMicros);
    }

    /** Everything connected, one group, no cuts, no clogs. */
    void heal() {
        Arrays.fill(disconnected, false);
        Arrays.fill(group, 0);
        for (int a = 0; a < n; a++) {
            Arrays.fill(cut[a], false);
            Arrays.fill(clogUntil[a], 0);
        }
    }

    void setRates(double loss, double duplicate, double longTail, long jitter) {
        this.lossRate = loss;
        this.duplicateRate = duplicate;
        this.longTailRate = longTail;
        this.jitterMicros = jitter;
    }

    double lossRate() {
        return lossRate;
    }

    /**
     * Accounts for one message sent at {@code now} and decides its fate.
     *
     * @param deliveryTimes filled with the arrival times of the copies that will be attempted
     * @return how many copies to schedule: 0, 1 or 2, or up to {@code deliveryTimes.length} with a targeted nemesis
     */
    int send(Message m, long now, SplittableRandom random, long[] deliveryTimes) {
        messagesSent++;
        if (m instanceof Message.AppendRequest) {
            appendRequestsSent++;
        } else if (m instanceof Message.AppendResponse) {
            appendResponsesSent++;
        }
        bytesSent += sizeBytes(m);
        int from = (int) m.from() - 1;
        int to = (int) m.to() - 1;
        long extra = filter == null ? 0 : filter.extraDelayMicros(m);
        if (extra < 0 || !isLinkUp(from, to) || (lossRate > 0 && random.nextDouble() < lossRate)) {
            return 0;
        }
        deliveryTimes[0] = arrival(from, to, now, random) + extra;
        int copies = 1;
        if (duplicateRate > 0 && random.nextDouble() < duplicateRate) {
            deliveryTimes[1] = arrival(from, to, now, random) + extra;
            copies = 2;
        }
        return interference == null ? copies : interference.interfere(m, now, deliveryTimes, copies);
    }

    void setInterference(Interference interference) {
        this.interference = interference;
    }

    void setFilter(MessageFilter filter) {
        this.filter = filter;
    }

    private long arrival(int from, int to, long now, SplittableRandom random) {
        long latency = baseLatency[from][to];
        if (jitterMicros > 0) {
            latency += random.nextLong(jitterMicros + 1);
        }
        if (longTailRate > 0 && random.nextDouble() < longTailRate) {
            latency *= 10;
        }
        return Math.max(now, clogUntil[from][to]) + latency;
    }

    /** Counts a message that reached its recipient. */
    void delivered() {
        messagesDelivered++;
    }

    long messagesSent() {
        return messagesSent;
    }

    long appendRequestsSent() {
        return appendRequestsSent;
    }

    long appendResponsesSent() {
        return appendResponsesSent;
    }

    long bytesSent() {
        return bytesSent;
    }

    long messagesDelivered() {
        return messagesDelivered;
    }

    static long sizeBytes(Message m) {
        long size = HEADER_BYTES;
        if (m instanceof Message.AppendRequest) {
            for (LogEntry e : ((Message.AppendRequest) m).entries()) {
                size += e.sizeBytes();
            }
        } else if (m instanceof Message.InstallSnapshot) {
            size += ((Message.InstallSnapshot) m).data().length;
        }
        return size;
    }
}
