package dev.sansraft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Carries {@link RaftNodeListener} events from the node's threads to its listener thread. {@link #post} never blocks:
 * it offers to a queue of {@link #CAPACITY} events and drops the event (counted, logged) when the queue is full, so
 * a slow listener cannot hold up the event loop or any other Raft thread.
 *
 * <p>Thread-safety: {@link #post}, {@link #add}, {@link #remove} and {@link #close} from any thread; the events run
 * on the one listener thread, in posting order.
 */
final class ListenerQueue implements Runnable {

    /** The most events waiting for the listener thread; beyond it new events are dropped. */
    static final int CAPACITY = 1024;
    /** How long {@link #close} lets the listener thread finish the queued events (the fail-stop among them). */
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);

    private final long nodeId;
    private final AtomicLong dropped;
    private final List<RaftNodeListener> listeners = new CopyOnWriteArrayList<>();
    private final ArrayBlockingQueue<Consumer<RaftNodeListener>> queue = new ArrayBlockingQueue<>(CAPACITY);
    private volatile boolean closing;
    private volatile Thread thread;

    ListenerQueue(long nodeId, AtomicLong dropped) {
        this.nodeId = nodeId;
        this.dropped = dropped;
    }

    void add(RaftNodeListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    boolean remove(RaftNodeListener listener) {
        return listeners.remove(listener);
    }

    /** Queues {@code event} for every registered listener; drops it when the queue is full. Never blocks. */
    void post(Consumer<RaftNodeListener> event) {
        if (listeners.isEmpty() || closing) {
            return;
        }
        if (!queue.offer(event)) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, 8th... drop: visible, but no log storm
                log.warn("node {} dropped a listener event: {} events queued for a slow listener ({} dropped so far)",
                        nodeId, CAPACITY, n);
            }
        }
    }

    /** Starts the listener thread (a daemon named {@code sansraft-<id>-listener}). */
    void start() {
        Thread t = new Thread(this, "sansraft-" + nodeId + "-listener");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void run() {
        try {
            while (true) {
                Consumer<RaftNodeListener> event = queue.poll(100, TimeUnit.MILLISECONDS);
                if (event == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                for (RaftNodeListener l : listeners) {
                    try {
                        event.accept(l);
                    } catch (RuntimeException e) {
                        log.warn("node {} listener {} failed", nodeId, l, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops taking events and lets the thread deliver what is queued, waiting up to {@value #CLOSE_WAIT_MILLIS} ms;
     * a listener still busy after that is interrupted and the rest of the queue is dropped.
     */
    void close() {
        closing = true;
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("node {}: a listener is still busy {} ms after close; interrupting it", nodeId,
                    CLOSE_WAIT_MILLIS);
            t.interrupt();
        }
    }
}
