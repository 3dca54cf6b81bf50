package dev.sansraft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Carries {@link RaftNodeListener} events from the node's stages to its listener stage. {@link #post} never blocks:
 * it offers to a queue of {@link #CAPACITY} events and drops the event (counted, logged) when the queue is full, so
 * a slow listener cannot hold up the event loop or any other Raft stage.
 *
 * <p>The listener is a stage of the node's {@link NodeScheduler} like the others, so in production it is one more
 * daemon thread ({@code sansraft-<id>-listener}, parked while nothing is queued), and under a simulator it runs on
 * the simulator's thread, in the seed's order, and ends with the node: no thread is left behind by a node that a
 * simulated crash abandons without closing it.
 *
 * <p>Thread-safety: {@link #post}, {@link #add}, {@link #remove} and {@link #close} from any thread; the events run
 * on the listener stage, one at a time, in posting order.
 */
final class ListenerQueue implements NodeScheduler.Body {

    /** The most events waiting for the listener stage; beyond it new events are dropped. */
    static final int CAPACITY = 1024;

    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);

    private final long nodeId;
    private final AtomicLong dropped;
    private final List<RaftNodeListener> listeners = new CopyOnWriteArrayList<>();
    private final ArrayBlockingQueue<Consumer<RaftNodeListener>> queue = new ArrayBlockingQueue<>(CAPACITY);
    private volatile boolean closing;
    private volatile NodeScheduler.Stage stage;

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
            return;
        }
        NodeScheduler.Stage s = stage;
        if (s != null) {
            s.wake();
        }
    }

    /** Registers the listener stage; events posted before this are delivered once it runs. */
    void bind(NodeScheduler scheduler) {
        NodeScheduler.Stage s = scheduler.stage(nodeId, "listener", this);
        stage = s;
        if (!queue.isEmpty()) {
            s.wake();
        }
    }

    /** Delivers one event to every listener. */
    @Override
    public boolean runRound() {
        Consumer<RaftNodeListener> event = queue.poll();
        if (event == null) {
            return false;
        }
        deliver(event);
        return true;
    }

    @Override
    public boolean hasWork() {
        return !queue.isEmpty();
    }

    /** After the last round: delivers what is still queued (the fail-stop among it), then nothing more. */
    @Override
    public void exit() {
        for (Consumer<RaftNodeListener> event; (event = queue.poll()) != null; ) {
            deliver(event);
        }
    }

    private void deliver(Consumer<RaftNodeListener> event) {
        for (RaftNodeListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                log.warn("node {} listener {} failed", nodeId, l, e);
            }
        }
    }

    /**
     * Stops taking events and lets the listener stage deliver what is queued before it ends. Waits for that as the
     * scheduler's {@link NodeScheduler.Stage#awaitEnd()} does (production: a bounded join, with a warning if a
     * listener is still busy); returns at once when called from a listener itself.
     */
    void close() {
        closing = true;
        NodeScheduler.Stage s = stage;
        if (s == null) {
            return;
        }
        s.stop();
        s.awaitEnd();
    }
}
