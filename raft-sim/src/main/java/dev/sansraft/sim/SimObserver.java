package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.sim.linearizability.KvModel;

/**
 * Callbacks from a {@link SimCluster} to whatever drives clients on it. Called synchronously from inside the node's
 * step; an observer must not step nodes itself but schedule follow-up work on the cluster.
 */
interface SimObserver {

    /** The immediate or later outcome of a proposal with {@code correlationId} made through the cluster. */
    default void onProposalOutcome(SimNode node, Action.ProposalOutcome outcome) {
    }

    /** A proposal accepted by {@code node} at {@code (entry.index, entry.term)} has been applied there. */
    default void onProposalApplied(SimNode node, long correlationId, LogEntry entry, KvModel.Output result) {
    }

    /** A read granted by {@code node} may now be served from its state machine. */
    default void onReadServable(SimNode node, long readId) {
    }

    /** {@code node} could not give a read index. */
    default void onReadRejected(SimNode node, long readId, long leaderHint) {
    }

    /**
     * {@code node} is about to execute one of the snapshot actions ({@code TakeSnapshot}, {@code CompactLog},
     * {@code ResetLog}, {@code SendSnapshotChunk}, {@code WriteSnapshotChunk}, {@code RestoreSnapshot}).
     */
    default void onSnapshotAction(SimNode node, Action action) {
    }

    /**
     * {@code node} has just been told that snapshot {@code info} (taken, or received when {@code received}) is
     * durable.
     */
    default void onSnapshotSaved(SimNode node, SnapshotInfo info, boolean received) {
    }
}
