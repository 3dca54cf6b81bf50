package dev.sansraft.sim;

import dev.sansraft.core.RaftConfig;

/**
 * Everything about a simulated cluster except its size and seed: the Raft tuning, how long a tick is, and the network
 * and disk models. Times are in simulated microseconds. Build with {@link #builder()}; immutable and thread-safe.
 *
 * @param raftConfig             tuning shared by every node; each node's {@code randomSeed} is derived from the run's
 *                               seed, its id and its incarnation
 * @param tickMicros             simulated time between two ticks of one node (100 ms by default, the node runtime's
 *                               default, so heartbeats per second match production)
 * @param latencyMinMicros       lower bound of a link's base one-way latency
 * @param latencyMaxMicros       upper bound of a link's base one-way latency (each link draws its own base)
 * @param jitterMicros           extra latency drawn uniformly per message; non-zero jitter reorders messages
 * @param lossRate               probability that a message is lost
 * @param duplicateRate          probability that a message is delivered twice
 * @param longTailRate           probability that a message takes ten times its link's latency
 * @param diskLatencyMinMicros   lower bound of one log sync
 * @param diskLatencyMaxMicros   upper bound of one log sync
 * @param tornCrashRate          probability that a crash leaves a prefix of the unacknowledged log writes durable
 *                               (the write reached the disk but its acknowledgement did not reach the node)
 * @param clockSkew              each node's tick period is {@code tickMicros * (1 + u)} with {@code u} drawn per node
 *                               from {@code [-clockSkew, clockSkew]}: clocks that run at slightly different rates,
 *                               which lease reads must tolerate (see {@code RaftConfig.leaseClockDriftTicks})
 * @param checkInvariants        check the safety invariants after every event (off only for benchmarks)
 * @param recentEventCount       how many recent events a violation report shows
 */
