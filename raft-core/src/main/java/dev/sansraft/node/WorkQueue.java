package dev.sansraft.node;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The input queue of one of the node's stages (event loop, storage, apply, snapshot writer, snapshot sender): a
 * multi-producer, single-consumer queue that wakes its stage through the {@link NodeScheduler} whenever something is
 * queued, plus the stop flag that ends the stage. Keeping the two together gives every stage the same stop handshake:
 * set the flag, then stop the stage so that it starts no further round.
 *
 * <p>Thread-safety: {@link #offer}, {@link #stop}, {@link #isStopping} and {@link #isEmpty} from any thread;
 * {@link #poll} from the stage's rounds, or from anyone once the stage has ended.
 */
final class WorkQueue<T> {

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private volatile NodeScheduler.Stage stage;
    private volatile boolean stopping;

    /** Names the stage to wake; must happen before anything is offered. */
    void bind(NodeScheduler.Stage stage) {
        this.stage = stage;
    }

    void offer(T item) {
        queue.offer(item);
        NodeScheduler.Stage s = stage;
        if (s != null) {
            s.wake();
        }
    }

    /**
     * Queues {@code item} and runs a round of the stage on the calling thread if none is running
     * ({@link NodeScheduler.Stage#runHere()}), else wakes the stage as {@link #offer} does.
     */
    void offerAndRunHere(T item) {
        queue.offer(item);
        NodeScheduler.Stage s = stage;
        if (s != null && !s.runHere()) {
            s.wake();
        }
    }

    /** Queues {@code item} without waking the stage; {@link #runHereOrWake()} must follow. */
    void offerQuietly(T item) {
        queue.offer(item);
    }

    /** Runs a round here if the stage is idle ({@link NodeScheduler.Stage#runHere()}), else wakes it. */
    void runHereOrWake() {
        NodeScheduler.Stage s = stage;
        if (s != null && !s.runHere()) {
            s.wake();
        }
    }

    /** No round takes anything after this; items still queued stay for {@link #poll}. */
    void stop() {
        stopping = true;
        NodeScheduler.Stage s = stage;
        if (s != null) {
            s.stop();
        }
    }

    boolean isStopping() {
        return stopping;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** The next queued item, or null when none is queued; never blocks. */
    T poll() {
        return queue.poll();
    }

    /** The next item for a round: null once {@link #stop} was called, even if items are queued. */
    T take() {
        return stopping ? null : queue.poll();
    }

    /** Whether the stage should be woken by its scheduler: work is queued and it has not stopped. */
    boolean hasWork() {
        return !stopping && !queue.isEmpty();
    }

    /** Waits for the stage to end; see {@link NodeScheduler.Stage#awaitEnd()}. True when it was never bound. */
    boolean awaitEnd() {
        NodeScheduler.Stage s = stage;
        return s == null || s.awaitEnd();
    }
}
