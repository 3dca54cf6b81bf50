package dev.sansraft.transport.tcp;

import java.util.random.RandomGenerator;

/**
 * Exponential reconnect backoff with "equal jitter": the n-th consecutive failure waits a random delay in
 * {@code [d/2, d]} where {@code d = min(max, min * 2^n)}. The jitter keeps peers that lost each other at the same
 * moment from retrying in lockstep; the lower half keeps the growth.
 *
 * <p>Not thread-safe: owned by the selector thread. Deterministic for a seeded {@link RandomGenerator}.
 */
final class ReconnectBackoff {

    private final long minNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    ReconnectBackoff(long minNanos, long maxNanos, RandomGenerator random) {
        if (minNanos <= 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("backoff needs 0 < min <= max, got min=" + minNanos + "ns max="
                    + maxNanos + "ns");
        }
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.random = random;
    }

    /** The delay before the next attempt after one more failure. */
    long nextDelayNanos() {
        long ceiling = minNanos;
        for (int i = 0; i < failures && ceiling < maxNanos; i++) {
            ceiling = ceiling > maxNanos / 2 ? maxNanos : ceiling * 2;
        }
        ceiling = Math.min(ceiling, maxNanos);
        failures = Math.min(failures + 1, 62);
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    /** A successful connection: the next failure starts again from the minimum. */
    void reset() {
        failures = 0;
    }
}
