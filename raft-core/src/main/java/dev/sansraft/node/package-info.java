/**
 * The node runtime: {@link dev.sansraft.node.RaftNode} drives one {@link dev.sansraft.core.RaftCore} and carries out
 * its actions through the service-provider interfaces declared here ({@link dev.sansraft.node.LogStore},
 * {@link dev.sansraft.node.Transport}, {@link dev.sansraft.node.StateMachine}), with in-memory implementations for
 * tests and embedders ({@link dev.sansraft.node.InMemoryLogStore}, {@link dev.sansraft.node.InMemoryNetwork}).
 *
 * <p>The public API sits at the top: the node and its builder, {@link dev.sansraft.node.ReadConsistency},
 * {@link dev.sansraft.node.LeaderChangeListener}, {@link dev.sansraft.node.NodeMetrics}, the SPIs and the
 * {@link dev.sansraft.node.RaftException} family. Beneath it, package-private, are the threads of a node: the
 * event loop that owns the core, the storage thread (ordered log writes with group commit, compaction and reset), the
 * apply thread (applies, and snapshots taken and restored in order with them), the snapshot thread (writes to the
 * snapshot store) and the snapshot sender thread (reads chunks for lagging followers). They talk through
 * single-consumer work queues.
 *
 * <p>Snapshot storage ({@link dev.sansraft.node.SnapshotStore}, {@link dev.sansraft.node.SnapshotMeta} and the
 * snapshot methods of {@link dev.sansraft.node.StateMachine}) is declared here too, with
 * {@link dev.sansraft.node.InMemorySnapshotStore}; the runtime takes snapshots when the core asks, compacts the log,
 * streams snapshots to lagging followers, installs received ones and recovers from the newest one on start.
 *
 * <p>May depend on {@code dev.sansraft.core} and slf4j; the core never depends on this package.
 */
package dev.sansraft.node;
