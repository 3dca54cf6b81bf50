package dev.sansraft.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's monotonic counters. Each is bumped by the thread that does the counted work (event loop, storage, apply,
 * snapshot or snapshot sender thread) and read by {@link RaftNode#metrics()} from any thread.
 *
 * <p>Thread-safe.
 */
final class NodeCounters {
    final AtomicLong proposals = new AtomicLong();
    final AtomicLong proposalsAccepted = new AtomicLong();
    final AtomicLong proposalsRejected = new AtomicLong();
    /** Accepted proposals completed with their entry's result (or the state machine's exception for it). */
    final AtomicLong proposalsApplied = new AtomicLong();
    /** Accepted proposals failed with ProposalDroppedException: certainly not applied. */
    final AtomicLong proposalsDropped = new AtomicLong();
    final AtomicLong requestsTimedOut = new AtomicLong();
    /** Requests refused at the door because a queue was full. */
    final AtomicLong requestsOverloaded = new AtomicLong();
    /** Inbound append requests stripped of their entries, and snapshot chunks dropped, because the node was full. */
    final AtomicLong inboundPayloadsShed = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong readsRejected = new AtomicLong();
    final AtomicLong staleReads = new AtomicLong();
    final AtomicLong entriesApplied = new AtomicLong();
    final AtomicLong applyErrors = new AtomicLong();
    final AtomicLong storageBatches = new AtomicLong();
    final AtomicLong storageEntriesWritten = new AtomicLong();
    final AtomicLong storageSyncs = new AtomicLong();
    final AtomicLong storageSyncNanos = new AtomicLong();
    final AtomicLong hardStateSaves = new AtomicLong();
    final AtomicLong messagesSent = new AtomicLong();
    final AtomicLong messagesReceived = new AtomicLong();
    final AtomicLong roleChanges = new AtomicLong();
    final AtomicLong leaderChanges = new AtomicLong();
    final AtomicLong eventLoopBatches = new AtomicLong();
    final AtomicLong eventLoopEvents = new AtomicLong();
    /** Accepted proposals failed with OutcomeUnknownException (deadline, covering snapshot, lost track). */
    final AtomicLong proposalsUnknown = new AtomicLong();
    final AtomicLong snapshotsTaken = new AtomicLong();
    final AtomicLong snapshotsReceived = new AtomicLong();
    final AtomicLong snapshotsInstalled = new AtomicLong();
    final AtomicLong snapshotBytesWritten = new AtomicLong();
    final AtomicLong snapshotBytesSent = new AtomicLong();
    final AtomicLong snapshotBytesReceived = new AtomicLong();
    final AtomicLong logCompactions = new AtomicLong();
    final AtomicLong logResets = new AtomicLong();
    /** A gauge, not a counter: the index of the newest snapshot this node stored or recovered; only grows. */
    final AtomicLong lastSnapshotIndex = new AtomicLong();
}
