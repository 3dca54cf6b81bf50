package dev.sansraft.sim;

import dev.sansraft.core.RaftConfig;
import java.util.SplittableRandom;

/**
 * Which faults a swarm seed injects and how often. {@link #draw} turns a profile name into concrete settings using the
 * run's own random source, so that in the {@code swarm} profile each seed gets its own mix (swarm testing: a
 * different subset of faults per run finds bugs that an everything-at-once mix hides).
 *
 * @param name              the profile name
 * @param partitions        symmetric partitions into two groups
 * @param asymmetric        single directed links cut
 * @param isolation         one node disconnected from everyone
 * @param crashes           crash and restart of random nodes, at random instants (also between a write and its sync)
 * @param clogs             links that hold their messages for a while
 * @param pauses            a node stops talking for a while (all its links clogged), as in a long GC pause
 * @param clockSkew         bound on the per-node clock-rate difference
 * @param lossRate          message loss while faults run
 * @param duplicateRate     message duplication while faults run
 * @param longTailRate      probability of a 10x slower message
 * @param jitterMicros      per-message latency jitter (reordering)
 * @param diskMaxMicros     the slowest sync
 * @param faultEveryTicks   mean ticks between two fault decisions
 * @param readsThroughLog   clients read through the log instead of with ReadIndex
 * @param leaseFraction     fraction of ReadIndex reads that ask for a lease read
 * @param raftConfig        the Raft tuning; the swarm profile draws it too (PreVote and CheckQuorum on or off,
 *                          timeouts, tiny or large batches and in-flight windows, back-pressure, and snapshots: off
 *                          on a fifth of the seeds, else taken every 5-200 entries, 0-20 trailing entries kept,
 *                          chunks of 16 bytes to 4 KiB, 1-4 in flight, short chunk timeouts and few retries)
 */
