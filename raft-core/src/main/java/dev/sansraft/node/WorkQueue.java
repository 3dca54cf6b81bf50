package dev.sansraft.node;

/**
 * The input queue of one of the node's worker threads (event loop, storage, apply): a {@link Mailbox} plus the stop
 * flag that ends the worker's loop. Keeping the two together gives every worker the same stop handshake: set the flag,
 * then wake the consumer so that it sees the flag without waiting out its park timeout.
 *
 * <p>Thread-safety: {@link #offer}, {@link #stop} and {@link #isStopping} from any thread; {@link #take} only from the
 * consumer thread given to {@link #bind}; {@link #poll} from the consumer, or from anyone once it has terminated.
 */
final class WorkQueue<T> {

    private final Mailbox<T> mailbox = new Mailbox<>();
    private final long idleParkNanos;
    private volatile boolean stopping;

    /** @param idleParkNanos how long the consumer parks at a time while the queue is empty */
    WorkQueue(long idleParkNanos) {
        if (idleParkNanos <= 0) {
            throw new IllegalArgumentException("idle park must be positive, got " + idleParkNanos + " ns");
        }
        this.idleParkNanos = idleParkNanos;
    }

    /** Names the consumer thread; must happen before that thread starts. */
    void bind(Thread consumer) {
        mailbox.bind(consumer);
    }

    void offer(T item) {
        mailbox.offer(item);
    }

    /** Makes {@link #take} return null from its next check on; items still queued stay for {@link #poll}. */
    void stop() {
        stopping = true;
        mailbox.wake();
    }

    boolean isStopping() {
        return stopping;
    }

    /** The next queued item, or null when none is queued; never parks. */
    T poll() {
        return mailbox.poll();
    }

    /**
     * The next item, parking while the queue is empty; null once {@link #stop} has been called. The stop flag is
     * checked before every poll, so a stopped worker takes nothing more even if items are queued.
     */
    T take() {
        while (!stopping) {
            T item = mailbox.poll();
            if (item != null) {
                return item;
            }
            mailbox.await(idleParkNanos);
        }
        return null;
    }
}
