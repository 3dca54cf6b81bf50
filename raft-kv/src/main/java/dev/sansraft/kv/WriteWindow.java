package dev.sansraft.kv;

import java.util.TreeSet;

/**
 * Hands out session sequence numbers for one {@link KvStore} and tracks which are still awaiting their response.
 *
 * <p>The window keeps {@code next - lowestUnacked < maxPending}. Every command a state machine applies therefore
 * carries a {@code lowestUnacked} within {@code maxPending} of its own sequence, which bounds the responses the state
 * machine must save for this client by {@code maxPending}; as long as that is at most the state machine's
 * {@code maxResponsesPerSession}, it never has to drop a response a retry may still ask for.
 *
 * <p>Thread-safe: all methods synchronize on the window (each holds the lock for a few operations on a small set).
 */
final class WriteWindow {

    private final int maxPending;
    private final TreeSet<Long> pending = new TreeSet<>();
    private long next = 1;

    WriteWindow(int maxPending) {
        this.maxPending = maxPending;
    }

    /** A tag for a new write, or null if the window is full. */
    synchronized SessionTag open(long clientId) {
        long lowest = pending.isEmpty() ? next : pending.first();
        if (next - lowest >= maxPending) {
            return null;
        }
        long sequence = next++;
        pending.add(sequence);
        return new SessionTag(clientId, sequence, pending.first());
    }

    /** The write with {@code sequence} has its final outcome; the client no longer needs its saved response. */
    synchronized void close(long sequence) {
        pending.remove(sequence);
    }

    synchronized long lowestPending() {
        return pending.isEmpty() ? next : pending.first();
    }

    synchronized int pendingCount() {
        return pending.size();
    }
}
