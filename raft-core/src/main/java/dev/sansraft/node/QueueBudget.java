package dev.sansraft.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A named limit on what one queue between the node's stages may hold, in entries and in bytes. Producers that can
 * refuse work ask {@link #tryAcquire} and turn a refusal into {@link OverloadedException} (or, for inbound messages,
 * shed the payload); producers that must not refuse (a committed entry has to reach the apply thread) use
 * {@link #acquire} and let {@link #isFull()} refuse new work upstream instead. Either way the queue stays within
 * its limit plus what was already in flight when it filled, and the heap does not grow with the offered load.
 *
 * <p>One item larger than {@code maxBytes} is admitted when the budget is empty, so that it is not refused forever.
 *
 * <p>Thread-safe: lock-free counters. Two racing {@link #tryAcquire} calls near the limit may both be refused; that
 * errs towards refusing, never towards exceeding.
 */
final class QueueBudget {

    private final String name;
    private final long maxEntries;
    private final long maxBytes;
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    QueueBudget(String name, long maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException(name + " needs positive limits, got " + maxEntries + " entries and "
                    + maxBytes + " bytes");
        }
        this.name = name;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** Takes room for {@code n} entries of {@code size} bytes in all if both limits allow it; else takes nothing. */
    boolean tryAcquire(long n, long size) {
        long e = entries.addAndGet(n);
        long b = bytes.addAndGet(size);
        if (e <= maxEntries && (b <= maxBytes || b == size)) {
            return true;
        }
        entries.addAndGet(-n);
        bytes.addAndGet(-size);
        return false;
    }

    /** Takes room unconditionally, for work that cannot be refused; {@link #isFull()} then holds new work back. */
    void acquire(long n, long size) {
        entries.addAndGet(n);
        bytes.addAndGet(size);
    }

    void release(long n, long size) {
        long e = entries.addAndGet(-n);
        long b = bytes.addAndGet(-size);
        if (e < 0 || b < 0) {
            throw new IllegalStateException(name + " released more than it held: now " + e + " entries, " + b
                    + " bytes after releasing " + n + " and " + size);
        }
    }

    /** Whether either limit is reached. */
    boolean isFull() {
        return entries.get() >= maxEntries || bytes.get() >= maxBytes;
    }

    String name() {
        return name;
    }

    long entries() {
        return entries.get();
    }

    long bytes() {
        return bytes.get();
    }

    long maxEntries() {
        return maxEntries;
    }

    long maxBytes() {
        return maxBytes;
    }

    @Override
    public String toString() {
        return name + "[" + entries.get() + "/" + maxEntries + " entries, " + bytes.get() + "/" + maxBytes
                + " bytes]";
    }
}
