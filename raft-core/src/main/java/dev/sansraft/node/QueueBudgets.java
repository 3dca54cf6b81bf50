package dev.sansraft.node;

/**
 * The node's {@link QueueBudget}s, one per bounded queue of {@link QueueLimits}, and the one question the entry
 * points ask of them: whether a stage downstream is backed up, so that new work is refused rather than queued.
 *
 * <p>Who takes and gives back: {@link RaftNode} takes a request's room before queueing it and gives it back when its
 * future completes; the {@link EventLoop} takes a storage batch's and an apply batch's room when it hands them over
 * and gives it back once the storage thread reports the batch done or the apply thread's applied index passes it;
 * it takes an inbound payload's room in the transport's receive call and gives it back when it takes the message.
 *
 * <p>Thread-safe.
 */
final class QueueBudgets {

    final QueueBudget pendingRequests;
    final QueueBudget queuedWrites;
    final QueueBudget queuedApplies;
    final QueueBudget inboundPayloads;

    QueueBudgets(QueueLimits limits) {
        pendingRequests = new QueueBudget("pending requests", limits.maxPendingRequests(),
                limits.maxPendingRequestBytes());
        queuedWrites = new QueueBudget("queued writes", limits.maxQueuedWrites(), limits.maxQueuedWriteBytes());
        queuedApplies = new QueueBudget("queued applies", limits.maxQueuedApplies(), limits.maxQueuedApplyBytes());
        inboundPayloads = new QueueBudget("inbound payloads", limits.maxQueuedInboundMessages(),
                limits.maxQueuedInboundBytes());
    }

    /** The stage that is backed up (storage or apply), or null when both take work. */
    QueueBudget backedUp() {
        if (queuedWrites.isFull()) {
            return queuedWrites;
        }
        if (queuedApplies.isFull()) {
            return queuedApplies;
        }
        return null;
    }
}
