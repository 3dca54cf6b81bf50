package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * The state machine's side of snapshots, run on the apply thread in order with the applies (action contract items 6
 * and 8): taking a snapshot of exactly the state after the entries applied so far, and replacing the state with a
 * stored snapshot.
 *
 * <p>Taking prefers {@link StateMachine#captureSnapshot()}: the captured view is streamed into the store by the
 * {@link SnapshotWorker} while applying goes on. Without it, {@link StateMachine#writeSnapshot} writes on the apply
 * thread, which pauses applying for the write. A state machine that takes no snapshots (it throws
 * {@link UnsupportedOperationException}) gets one WARN; nothing is ever reported to the core, and its later requests
 * are ignored.
 *
 * <p>Restoring reads the payload to its end after {@link StateMachine#restoreSnapshot} returns, so that the reader's
 * checksum check always runs: a damaged snapshot fails the node instead of leaving a silently wrong state.
 *
 * <p>Not thread-safe: owned by the apply thread (or by the starting thread before the apply thread starts).
 */
final class StateMachineSnapshots {

    private static final Logger log = LoggerFactory.getLogger(StateMachineSnapshots.class);

    private final long nodeId;
    private final StateMachine stateMachine;
    private final SnapshotStore store;
    private final SnapshotWorker worker;
    private final NodeCounters counters;
    private final ListenerQueue listeners;
    private boolean unsupported;

    StateMachineSnapshots(long nodeId, StateMachine stateMachine, SnapshotStore store, SnapshotWorker worker,
                          NodeCounters counters, ListenerQueue listeners) {
        this.nodeId = nodeId;
        this.stateMachine = stateMachine;
        this.store = store;
        this.worker = worker;
        this.counters = counters;
        this.listeners = listeners;
    }

    /**
     * Takes the snapshot {@code take} asks for, given that the state machine has applied exactly up to
     * {@code appliedIndex}.
     *
     * @throws IllegalStateException if the applied index is not the snapshot's: the action arrived out of order
     * @throws StorageException      if writing on this thread failed (fatal to the node)
     */
    void take(Action.TakeSnapshot take, long appliedIndex) {
        if (unsupported) {
            log.debug("node {} ignores a snapshot request at index {}: the state machine takes no snapshots", nodeId,
                    take.index());
            return;
        }
        if (appliedIndex != take.index()) {
            throw new IllegalStateException("node " + nodeId + " was asked for a snapshot at index " + take.index()
                    + " term " + take.term() + " but its state machine has applied up to index " + appliedIndex);
        }
        try {
            Optional<SnapshotSource> captured = stateMachine.captureSnapshot();
            if (captured.isPresent()) {
                worker.submit(new SnapshotWorker.Capture(take, captured.get()));
            } else {
                worker.writeOnCallingThread(take, stateMachine::writeSnapshot);
            }
        } catch (UnsupportedOperationException e) {
            unsupported = true;
            log.warn("node {} cannot take snapshots, so its log is never compacted: {}", nodeId, e.getMessage());
        } catch (IOException e) {
            throw new StorageException("node " + nodeId + " failed to write its snapshot at index " + take.index()
                    + "; the node stops", e);
        }
    }

    /**
     * Replaces the state machine's state with the stored snapshot {@code info}.
     *
     * @throws IllegalStateException if the store does not hold it, or the state machine cannot restore snapshots
     * @throws StorageException      if reading or decoding it fails (fatal to the node)
     */
    void restore(SnapshotInfo info) {
        Optional<SnapshotReader> opened;
        try {
            opened = store.open(info.index());
        } catch (IOException e) {
            throw new StorageException("node " + nodeId + " cannot open snapshot " + info + " to restore it", e);
        }
        SnapshotReader reader = opened.orElseThrow(() -> new IllegalStateException("node " + nodeId
                + " was asked to restore snapshot " + info + " but its store does not hold it"));
        try (reader) {
            SnapshotMeta meta = reader.meta();
            if (meta.lastIncludedTerm() != info.term() || meta.sizeBytes() != info.sizeBytes()
                    || meta.checksum() != info.checksum()) {
                throw new IllegalStateException("node " + nodeId + " was asked to restore snapshot " + info
                        + " but its store holds " + meta + " at that index");
            }
            restoreFrom(reader);
        } catch (IOException e) {
            throw new StorageException("node " + nodeId + " failed to restore snapshot " + info, e);
        }
        counters.snapshotsInstalled.incrementAndGet();
        listeners.post(l -> l.onSnapshotInstalled(info));
    }

    /**
     * Restores the state machine from an open reader and checks the payload's checksum; the caller closes it.
     *
     * @throws IllegalStateException if the state machine cannot restore snapshots
     * @throws IOException           if reading fails, the payload is damaged or the state machine cannot decode it
     */
    void restoreFrom(SnapshotReader reader) throws IOException {
        try {
            stateMachine.restoreSnapshot(reader);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("node " + nodeId + " must restore snapshot " + reader.meta()
                    + " but its state machine cannot restore snapshots", e);
        }
        // Reaching the end verifies the whole payload's CRC, even when the state machine stopped reading early.
        byte[] rest = new byte[8192];
        long unread = 0;
        int n;
        while ((n = reader.read(rest, 0, rest.length)) >= 0) {
            unread += n;
        }
        if (unread > 0) {
            log.debug("node {} state machine left {} bytes of snapshot {} unread", nodeId, unread, reader.meta());
        }
    }
}
