package dev.sansraft.node;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A multi-producer, single-consumer queue whose consumer parks when it is empty. Producers unpark the consumer only
 * when it announced that it is going to sleep, so a busy consumer costs producers no syscall.
 *
 * <p>Thread-safety: {@link #offer} and {@link #wake} from any thread; {@link #poll} and {@link #await} only from the
 * owner thread given to {@link #bind}.
 */
final class Mailbox<T> {

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private volatile Thread owner;
    private volatile boolean sleeping;

    /** Names the consumer thread; must happen before that thread first calls {@link #await}. */
    void bind(Thread consumer) {
        this.owner = consumer;
    }

    void offer(T item) {
        queue.offer(item);
        // Dekker-style handshake with await(): the offer is published before sleeping is read, and the consumer
        // sets sleeping before it re-checks the queue, so at least one side sees the other.
        if (sleeping) {
            wake();
        }
    }

    /** Unparks the consumer even if the queue is empty, for example so that it notices a stop flag. */
    void wake() {
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    T poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Parks the owner for up to {@code timeoutNanos} unless an item is already queued. May return spuriously. */
    void await(long timeoutNanos) {
        sleeping = true;
        try {
            if (queue.isEmpty()) {
                LockSupport.parkNanos(this, timeoutNanos);
            }
        } finally {
            sleeping = false;
        }
    }
}
