package dev.sansraft.kv;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How {@link KvStore} retries a request that failed with an outcome-unknown error ({@code OutcomeUnknownException},
 * or a read's {@code TimeoutException}), a not-applied one ({@code ProposalDroppedException}), or an election (a
 * {@code NotLeaderException} without a known leader, for stores with failover nodes): up to {@code maxAttempts}
 * attempts in all, waiting between them a random time in {@code [d/2, d]} where {@code d} doubles from
 * {@code initialBackoff} up to {@code maxBackoff}, and no retry starts once {@code deadline} has passed since the
 * call. The call then fails with the last attempt's error. Immutable.
 *
 * @param maxAttempts    attempts in all, including the first; 1 disables retries
 * @param initialBackoff wait before the second attempt (upper bound)
 * @param maxBackoff     cap on the wait
 * @param deadline       how long after the call a retry may still start; each attempt may take up to the node's
 *                       {@code requestTimeout} on top
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration deadline) {

    /** The deadline of a policy built without one. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    /**
     * Eight attempts, 50 ms doubling to at most 1 s, within 30 s: a few seconds of backoff, enough to ride out an
     * election (1-2 s with the node's default 100 ms tick), and bounded even when every attempt times out.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofMillis(50), Duration.ofSeconds(1));

    /** A single attempt. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1));

    /**
     * A policy with the {@link #DEFAULT_DEADLINE}.
     *
     * @param maxAttempts attempts in all, including the first; 1 disables retries
     * @param initialBackoff wait before the second attempt (upper bound)
     * @param maxBackoff cap on the wait
     */
    public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        this(maxAttempts, initialBackoff, maxBackoff, DEFAULT_DEADLINE);
    }

    /**
     * Validates the policy.
     *
     * @param maxAttempts attempts in all, including the first; 1 disables retries
     * @param initialBackoff wait before the second attempt (upper bound)
     * @param maxBackoff cap on the wait
     * @param deadline how long after the call a retry may still start; each attempt may take up to the node's {@code
     *     requestTimeout} on top
     * @throws IllegalArgumentException if {@code maxAttempts} is below 1 or a duration is null or not positive
     */
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        if (initialBackoff == null || maxBackoff == null || initialBackoff.isNegative() || initialBackoff.isZero()
                || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 < initialBackoff <= maxBackoff, got " + initialBackoff
                    + " and " + maxBackoff);
        }
    }

    /** The wait before attempt {@code attempt + 1}, with jitter so that clients retrying together spread out. */
    long backoffNanos(int attempt) {
        long cap = maxBackoff.toNanos();
        long d = initialBackoff.toNanos();
        for (int i = 1; i < attempt && d < cap; i++) {
            d = Math.min(cap, d * 2);
        }
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }
}
