package dev.sansraft.node;

import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * Start-up from durable state (Raft §7): loads the newest valid snapshot, makes the log continue from it when it does
 * not already, and restores the state machine from it before the core is built and anything is applied.
 *
 * <p>The log must contain the snapshot's position for the core to start: a node that crashed after committing a
 * received snapshot but before its log reset became durable finds its log ending before the snapshot, or not matching
 * it. Then the log is reset to the snapshot's position and synced, which finishes what the crash interrupted: the
 * snapshot is committed, so its entries are committed in the cluster, and a log that ends before it or disagrees
 * with it holds nothing beyond it that this node may have acknowledged (Log Matching, Raft §5.3). A log compacted
 * past the newest valid snapshot is different: the snapshot that covered the gap is lost, and the node refuses to
 * start rather than forget entries.
 *
 * <p>Not thread-safe: used once, by the thread that starts the node, before the node's own threads start (so the
 * state machine is restored before the apply thread first touches it).
 */
final class SnapshotRecovery {

    private static final Logger log = LoggerFactory.getLogger(SnapshotRecovery.class);

    private final long nodeId;
    private final LogStore logStore;
    private final SnapshotStore snapshotStore;
    private final StateMachineSnapshots snapshots;

    SnapshotRecovery(long nodeId, LogStore logStore, SnapshotStore snapshotStore, StateMachineSnapshots snapshots) {
        this.nodeId = nodeId;
        this.logStore = logStore;
        this.snapshotStore = snapshotStore;
        this.snapshots = snapshots;
    }

    /**
     * Recovers as described above.
     *
     * @return the snapshot the state machine now holds, or empty when the store holds none
     * @throws StorageException      if the snapshot cannot be read or restored, or the log cannot be reset
     * @throws IllegalStateException if the log was compacted but no valid snapshot covers the entries it dropped, or
     *                               the state machine cannot restore snapshots
     */
    Optional<SnapshotInfo> recover() {
        for (CorruptSnapshotException problem : snapshotStore.problems()) {
            log.warn("node {} skips a damaged snapshot: {}", nodeId, problem.getMessage());
        }
        Optional<SnapshotReader> opened;
        try {
            opened = snapshotStore.openNewest();
        } catch (IOException | RuntimeException e) {
            throw new StorageException("node " + nodeId + " cannot open its newest snapshot", e);
        }
        if (opened.isEmpty()) {
            if (logStore.firstIndex() > 1) {
                throw new IllegalStateException("node " + nodeId + " has a log compacted up to index "
                        + (logStore.firstIndex() - 1) + " but no snapshot covering it; the entries before it are "
                        + "lost (was the snapshot store replaced or emptied?)");
            }
            return Optional.empty();
        }
        SnapshotMeta meta;
        try (SnapshotReader reader = opened.get()) {
            meta = reader.meta();
            resetLogUnlessItContains(meta);
            snapshots.restoreFrom(reader);
        } catch (IOException e) {
            throw new StorageException("node " + nodeId + " cannot recover from its newest snapshot", e);
        }
        log.debug("node {} restored its state machine from snapshot {}", nodeId, meta);
        return Optional.of(new SnapshotInfo(meta.lastIncludedIndex(), meta.lastIncludedTerm(), meta.membership(),
                meta.sizeBytes(), meta.checksum()));
    }

    private void resetLogUnlessItContains(SnapshotMeta meta) throws IOException {
        long index = meta.lastIncludedIndex();
        long term = meta.lastIncludedTerm();
        long first = logStore.firstIndex();
        long last = logStore.lastIndex();
        if (index <= last && index >= first - 1 && logStore.term(index) == term) {
            return;
        }
        if (index < first - 1) {
            // The log was compacted past this snapshot, so a newer one existed and is gone (damaged or deleted). The
            // entries in between exist nowhere on this node. Resetting the log would also forget entries this node
            // acknowledged, and a node that forgets acknowledged entries may help elect a leader without them: refuse,
            // and leave what is left for an operator (the node can be rebuilt empty from its peers).
            throw new IllegalStateException("node " + nodeId + " cannot recover: its newest valid snapshot ends at "
                    + "index " + index + " but its log was compacted up to index " + (first - 1)
                    + "; the snapshot that covered the entries in between is damaged or gone");
        }
        log.info("node {} resets its log [{}, {}] to snapshot {}@{}, which it does not contain", nodeId, first, last,
                index, term);
        logStore.resetTo(index, term);
        logStore.sync();
    }
}
