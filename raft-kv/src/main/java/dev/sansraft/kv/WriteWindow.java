package dev.sansraft.kv;

/**
 * Hands out session sequence numbers for one {@link KvStore} and tracks which are still awaiting their response.
 *
 * <p>The window keeps {@code next - lowestUnacked < maxPending}. Every command a state machine applies therefore
 * carries a {@code lowestUnacked} within {@code maxPending} of its own sequence, which bounds the responses the state
 * machine must save for this client by {@code maxPending}; as long as that is at most the state machine's
 * {@code maxResponsesPerSession}, it never has to drop a response a retry may still ask for.
 *
 * <p>Because every pending sequence lies in {@code [lowest, lowest + maxPending)}, a ring of {@code maxPending}
 * flags indexed by {@code sequence % maxPending} records which are done, with no boxing and O(1) amortised work.
 *
 * <p>Thread-safe: all methods synchronize on the window and hold the lock for a few array operations.
 */
final class WriteWindow {

    private final int maxPending;
    /** done[s % maxPending] is true when sequence s in [lowest, next) has its final outcome. */
    private final boolean[] done;
    /** The lowest sequence without its final outcome, or {@code next} when none is pending. */
    private long lowest = 1;
    private long next = 1;
    private int pending;

    WriteWindow(int maxPending) {
        this.maxPending = maxPending;
        this.done = new boolean[maxPending];
    }

    /** A tag for a new write, or null if the window is full. */
    synchronized SessionTag open(long clientId) {
        if (next - lowest >= maxPending) {
            return null;
        }
        long sequence = next++;
        done[slot(sequence)] = false;
        pending++;
        return new SessionTag(clientId, sequence, lowest);
    }

    /** The write with {@code sequence} has its final outcome; the client no longer needs its saved response. */
    synchronized void close(long sequence) {
        if (sequence < lowest || sequence >= next || done[slot(sequence)]) {
            throw new IllegalStateException("sequence " + sequence + " is not pending (pending range [" + lowest
                    + ", " + next + "))");
        }
        done[slot(sequence)] = true;
        pending--;
        while (lowest < next && done[slot(lowest)]) {
            lowest++;
        }
    }

    synchronized long lowestPending() {
        return lowest;
    }

    synchronized int pendingCount() {
        return pending;
    }

    private int slot(long sequence) {
        return (int) (sequence % maxPending);
    }
}
