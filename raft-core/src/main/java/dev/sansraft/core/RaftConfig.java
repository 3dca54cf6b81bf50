package dev.sansraft.core;

/**
 * Tuning for one {@link RaftCore}. Build with {@link #builder()}; {@link Builder#build()} validates every field and
 * fails with a message that names the field, its value and the rule.
 *
 * <p>Timeouts are in ticks; the runtime decides how long a tick is (the node runtime's default is 100 ms, giving a
 * 1–2 s election timeout and 10 heartbeats per second per follower). Immutable and thread-safe.
 *
 * @param electionTimeoutTicks   base election timeout; each wait is drawn uniformly from
 *                               {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)}
 * @param heartbeatIntervalTicks how often an idle leader sends heartbeats; must be below the election timeout
 * @param preVote                run a PreVote round before a real election (thesis §9.6)
 * @param checkQuorum            a leader steps down when it has not heard from a quorum within an election timeout,
 *                               and a node that heard from a live leader within the election timeout ignores votes
 * @param maxInflightAppends     how many append requests may be unacknowledged per follower in Replicate state
 * @param maxEntriesPerAppend    the most entries one append request carries
 * @param maxBytesPerAppend      the most entry bytes ({@link LogEntry#sizeBytes()}) one append request carries; a
 *                               single larger entry is still sent alone
 * @param maxUncommittedBytes    a leader rejects proposals as {@code OVERLOADED} while its uncommitted entries
 *                               exceed this many bytes
 * @param randomSeed             seeds the election-timeout randomness (mixed with the node id)
 * @param leaseClockDriftTicks   lease reads: how many ticks the lease is cut short of the election timeout to cover
 *                               clock-rate drift between nodes. A lease read is safe only if no node's ticks run
 *                               faster than the leader's by more than this over one election timeout.
 * @param snapshotEntries        take a snapshot once this many entries were applied since the last one; 0 never
 * @param snapshotBytes          take a snapshot once this many entry bytes were applied since the last one; 0 never
 * @param snapshotTrailingEntries how many entries before a snapshot's index the log keeps when it compacts, so a
 *                               follower slightly behind catches up from the log rather than by a whole snapshot
 * @param snapshotChunkBytes     the most snapshot bytes one {@link Message.InstallSnapshot} carries
 * @param snapshotChunksInFlight how many snapshot chunks may be unacknowledged per follower: the pacing window
 * @param snapshotChunkTimeoutTicks a follower that acknowledges no chunk for this many ticks gets the unacknowledged
 *                               chunks again, resuming at the offset it last confirmed
 * @param snapshotMaxRetries     after this many timeouts in a row without an answer the leader abandons the transfer,
 *                               and starts again only once the follower answers a heartbeat
 */
