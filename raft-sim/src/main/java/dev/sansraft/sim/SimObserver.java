package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.sim.linearizability.KvModel;

/**
 * Callbacks from a {@link SimCluster} to whatever drives clients on it, or records the run ({@link TraceRecorder}).
 * Called synchronously from inside the node's step; an observer must not step nodes itself but schedule follow-up
 * work on the cluster. Times are simulated microseconds.
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

    /** {@code node} took a step at {@code timeMicros}; its state went from {@code before} to {@code after}. */
    default void onStep(SimNode node, NodeState before, NodeState after, long timeMicros) {
    }

    /**
     * {@code message} was handed to the network at {@code timeMicros}; it will arrive {@code copies} times, at
     * {@code deliveryTimes[0..copies)} (0 copies: lost on the wire).
     */
    default void onSend(Message message, long timeMicros, int copies, long[] deliveryTimes) {
    }

    /**
     * A copy of {@code message} reached its recipient's host at {@code timeMicros}; {@code delivered} is false when
     * the recipient was down or the link from the sender cut, so the message was dropped there.
     */
    default void onArrive(Message message, long timeMicros, boolean delivered) {
    }

    /** A harness note at {@code timeMicros}: a fault, a heal, a crash or restart, a snapshot made durable. */
    default void onNote(String what, long timeMicros) {
    }
}