record FaultProfile(String name, boolean partitions, boolean asymmetric, boolean isolation, boolean crashes,
                    boolean clogs, boolean pauses, double clockSkew, double lossRate, double duplicateRate, double longTailRate, long jitterMicros,
                    long diskMaxMicros, int faultEveryTicks, boolean readsThroughLog, double leaseFraction,
                    RaftConfig raftConfig) {

    static final String[] NAMES = {"swarm", "calm", "partitions", "crashes"};

    static FaultProfile draw(String name, SplittableRandom r) {
        switch (name) {
            case "calm":
                return new FaultProfile(name, false, false, false, false, false, false, 0, 0, 0, 0, 2_000, 3_000, 10,
                        r.nextBoolean(), 0.3, RaftConfig.defaults());
            case "partitions":
                return new FaultProfile(name, true, true, true, false, r.nextBoolean(), r.nextBoolean(), 0,
                        r.nextDouble() * 0.05, 0,
                        0, 2_000, 3_000, 5 + r.nextInt(20), r.nextInt(4) == 0, 0.3, RaftConfig.defaults());
            case "crashes":
                // Small snapshot thresholds, so that restarts recover from snapshots and catch up through them.
                return new FaultProfile(name, false, false, false, true, false, false, 0, 0, 0, 0, 2_000,
                        1_000 + r.nextInt(50_000), 5 + r.nextInt(20), r.nextInt(4) == 0, 0.3,
                        RaftConfig.builder().snapshotEntries(30).snapshotTrailingEntries(5).snapshotChunkBytes(64)
                                .build());
            case "swarm":
                return withRaftConfig(new FaultProfile(name, r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r.nextBoolean(),
                        r.nextBoolean(), r.nextBoolean(), r.nextBoolean() ? 0 : r.nextDouble() * 0.1,
                        r.nextBoolean() ? 0 : r.nextDouble() * 0.2,
                        r.nextBoolean() ? 0 : r.nextDouble() * 0.1, r.nextBoolean() ? 0 : r.nextDouble() * 0.05,
                        r.nextInt(3) == 0 ? 0 : r.nextLong(1, 40_000), 200 + r.nextInt(80_000), 3 + r.nextInt(30),
                        r.nextInt(4) == 0, r.nextBoolean() ? 0 : r.nextDouble(), null), r);
            default:
                throw new IllegalArgumentException("unknown profile '" + name + "'; expected one of "
                        + String.join(", ", NAMES));
        }
    }

    private static final int[] INFLIGHT = {1, 2, 4, 64};
    private static final int[] ENTRIES = {1, 3, 16, 4096};
    private static final long[] BYTES = {1, 100, 1L << 20};
    private static final int[] CHUNK_BYTES = {16, 64, 256, 1024, 4096};

    /** Draws a Raft configuration for a swarm seed, with a lease drift margin that covers its clock skew. */
    private static FaultProfile withRaftConfig(FaultProfile p, SplittableRandom r) {
        int et = 5 + r.nextInt(16);
        int heartbeat = 1 + r.nextInt(Math.max(1, et / 3));
        // A lease of (et - drift) leader ticks must end before any follower's et ticks can pass, with clocks up to
        // clockSkew apart and a tick of phase on each side: (et - drift + 1)(1 + s) <= (et - 1)(1 - s).
        double s = p.clockSkew();
        int drift = (int) Math.ceil(et + 1 - (et - 1) * (1 - s) / (1 + s) + 1e-9);
        drift = Math.max(1, Math.min(et - 1, drift));
        RaftConfig.Builder config = RaftConfig.builder()
                .electionTimeoutTicks(et)
                .heartbeatIntervalTicks(heartbeat)
                .preVote(r.nextInt(4) != 0)
                .checkQuorum(r.nextInt(4) != 0)
                .maxInflightAppends(INFLIGHT[r.nextInt(INFLIGHT.length)])
                .maxEntriesPerAppend(ENTRIES[r.nextInt(ENTRIES.length)])
                .maxBytesPerAppend(BYTES[r.nextInt(BYTES.length)])
                .maxUncommittedBytes(r.nextInt(4) == 0 ? 2_000 : 64L << 20)
                .leaseClockDriftTicks(drift);
        if (r.nextInt(5) == 0) {
            config.snapshotEntries(0).snapshotBytes(0); // snapshots off
        } else {
            // Small thresholds: compaction every few dozen entries, and transfers of many small chunks.
            config.snapshotEntries(5 + r.nextInt(196))
                    .snapshotBytes(r.nextInt(4) == 0 ? 200 + r.nextInt(5_000) : 0)
                    .snapshotTrailingEntries(r.nextInt(21))
                    .snapshotChunkBytes(r.nextBoolean() ? CHUNK_BYTES[r.nextInt(CHUNK_BYTES.length)]
                            : 16 + r.nextInt(4_081))
                    .snapshotChunksInFlight(1 + r.nextInt(4))
                    .snapshotChunkTimeoutTicks(1 + r.nextInt(2 * et))
                    .snapshotMaxRetries(1 + r.nextInt(5));
        }
        return new FaultProfile(p.name, p.partitions, p.asymmetric, p.isolation, p.crashes, p.clogs, p.pauses,
                p.clockSkew, p.lossRate, p.duplicateRate, p.longTailRate, p.jitterMicros, p.diskMaxMicros,
                p.faultEveryTicks, p.readsThroughLog, p.leaseFraction, config.build());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" [");
        if (partitions) {
            sb.append("partitions ");
        }
        if (asymmetric) {
            sb.append("asymmetric ");
        }
        if (isolation) {
            sb.append("isolation ");
        }
        if (crashes) {
            sb.append("crashes ");
        }
        if (clogs) {
            sb.append("clogs ");
        }
        if (pauses) {
            sb.append("pauses ");
        }
        if (clockSkew > 0) {
            sb.append(String.format("skew=%.3f ", clockSkew));
        }
        return sb.append(String.format("loss=%.3f dup=%.3f tail=%.3f jitter=%dus disk<=%dus every=%dt reads=%s"
                        + " lease=%.2f]", lossRate, duplicateRate, longTailRate, jitterMicros, diskMaxMicros,
                faultEveryTicks, readsThroughLog ? "log" : "readindex", leaseFraction)).append(' ').append(raftConfig)
                .toString();
    }
}
