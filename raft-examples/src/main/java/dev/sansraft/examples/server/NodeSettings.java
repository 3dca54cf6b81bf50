package dev.sansraft.examples.server;

import dev.sansraft.storage.file.FileLogStoreBuilder;

import java.nio.file.Path;

/**
 * Everything needed to start one node. Immutable.
 *
 * @param identity        cluster id and node id
 * @param dataDir         the data directory
 * @param peers           every member, this node included; with {@code bootstrap} false, only the members known
 *                        so far (this node's own entry and those a joining node learned from the cluster)
 * @param httpThreads     threads for the HTTP API
 * @param snapshots       snapshot thresholds
 * @param logSegmentBytes size at which a log segment file is sealed; compaction deletes whole segments, so this is
 *                        also the granularity at which disk space comes back after a snapshot
 * @param bootstrap       true when {@code peers} is the cluster's initial configuration ({@code --peers}); false
 *                        for a node that joins or rejoins a running cluster: it starts as a member-to-be and takes
 *                        its configuration from its data directory or from the leader
 * @param memoryBudgetBytes the memory the node's queue limits are sized from ({@link HeapBudget}), at least
 *                        {@link #MIN_MEMORY_BUDGET_BYTES}; 0 for the JVM's maximum heap ({@code -Xmx})
 */
public record NodeSettings(NodeIdentity identity, Path dataDir, PeerList peers, int httpThreads,
                           SnapshotSettings snapshots, long logSegmentBytes, boolean bootstrap,
                           long memoryBudgetBytes) {

    /** The default log segment size of {@link dev.sansraft.storage.file.FileLogStore}. */
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 64L << 20;

    /** The smallest memory budget: every queue limit it yields is then above its 1 MiB floor. */
    public static final long MIN_MEMORY_BUDGET_BYTES = 16L << 20;

    /**
     * Checks that this node is among the peers and every setting is in range.
     *
     * @param identity cluster id and node id
     * @param dataDir the data directory
     * @param peers every member, this node included; with {@code bootstrap} false, only the members known so far (this
     *     node's own entry and those a joining node learned from the cluster)
     * @param httpThreads threads for the HTTP API
     * @param snapshots snapshot thresholds
     * @param logSegmentBytes size at which a log segment file is sealed; compaction deletes whole segments, so this is
     *     also the granularity at which disk space comes back after a snapshot
     * @param bootstrap true when {@code peers} is the cluster's initial configuration ({@code --peers}); false for a
     *     node that joins or rejoins a running cluster: it starts as a member-to-be and takes its configuration from
     *     its data directory or from the leader
     * @param memoryBudgetBytes the memory the node's queue limits are sized from, at least
     *     {@link #MIN_MEMORY_BUDGET_BYTES}; 0 for the JVM's maximum heap
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public NodeSettings {
        if (peers.find(identity.nodeId()).isEmpty()) {
            throw new IllegalArgumentException("node " + identity.nodeId() + " is not in peers " + peers);
        }
        if (snapshots == null) {
            throw new IllegalArgumentException("snapshot settings are null for node " + identity.nodeId());
        }
        if (logSegmentBytes < FileLogStoreBuilder.MIN_SEGMENT_SIZE_BYTES
                || logSegmentBytes > FileLogStoreBuilder.MAX_SEGMENT_SIZE_BYTES) {
            throw new IllegalArgumentException("log segment size must be in ["
                    + FileLogStoreBuilder.MIN_SEGMENT_SIZE_BYTES + ", " + FileLogStoreBuilder.MAX_SEGMENT_SIZE_BYTES
                    + "], got " + logSegmentBytes);
        }
        if (memoryBudgetBytes != 0 && memoryBudgetBytes < MIN_MEMORY_BUDGET_BYTES) {
            throw new IllegalArgumentException("memory budget must be 0 (the heap) or at least "
                    + MIN_MEMORY_BUDGET_BYTES + " bytes, got " + memoryBudgetBytes);
        }
    }

    /**
     * A node of a static cluster: {@code peers} is the initial configuration.
     *
     * @param identity cluster id and node id
     * @param dataDir the data directory
     * @param peers every member, this node included: the initial configuration
     * @param httpThreads threads for the HTTP API
     * @param snapshots snapshot thresholds
     * @param logSegmentBytes size at which a log segment file is sealed
     */
    public NodeSettings(NodeIdentity identity, Path dataDir, PeerList peers, int httpThreads,
                        SnapshotSettings snapshots, long logSegmentBytes) {
        this(identity, dataDir, peers, httpThreads, snapshots, logSegmentBytes, true, 0);
    }

    /**
     * Default snapshot thresholds and log segment size.
     *
     * @param identity cluster id and node id
     * @param dataDir the data directory
     * @param peers every member, this node included
     * @param httpThreads threads for the HTTP API
     */
    public NodeSettings(NodeIdentity identity, Path dataDir, PeerList peers, int httpThreads) {
        this(identity, dataDir, peers, httpThreads, SnapshotSettings.defaults(), DEFAULT_LOG_SEGMENT_BYTES);
    }

    /** {@return this node's id} */
    public long id() {
        return identity.nodeId();
    }

    /** {@return how the node divides its memory budget among its queue limits} */
    HeapBudget heapBudget() {
        return memoryBudgetBytes == 0 ? HeapBudget.ofThisProcess() : new HeapBudget(memoryBudgetBytes);
    }

    /** {@return this node's entry in the peer list} */
    public PeerSpec self() {
        return peers.find(identity.nodeId()).orElseThrow();
    }
}
