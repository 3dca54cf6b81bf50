package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.sim.linearizability.KvModel;

/**
 * Sees every event of a {@link NodeSim} run as it happens: messages delivered, crashes, starts, pauses and resumes,
 * each change of a node's role, term, leader, commit index or last log index, every apply, and every client call and
 * answer. For tracing and for the clients' own checks. Called synchronously on the simulation's thread; an observer
 * must not drive the cluster itself, only schedule work on it.
 */
interface SimObserver {

    default void onDeliver(Message message) {
    }

    /**
     * {@code message} was handed to the network at {@code timeMicros}; it will arrive {@code copies} times, at
     * {@code deliveryTimes[0..copies)} (0 copies: lost on the wire).
     */
    default void onSend(Message message, long timeMicros, int copies, long[] deliveryTimes) {
    }

    /**
     * A copy of {@code message} reached its recipient's host at {@code timeMicros}; {@code delivered} is false when
     * the recipient was down or the link from the sender cut, so the message was dropped there. A message that waits
     * for a paused recipient arrives when the recipient resumes.
     */
    default void onArrive(Message message, long timeMicros, boolean delivered) {
    }

    /**
     * Node {@code nodeId} committed snapshot {@code index} to its snapshot store (taken, or received from a leader):
     * it is durable, while the log compaction or reset that follows is not yet.
     */
    default void onSnapshotCommitted(long nodeId, long index) {
    }

    /** Node {@code nodeId}'s log store was reset to start after {@code index} (a snapshot replaced the whole log). */
    default void onLogReset(long nodeId, long index) {
    }

    /** A harness note at {@code timeMicros}: a fault, a heal, a crash or restart, a snapshot restored. */
    default void onNote(String what, long timeMicros) {
    }

    default void onCrash(long nodeId) {
    }

    /** Node {@code nodeId} started its incarnation {@code incarnation} (1 for the first start). */
    default void onStart(long nodeId, int incarnation) {
    }

    default void onPause(long nodeId, long ticks) {
    }

    /** The node resumes; {@code held} events (stage rounds, ticks, deliveries) run again in a seeded order. */
    default void onResume(long nodeId, int held) {
    }

    /** What the node's status shows changed after one of its rounds. */
    default void onStatus(long nodeId, NodeState before, NodeState after) {
    }

    default void beforeApply(long nodeId, LogEntry entry) {
    }

    /** The state machine applied a client entry ({@code output} null for entries that are not commands). */
    default void afterApply(long nodeId, LogEntry entry, KvModel.Output output) {
    }

    /** A client sent {@code input} to node {@code nodeId}. */
    default void onClientCall(int clientId, long nodeId, KvModel.Input input) {
    }

    /** A client learned the outcome of its call: {@code result} on success, else {@code failure}. */
    default void onClientOutcome(int clientId, long nodeId, KvModel.Input input, Object result, Throwable failure) {
    }
}
