package dev.sansraft.sim;

import dev.sansraft.core.Message;

/**
 * What the simulator's event queue holds. Events that belong to one life of a node carry its incarnation, so that a
 * crash silently cancels everything the dead incarnation had scheduled. Immutable.
 */
sealed interface SimEvent permits SimEvent.Tick, SimEvent.Deliver, SimEvent.DiskSynced, SimEvent.Callback,
        SimEvent.Step {

    /** The clock of node {@code slot + 1} ticks. */
    record Tick(int slot, int incarnation) implements SimEvent {
    }

    /** A message reaches its recipient (if the link is still up and the recipient alive). */
    record Deliver(Message message) implements SimEvent {
    }

    /** A log sync covering every write up to {@code writeSeq} completes on node {@code slot + 1}. */
    record DiskSynced(int slot, int incarnation, long writeSeq) implements SimEvent {
    }

    /** Harness work scheduled in simulated time: a client step, a fault, a probe. */
    record Callback(String label, Runnable action) implements SimEvent {
        @Override
        public String toString() {
            return label;
        }
    }

    /** A round of a node's stage, a tick of its timer or other work of the node runtime ({@link NodeSim}). */
    record Step(Runnable action) implements SimEvent {
    }
}
