package dev.sansraft.examples;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, checking every few milliseconds; never sleeps for a fixed time. */
public final class Poll {

    private Poll() {
    }

    /** Returns the first non-null value {@code probe} yields, or fails with {@code what} after {@code timeout}. */
    public static <T> T until(Duration timeout, String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (last == null ? "" : "; last error: " + last), last);
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }

    /** Waits until {@code condition} holds. */
    public static void untilTrue(Duration timeout, String what, Supplier<Boolean> condition) {
        until(timeout, what, () -> Boolean.TRUE.equals(condition.get()) ? Boolean.TRUE : null);
    }
}