public record SimOptions(RaftConfig raftConfig, long tickMicros, long latencyMinMicros, long latencyMaxMicros,
                         long jitterMicros, double lossRate, double duplicateRate, double longTailRate,
                         long diskLatencyMinMicros, long diskLatencyMaxMicros, double tornCrashRate,
                         double clockSkew, boolean checkInvariants, int recentEventCount) {

    /**
     * Checks every option.
     *
     * @param raftConfig tuning shared by every node; each node's {@code randomSeed} is derived from the run's seed, its
     *     id and its incarnation
     * @param tickMicros simulated time between two ticks of one node (100 ms by default, the node runtime's default, so
     *     heartbeats per second match production)
     * @param latencyMinMicros lower bound of a link's base one-way latency
     * @param latencyMaxMicros upper bound of a link's base one-way latency (each link draws its own base)
     * @param jitterMicros extra latency drawn uniformly per message; non-zero jitter reorders messages
     * @param lossRate probability that a message is lost
     * @param duplicateRate probability that a message is delivered twice
     * @param longTailRate probability that a message takes ten times its link's latency
     * @param diskLatencyMinMicros lower bound of one log sync
     * @param diskLatencyMaxMicros upper bound of one log sync
     * @param tornCrashRate probability that a crash leaves a prefix of the unacknowledged log writes durable (the write
     *     reached the disk but its acknowledgement did not reach the node)
     * @param clockSkew each node's tick period is {@code tickMicros * (1 + u)} with {@code u} drawn per node from
     *     {@code [-clockSkew, clockSkew]}: clocks that run at slightly different rates, which lease reads must tolerate
     *     (see {@code RaftConfig.leaseClockDriftTicks})
     * @param checkInvariants check the safety invariants after every event (off only for benchmarks)
     * @param recentEventCount how many recent events a violation report shows
     * @throws IllegalArgumentException naming the option, its value and the rule
     */
    public SimOptions {
        if (raftConfig == null) {
            throw new IllegalArgumentException("raftConfig is null");
        }
        require(tickMicros >= 1, "tickMicros", tickMicros);
        require(latencyMinMicros >= 1 && latencyMaxMicros >= latencyMinMicros, "latencyMin/MaxMicros",
                latencyMinMicros + ".." + latencyMaxMicros);
        require(jitterMicros >= 0, "jitterMicros", jitterMicros);
        require(lossRate >= 0 && lossRate < 1, "lossRate", lossRate);
        require(duplicateRate >= 0 && duplicateRate < 1, "duplicateRate", duplicateRate);
        require(longTailRate >= 0 && longTailRate < 1, "longTailRate", longTailRate);
        require(diskLatencyMinMicros >= 1 && diskLatencyMaxMicros >= diskLatencyMinMicros,
                "diskLatencyMin/MaxMicros", diskLatencyMinMicros + ".." + diskLatencyMaxMicros);
        require(tornCrashRate >= 0 && tornCrashRate <= 1, "tornCrashRate", tornCrashRate);
        require(clockSkew >= 0 && clockSkew < 0.5, "clockSkew", clockSkew);
        require(recentEventCount >= 1, "recentEventCount", recentEventCount);
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("SimOptions." + field + " is out of range: " + value);
        }
    }

    /**
     * Defaults: a reliable LAN (1-5 ms links, 2 ms jitter), 0.2-3 ms syncs, invariants on.
     *
     * @return the defaults
     */
    public static SimOptions defaults() {
        return builder().build();
    }

    /** {@return a builder holding the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder pre-filled with these options} */
    public Builder toBuilder() {
        return new Builder().raftConfig(raftConfig).tickMicros(tickMicros).latency(latencyMinMicros, latencyMaxMicros)
                .jitterMicros(jitterMicros).lossRate(lossRate).duplicateRate(duplicateRate).longTailRate(longTailRate)
                .diskLatency(diskLatencyMinMicros, diskLatencyMaxMicros).tornCrashRate(tornCrashRate)
                .clockSkew(clockSkew).checkInvariants(checkInvariants).recentEventCount(recentEventCount);
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private RaftConfig raftConfig = RaftConfig.defaults();
        private long tickMicros = 100_000;
        private long latencyMinMicros = 1_000;
        private long latencyMaxMicros = 5_000;
        private long jitterMicros = 2_000;
        private double lossRate;
        private double duplicateRate;
        private double longTailRate;
        private long diskLatencyMinMicros = 200;
        private long diskLatencyMaxMicros = 3_000;
        private double tornCrashRate = 0.5;
        private double clockSkew;
        private boolean checkInvariants = true;
        private int recentEventCount = 40;

        private Builder() {
        }

        /**
         * Sets the tuning shared by every node.
         *
         * @param c the Raft configuration
         * @return this builder
         */
        public Builder raftConfig(RaftConfig c) {
            this.raftConfig = c;
            return this;
        }

        /**
         * Sets the simulated time between two ticks of one node.
         *
         * @param micros the tick period in microseconds, at least 1
         * @return this builder
         */
        public Builder tickMicros(long micros) {
            this.tickMicros = micros;
            return this;
        }

        /**
         * Sets the range each link's base one-way latency is drawn from.
         *
         * @param minMicros the lower bound, in microseconds
         * @param maxMicros the upper bound, in microseconds
         * @return this builder
         */
        public Builder latency(long minMicros, long maxMicros) {
            this.latencyMinMicros = minMicros;
            this.latencyMaxMicros = maxMicros;
            return this;
        }

        /**
         * Sets the extra latency drawn per message.
         *
         * @param micros the largest jitter, in microseconds
         * @return this builder
         */
        public Builder jitterMicros(long micros) {
            this.jitterMicros = micros;
            return this;
        }

        /**
         * Sets the probability that a message is lost.
         *
         * @param rate the probability, 0 to 1
         * @return this builder
         */
        public Builder lossRate(double rate) {
            this.lossRate = rate;
            return this;
        }

        /**
         * Sets the probability that a message is delivered twice.
         *
         * @param rate the probability, 0 to 1
         * @return this builder
         */
        public Builder duplicateRate(double rate) {
            this.duplicateRate = rate;
            return this;
        }

        /**
         * Sets the probability that a message takes ten times its link's latency.
         *
         * @param rate the probability, 0 to 1
         * @return this builder
         */
        public Builder longTailRate(double rate) {
            this.longTailRate = rate;
            return this;
        }

        /**
         * Sets the range one log sync's latency is drawn from.
         *
         * @param minMicros the lower bound, in microseconds
         * @param maxMicros the upper bound, in microseconds
         * @return this builder
         */
        public Builder diskLatency(long minMicros, long maxMicros) {
            this.diskLatencyMinMicros = minMicros;
            this.diskLatencyMaxMicros = maxMicros;
            return this;
        }

        /**
         * Sets the probability that a crash keeps a prefix of the unacknowledged log writes.
         *
         * @param rate the probability, 0 to 1
         * @return this builder
         */
        public Builder tornCrashRate(double rate) {
            this.tornCrashRate = rate;
            return this;
        }

        /**
         * Sets how far each node's tick period may stray from {@code tickMicros}.
         *
         * @param fraction the largest relative skew
         * @return this builder
         */
        public Builder clockSkew(double fraction) {
            this.clockSkew = fraction;
            return this;
        }

        /**
         * Sets whether the safety invariants are checked after every event.
         *
         * @param on false only for benchmarks
         * @return this builder
         */
        public Builder checkInvariants(boolean on) {
            this.checkInvariants = on;
            return this;
        }

        /**
         * Sets how many recent events a violation report shows.
         *
         * @param n the number of events
         * @return this builder
         */
        public Builder recentEventCount(int n) {
            this.recentEventCount = n;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the validated options
         */
        public SimOptions build() {
            return new SimOptions(raftConfig, tickMicros, latencyMinMicros, latencyMaxMicros, jitterMicros, lossRate,
                    duplicateRate, longTailRate, diskLatencyMinMicros, diskLatencyMaxMicros, tornCrashRate,
                    clockSkew, checkInvariants, recentEventCount);
        }
    }
}
