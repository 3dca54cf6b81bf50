package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.QueueLimits;
import dev.sansraft.transport.tcp.TcpTransport;

/**
 * How the example server divides its heap ({@link Runtime#maxMemory()}, i.e. {@code -Xmx}), or the smaller
 * {@code --memory-budget} it was given, among what grows with the offered load, so that an overloaded node answers
 * 503 instead of running out of memory:
 * <ul>
 *   <li>in-flight request bytes: an eighth, the node's pending-requests budget ({@link QueueLimits#forHeap}); an
 *   HTTP request beyond it gets 503 with {@code Retry-After}. The node's write, apply and inbound queues get a
 *   sixteenth each, overlapping the former on the leader;</li>
 *   <li>uncommitted bytes: an eighth ({@code RaftConfig.maxUncommittedBytes}), the same data as the leader's
 *   pending requests;</li>
 *   <li>queued replication bytes: a sixteenth per peer ({@code TcpTransport} {@code maxQueuedBytesPerPeer}), at
 *   least the transport's frame limit so that every frame fits.</li>
 * </ul>
 * With two peers that is at most about 3/8 of the heap when everything is full at once, leaving the rest for the
 * state machine's data, request bodies being read (one per HTTP thread) and garbage. Immutable.
 *
 * @param heapBytes the heap to divide
 */
record HeapBudget(long heapBytes) {

    /** The transport's default frame limit ({@code maxFrameBytes}), which the per-peer queue must hold. */
    static final long MAX_FRAME_BYTES = 16L << 20;

    HeapBudget {
        if (heapBytes < 1) {
            throw new IllegalArgumentException("heap must be positive, got " + heapBytes);
        }
    }

    static HeapBudget ofThisProcess() {
        return new HeapBudget(Runtime.getRuntime().maxMemory());
    }

    QueueLimits queueLimits() {
        return QueueLimits.forHeap(heapBytes);
    }

    long maxUncommittedBytes() {
        return Math.max(1L << 20, heapBytes / 8);
    }

    long maxQueuedBytesPerPeer() {
        return Math.max(MAX_FRAME_BYTES, heapBytes / 16);
    }

    RaftConfig.Builder applyTo(RaftConfig.Builder config) {
        return config.maxUncommittedBytes(maxUncommittedBytes());
    }

    TcpTransport.Builder applyTo(TcpTransport.Builder transport) {
        return transport.maxQueuedBytesPerPeer(maxQueuedBytesPerPeer());
    }

    @Override
    public String toString() {
        return String.format("heap %d MiB: %d MiB in-flight requests, %d MiB uncommitted, %d MiB queued per peer",
                heapBytes >> 20, queueLimits().maxPendingRequestBytes() >> 20, maxUncommittedBytes() >> 20,
                maxQueuedBytesPerPeer() >> 20);
    }
}