public record RaftConfig(int electionTimeoutTicks, int heartbeatIntervalTicks, boolean preVote, boolean checkQuorum,
                         int maxInflightAppends, int maxEntriesPerAppend, long maxBytesPerAppend,
                         long maxUncommittedBytes, long randomSeed, int leaseClockDriftTicks, long snapshotEntries,
                         long snapshotBytes, long snapshotTrailingEntries, int snapshotChunkBytes,
                         int snapshotChunksInFlight, int snapshotChunkTimeoutTicks, int snapshotMaxRetries) {

    /**
     * Checks every field.
     *
     * @param electionTimeoutTicks base election timeout; each wait is drawn uniformly from {@code
     *     [electionTimeoutTicks, 2 * electionTimeoutTicks)}
     * @param heartbeatIntervalTicks how often an idle leader sends heartbeats; must be below the election timeout
     * @param preVote run a PreVote round before a real election (thesis §9.6)
     * @param checkQuorum a leader steps down when it has not heard from a quorum within an election timeout, and a node
     *     that heard from a live leader within the election timeout ignores votes
     * @param maxInflightAppends how many append requests may be unacknowledged per follower in Replicate state
     * @param maxEntriesPerAppend the most entries one append request carries
     * @param maxBytesPerAppend the most entry bytes ({@link LogEntry#sizeBytes()}) one append request carries; a single
     *     larger entry is still sent alone
     * @param maxUncommittedBytes a leader rejects proposals as {@code OVERLOADED} while its uncommitted entries exceed
     *     this many bytes
     * @param randomSeed seeds the election-timeout randomness (mixed with the node id)
     * @param leaseClockDriftTicks lease reads: how many ticks the lease is cut short of the election timeout to cover
     *     clock-rate drift between nodes. A lease read is safe only if no node's ticks run faster than the leader's by
     *     more than this over one election timeout.
     * @param snapshotEntries take a snapshot once this many entries were applied since the last one; 0 never
     * @param snapshotBytes take a snapshot once this many entry bytes were applied since the last one; 0 never
     * @param snapshotTrailingEntries how many entries before a snapshot's index the log keeps when it compacts, so a
     *     follower slightly behind catches up from the log rather than by a whole snapshot
     * @param snapshotChunkBytes the most snapshot bytes one {@link Message.InstallSnapshot} carries
     * @param snapshotChunksInFlight how many snapshot chunks may be unacknowledged per follower: the pacing window
     * @param snapshotChunkTimeoutTicks a follower that acknowledges no chunk for this many ticks gets the
     *     unacknowledged chunks again, resuming at the offset it last confirmed
     * @param snapshotMaxRetries after this many timeouts in a row without an answer the leader abandons the transfer,
     *     and starts again only once the follower answers a heartbeat
     * @throws IllegalArgumentException naming the field, its value and the rule it breaks
     */
    public RaftConfig {
        require(electionTimeoutTicks >= 2, "electionTimeoutTicks", electionTimeoutTicks, "must be >= 2");
        require(heartbeatIntervalTicks >= 1, "heartbeatIntervalTicks", heartbeatIntervalTicks, "must be >= 1");
        require(heartbeatIntervalTicks < electionTimeoutTicks, "heartbeatIntervalTicks", heartbeatIntervalTicks,
                "must be below electionTimeoutTicks (" + electionTimeoutTicks + ")");
        require(maxInflightAppends >= 1, "maxInflightAppends", maxInflightAppends, "must be >= 1");
        require(maxEntriesPerAppend >= 1, "maxEntriesPerAppend", maxEntriesPerAppend, "must be >= 1");
        require(maxBytesPerAppend >= 1, "maxBytesPerAppend", maxBytesPerAppend, "must be >= 1");
        require(maxUncommittedBytes >= 1, "maxUncommittedBytes", maxUncommittedBytes, "must be >= 1");
        require(leaseClockDriftTicks >= 1, "leaseClockDriftTicks", leaseClockDriftTicks, "must be >= 1");
        require(leaseClockDriftTicks < electionTimeoutTicks, "leaseClockDriftTicks", leaseClockDriftTicks,
                "must be below electionTimeoutTicks (" + electionTimeoutTicks + ")");
        require(snapshotEntries >= 0, "snapshotEntries", snapshotEntries, "must be >= 0 (0 disables)");
        require(snapshotBytes >= 0, "snapshotBytes", snapshotBytes, "must be >= 0 (0 disables)");
        require(snapshotTrailingEntries >= 0, "snapshotTrailingEntries", snapshotTrailingEntries, "must be >= 0");
        require(snapshotChunkBytes >= 1, "snapshotChunkBytes", snapshotChunkBytes, "must be >= 1");
        require(snapshotChunksInFlight >= 1, "snapshotChunksInFlight", snapshotChunksInFlight, "must be >= 1");
        require(snapshotChunkTimeoutTicks >= 1, "snapshotChunkTimeoutTicks", snapshotChunkTimeoutTicks,
                "must be >= 1");
        require(snapshotMaxRetries >= 1, "snapshotMaxRetries", snapshotMaxRetries, "must be >= 1");
    }

    private static void require(boolean ok, String field, long value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("RaftConfig." + field + " " + rule + ", got " + value);
        }
    }

    /** {@return the defaults} */
    public static RaftConfig defaults() {
        return builder().build();
    }

    /** {@return a builder holding the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder pre-filled with this config's values} */
    public Builder toBuilder() {
        return new Builder()
                .electionTimeoutTicks(electionTimeoutTicks)
                .heartbeatIntervalTicks(heartbeatIntervalTicks)
                .preVote(preVote)
                .checkQuorum(checkQuorum)
                .maxInflightAppends(maxInflightAppends)
                .maxEntriesPerAppend(maxEntriesPerAppend)
                .maxBytesPerAppend(maxBytesPerAppend)
                .maxUncommittedBytes(maxUncommittedBytes)
                .randomSeed(randomSeed)
                .leaseClockDriftTicks(leaseClockDriftTicks)
                .snapshotEntries(snapshotEntries)
                .snapshotBytes(snapshotBytes)
                .snapshotTrailingEntries(snapshotTrailingEntries)
                .snapshotChunkBytes(snapshotChunkBytes)
                .snapshotChunksInFlight(snapshotChunksInFlight)
                .snapshotChunkTimeoutTicks(snapshotChunkTimeoutTicks)
                .snapshotMaxRetries(snapshotMaxRetries);
    }

    /** Mutable builder; not thread-safe. Defaults are documented on each setter. */
    public static final class Builder {
        private int electionTimeoutTicks = 10;
        private int heartbeatIntervalTicks = 1;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private int maxInflightAppends = 64;
        private int maxEntriesPerAppend = 4096;
        private long maxBytesPerAppend = 1L << 20;
        private long maxUncommittedBytes = 64L << 20;
        private long randomSeed = 0;
        private int leaseClockDriftTicks = 2;
        private long snapshotEntries = 100_000;
        private long snapshotBytes = 256L << 20;
        private long snapshotTrailingEntries = 1_000;
        private int snapshotChunkBytes = 1 << 20;
        private int snapshotChunksInFlight = 4;
        private int snapshotChunkTimeoutTicks = 20;
        private int snapshotMaxRetries = 5;

        private Builder() {
        }

        /**
         * Default 10.
         *
         * @param ticks the base election timeout in ticks, at least 2
         * @return this builder
         */
        public Builder electionTimeoutTicks(int ticks) {
            this.electionTimeoutTicks = ticks;
            return this;
        }

        /**
         * Default 1.
         *
         * @param ticks the heartbeat interval in ticks, below the election timeout
         * @return this builder
         */
        public Builder heartbeatIntervalTicks(int ticks) {
            this.heartbeatIntervalTicks = ticks;
            return this;
        }

        /**
         * Default on.
         *
         * @param on true to run PreVote before an election
         * @return this builder
         */
        public Builder preVote(boolean on) {
            this.preVote = on;
            return this;
        }

        /**
         * Default on.
         *
         * @param on true for CheckQuorum
         * @return this builder
         */
        public Builder checkQuorum(boolean on) {
            this.checkQuorum = on;
            return this;
        }

        /**
         * Default 64.
         *
         * @param n the in-flight append window per follower
         * @return this builder
         */
        public Builder maxInflightAppends(int n) {
            this.maxInflightAppends = n;
            return this;
        }

        /**
         * Default 4096.
         *
         * @param n the most entries per append request
         * @return this builder
         */
        public Builder maxEntriesPerAppend(int n) {
            this.maxEntriesPerAppend = n;
            return this;
        }

        /**
         * Default 1 MiB.
         *
         * @param bytes the most entry bytes per append request
         * @return this builder
         */
        public Builder maxBytesPerAppend(long bytes) {
            this.maxBytesPerAppend = bytes;
            return this;
        }

        /**
         * Default 64 MiB.
         *
         * @param bytes the bound on a leader's uncommitted entry bytes
         * @return this builder
         */
        public Builder maxUncommittedBytes(long bytes) {
            this.maxUncommittedBytes = bytes;
            return this;
        }

        /**
         * Default 0. Give each process its own seed in production so that nodes do not time out in lockstep.
         *
         * @param seed the seed of the election-timeout randomness
         * @return this builder
         */
        public Builder randomSeed(long seed) {
            this.randomSeed = seed;
            return this;
        }

        /**
         * Default 2.
         *
         * @param ticks how many ticks a lease is cut short by
         * @return this builder
         */
        public Builder leaseClockDriftTicks(int ticks) {
            this.leaseClockDriftTicks = ticks;
            return this;
        }

        /**
         * Default 100,000; 0 disables the entry-count trigger.
         *
         * @param entries the entry-count snapshot trigger; 0 disables it
         * @return this builder
         */
        public Builder snapshotEntries(long entries) {
            this.snapshotEntries = entries;
            return this;
        }

        /**
         * Default 256 MiB; 0 disables the byte trigger.
         *
         * @param bytes the entry-byte snapshot trigger; 0 disables it
         * @return this builder
         */
        public Builder snapshotBytes(long bytes) {
            this.snapshotBytes = bytes;
            return this;
        }

        /**
         * Default 1,000.
         *
         * @param entries how many entries before a snapshot's index compaction keeps
         * @return this builder
         */
        public Builder snapshotTrailingEntries(long entries) {
            this.snapshotTrailingEntries = entries;
            return this;
        }

        /**
         * Default 1 MiB.
         *
         * @param bytes the most snapshot bytes per chunk
         * @return this builder
         */
        public Builder snapshotChunkBytes(int bytes) {
            this.snapshotChunkBytes = bytes;
            return this;
        }

        /**
         * Default 4.
         *
         * @param chunks the in-flight chunk window per follower
         * @return this builder
         */
        public Builder snapshotChunksInFlight(int chunks) {
            this.snapshotChunksInFlight = chunks;
            return this;
        }

        /**
         * Default 20 (2 s at the node runtime's 100 ms tick).
         *
         * @param ticks how long an unacknowledged chunk waits before it is sent again
         * @return this builder
         */
        public Builder snapshotChunkTimeoutTicks(int ticks) {
            this.snapshotChunkTimeoutTicks = ticks;
            return this;
        }

        /**
         * Default 5.
         *
         * @param retries how many chunk timeouts in a row end a transfer
         * @return this builder
         */
        public Builder snapshotMaxRetries(int retries) {
            this.snapshotMaxRetries = retries;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first invalid field
         *
         * @return the validated config
         */
        public RaftConfig build() {
            return new RaftConfig(electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                    maxInflightAppends, maxEntriesPerAppend, maxBytesPerAppend, maxUncommittedBytes, randomSeed,
                    leaseClockDriftTicks, snapshotEntries, snapshotBytes, snapshotTrailingEntries, snapshotChunkBytes,
                    snapshotChunksInFlight, snapshotChunkTimeoutTicks, snapshotMaxRetries);
        }
    }
}
