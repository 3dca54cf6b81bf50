package dev.sansraft.node;

/**
 * The limits of a {@link RaftNode}'s queues, each in entries and in bytes, so that an overloaded node refuses work
 * instead of running out of heap:
 * <ul>
 *   <li><b>pending requests</b>: proposals and reads from {@link RaftNode#propose} and {@link RaftNode#query} to their
 *   outcome (bytes: their command and query bytes). A call beyond it fails at once with
 *   {@link OverloadedException}. On a leader this covers its inbox, its uncommitted entries and the entries waiting
 *   to be applied for its own clients.</li>
 *   <li><b>queued writes</b>: log entries handed to the storage thread and not yet written and synced. While full
 *   (a slow disk), new requests fail with {@code OverloadedException} and inbound appends are shed (below).</li>
 *   <li><b>queued applies</b>: committed entries handed to the apply thread and not yet applied. While full (a slow
 *   state machine), likewise.</li>
 *   <li><b>queued inbound payloads</b>: append requests carrying entries, and snapshot chunks, received and not yet
 *   taken by the event loop. Over it, or while writes or applies are full, an append request is delivered
 *   <em>without its entries</em>: it still resets the election timer, carries the commit index and the read round,
 *   and is answered, so heartbeats never stall; to Raft the dropped entries are a lost message, which the leader
 *   sends again. A snapshot chunk over it is dropped and resent after the chunk timeout. Votes and responses are
 *   small and always pass.</li>
 * </ul>
 * The snapshot queues are bounded by the core ({@code snapshotChunksInFlight}) and the transport's outbound queues by
 * its own per-peer limits; a leader's uncommitted bytes by {@code RaftConfig.maxUncommittedBytes}.
 *
 * <p>Immutable; thread-safe.
 *
 * @param maxPendingRequests         proposals and reads in flight at once
 * @param maxPendingRequestBytes     their command and query bytes
 * @param maxQueuedWrites            log entries queued for the storage thread
 * @param maxQueuedWriteBytes        their bytes
 * @param maxQueuedApplies           committed entries queued for the apply thread
 * @param maxQueuedApplyBytes        their bytes
 * @param maxQueuedInboundMessages   inbound append requests with entries and snapshot chunks not yet taken
 * @param maxQueuedInboundBytes      their entry and chunk bytes
 */
public record QueueLimits(int maxPendingRequests, long maxPendingRequestBytes, int maxQueuedWrites,
                          long maxQueuedWriteBytes, int maxQueuedApplies, long maxQueuedApplyBytes,
                          int maxQueuedInboundMessages, long maxQueuedInboundBytes) {

    private static final long MIN_BYTES = 1L << 20;

    /**
     * Checks that every bound is positive and every byte bound at least 1 MiB.
     *
     * @param maxPendingRequests proposals and reads in flight at once
     * @param maxPendingRequestBytes their command and query bytes
     * @param maxQueuedWrites log entries queued for the storage thread
     * @param maxQueuedWriteBytes their bytes
     * @param maxQueuedApplies committed entries queued for the apply thread
     * @param maxQueuedApplyBytes their bytes
     * @param maxQueuedInboundMessages inbound append requests with entries and snapshot chunks not yet taken
     * @param maxQueuedInboundBytes their entry and chunk bytes
     * @throws IllegalArgumentException naming the bound that is too small
     */
    public QueueLimits {
        require(maxPendingRequests, maxPendingRequestBytes, "maxPendingRequests", "maxPendingRequestBytes");
        require(maxQueuedWrites, maxQueuedWriteBytes, "maxQueuedWrites", "maxQueuedWriteBytes");
        require(maxQueuedApplies, maxQueuedApplyBytes, "maxQueuedApplies", "maxQueuedApplyBytes");
        require(maxQueuedInboundMessages, maxQueuedInboundBytes, "maxQueuedInboundMessages",
                "maxQueuedInboundBytes");
    }

    /**
     * Limits sized for a heap of {@code heapBytes} (say {@link Runtime#maxMemory()}): an eighth of it for pending
     * requests and a sixteenth each for queued writes, queued applies and inbound payloads, at least 1 MiB each; in
     * all at most a third of the heap, overlapping on a leader (its pending requests are also its queued writes and
     * applies). Entry counts: 65,536 requests, writes and applies, 1,024 inbound messages.
     *
     * @param heapBytes the heap size in bytes, positive
     * @return the limits
     */
    public static QueueLimits forHeap(long heapBytes) {
        if (heapBytes < 1) {
            throw new IllegalArgumentException("heapBytes must be positive, got " + heapBytes);
        }
        long sixteenth = Math.max(MIN_BYTES, heapBytes / 16);
        return new QueueLimits(65_536, Math.max(MIN_BYTES, heapBytes / 8), 65_536, sixteenth, 65_536, sixteenth,
                1_024, sixteenth);
    }

    /**
     * {@link #forHeap} of this JVM's {@link Runtime#maxMemory()}: the default of {@link RaftNode.Builder}.
     *
     * @return the limits
     */
    public static QueueLimits forThisHeap() {
        return forHeap(Runtime.getRuntime().maxMemory());
    }

    private static void require(long entries, long bytes, String entriesName, String bytesName) {
        if (entries < 1) {
            throw new IllegalArgumentException("QueueLimits: " + entriesName + " must be positive, got " + entries);
        }
        if (bytes < 1) {
            throw new IllegalArgumentException("QueueLimits: " + bytesName + " must be positive, got " + bytes);
        }
    }
}
