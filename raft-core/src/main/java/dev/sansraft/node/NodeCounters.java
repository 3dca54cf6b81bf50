package dev.sansraft.node;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The node's monotonic counters. Each is bumped by the thread that does the counted work (event loop, storage, apply,
 * snapshot or snapshot sender thread) and read by {@link RaftNode#metrics()} from any thread.
 *
 * <p>The histograms are bucket counters of the same kind: fixed arrays, no allocation when recording. Latencies are
 * measured with the node's injected monotonic clock ({@link #nanoTime()}), so a stamp taken on one thread and read
 * on another compare on the same clock.
 *
 * <p>Thread-safe.
 */
final class NodeCounters {
    private final LongSupplier clock;

    NodeCounters(LongSupplier clock) {
        this.clock = clock;
    }

    /** The node's monotonic clock, in nanoseconds. */
    long nanoTime() {
        return clock.getAsLong();
    }

    /** From a leader's accepting a proposal to its learning that the entry committed. */
    final BucketHistogram proposeToCommit = BucketHistogram.latency("sansraft_propose_to_commit_seconds",
            "Time from a proposal reaching the event loop to its entry committing (leader only).", "");
    /** From the event loop learning of a commit to the apply thread having applied the entry. */
    final BucketHistogram commitToApply = BucketHistogram.latency("sansraft_commit_to_apply_seconds",
            "Time from an entry committing to its apply on the state machine.", "");
    final BucketHistogram syncDuration = BucketHistogram.latency("sansraft_storage_sync_duration_seconds",
            "Duration of one log store sync (one per group-commit round).", "");
    final BucketHistogram syncBatchEntries = new BucketHistogram("sansraft_storage_sync_batch_entries",
            "Log entries made durable by one sync (group-commit batch size).", "", BucketHistogram.COUNT_BOUNDS, 1.0);
    final BucketHistogram readIndexRound = BucketHistogram.latency("sansraft_read_index_round_seconds",
            "Time from a linearizable or lease read reaching the event loop to its read index being confirmed.", "");
    /** Listener events not delivered because the listener queue was full. */
    final AtomicLong listenerEventsDropped = new AtomicLong();

    /** Snapshots of every histogram, in a fixed order. */
    List<HistogramSnapshot> histograms() {
        return List.of(proposeToCommit.snapshot(), commitToApply.snapshot(), syncDuration.snapshot(),
                syncBatchEntries.snapshot(), readIndexRound.snapshot());
    }
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
