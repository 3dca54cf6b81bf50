package dev.sansraft.sim;

import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.RaftCore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One simulated node: its durable disk, which survives crashes, and the volatile parts of its current incarnation
 * (core, in-memory log, state machine, outstanding proposals and reads), which do not.
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimNode {

    /** A read the core granted at readIndex, waiting for the state machine to catch up. */
    record PendingRead(long readId, long readIndex) {
    }

    final int slot;
    final long id;
    final SimDisk disk = new SimDisk();
    /** The node's snapshot store: durable snapshots survive a crash, a snapshot being received does not. */
    final SimSnapshots snapshots = new SimSnapshots();
    /** InstallSnapshot chunks delivered to this node, over all incarnations. */
    long snapshotChunksReceived;
    /** Snapshots restored into this node's state machine from a leader ({@code RestoreSnapshot}), all incarnations. */
    long snapshotsInstalled;
    /** Simulated microseconds between two ticks of this node's clock (clocks may run at different rates). */
    long tickPeriodMicros;
    RaftCore core;
    InMemoryLog log;
    KvBackend stateMachine;
    NodeState status;
    boolean up;
    int incarnation;
    /** Accepted proposals still awaiting their one later outcome (applied, dropped or unknown). */
    final AcceptedProposals accepted = new AcceptedProposals();
    final List<PendingRead> pendingReads = new ArrayList<>();
    /** (client, sequence) of every client write this incarnation has applied, for {@link Invariant#EXACTLY_ONCE}. */
    final Set<Long> appliedWrites = new HashSet<>();

    SimNode(int slot) {
        this.slot = slot;
        this.id = slot + 1L;
    }

    /** Forgets everything volatile; the disk keeps what was synced. */
    void loseVolatileState() {
        up = false;
        incarnation++;
        core = null;
        log = null;
        stateMachine = null;
        accepted.clear();
        pendingReads.clear();
        appliedWrites.clear();
    }
}
