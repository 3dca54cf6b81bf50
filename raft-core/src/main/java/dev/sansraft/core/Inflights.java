package dev.sansraft.core;

/**
 * The bounded window of append requests sent to one follower and not yet acknowledged, as the last index each one
 * carried, oldest first. A ring buffer, so pipelining allocates nothing per message. Not thread-safe: owned by its
 * {@link Progress}.
 */
final class Inflights {

    private final long[] lastIndexes;
    private int start;
    private int count;

    Inflights(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inflight capacity must be >= 1, got " + capacity);
        }
        this.lastIndexes = new long[capacity];
    }

    boolean isFull() {
        return count == lastIndexes.length;
    }

    int count() {
        return count;
    }

    /** Records an append whose last entry is {@code lastIndex}; indexes must increase. */
    void add(long lastIndex) {
        if (isFull()) {
            throw new IllegalStateException("inflight window full (" + count + ") adding " + lastIndex);
        }
        if (count > 0 && lastIndex <= newest()) {
            throw new IllegalStateException("inflight indexes must increase: " + lastIndex + " after " + newest());
        }
        lastIndexes[(start + count) % lastIndexes.length] = lastIndex;
        count++;
    }

    /** Frees every append whose last index is at or below {@code index}: the follower has acknowledged them. */
    void freeTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    void clear() {
        start = 0;
        count = 0;
    }

    private long newest() {
        return lastIndexes[(start + count - 1) % lastIndexes.length];
    }
}
