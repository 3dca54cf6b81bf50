package dev.sansraft.sim;

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
 */
record FaultProfile(String name, boolean partitions, boolean asymmetric, boolean isolation, boolean crashes,
                    boolean clogs, boolean pauses, double clockSkew, double lossRate, double duplicateRate, double longTailRate, long jitterMicros,
                    long diskMaxMicros, int faultEveryTicks, boolean readsThroughLog, double leaseFraction) {

    static final String[] NAMES = {"swarm", "calm", "partitions", "crashes"};

    static FaultProfile draw(String name, SplittableRandom r) {
        switch (name) {
            case "calm":
                return new FaultProfile(name, false, false, false, false, false, false, 0, 0, 0, 0, 2_000, 3_000, 10,
                        r.nextBoolean(), 0.3);
            case "partitions":
                return new FaultProfile(name, true, true, true, false, r.nextBoolean(), r.nextBoolean(), 0,
                        r.nextDouble() * 0.05, 0,
                        0, 2_000, 3_000, 5 + r.nextInt(20), r.nextInt(4) == 0, 0.3);
            case "crashes":
                return new FaultProfile(name, false, false, false, true, false, false, 0, 0, 0, 0, 2_000,
                        1_000 + r.nextInt(50_000), 5 + r.nextInt(20), r.nextInt(4) == 0, 0.3);
            case "swarm":
                return new FaultProfile(name, r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r.nextBoolean(),
                        r.nextBoolean(), r.nextBoolean(), r.nextBoolean() ? 0 : r.nextDouble() * 0.1,
                        r.nextBoolean() ? 0 : r.nextDouble() * 0.2,
                        r.nextBoolean() ? 0 : r.nextDouble() * 0.1, r.nextBoolean() ? 0 : r.nextDouble() * 0.05,
                        r.nextInt(3) == 0 ? 0 : r.nextLong(1, 40_000), 200 + r.nextInt(80_000), 3 + r.nextInt(30),
                        r.nextInt(4) == 0, r.nextBoolean() ? 0 : r.nextDouble());
            default:
                throw new IllegalArgumentException("unknown profile '" + name + "'; expected one of "
                        + String.join(", ", NAMES));
        }
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
                faultEveryTicks, readsThroughLog ? "log" : "readindex", leaseFraction)).toString();
    }
}
