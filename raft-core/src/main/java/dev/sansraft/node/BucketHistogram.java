package dev.sansraft.node;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Prometheus-style histogram over fixed bucket bounds, for values recorded as longs (nanoseconds, entry counts).
 * The bounds and counters are allocated once, at construction: {@link #observe} only scans the bounds and bumps two
 * atomic counters, so recording never allocates and can sit on the event loop or the storage thread.
 *
 * <p>Thread-safe: any number of threads may observe while another takes a {@link #snapshot}. A snapshot reads the
 * buckets one after another without a lock, so an observation racing with it may be counted in its bucket but not
 * yet in the sum (or the other way round); the next snapshot includes it.
 */
public final class BucketHistogram {

    /** Latency bounds in nanoseconds: 50 µs to 10 s, roughly 1-2.5-5 per decade. */
    public static final long[] LATENCY_BOUNDS_NANOS = {
            50_000L, 100_000L, 250_000L, 500_000L,
            1_000_000L, 2_500_000L, 5_000_000L,
            10_000_000L, 25_000_000L, 50_000_000L,
            100_000_000L, 250_000_000L, 500_000_000L,
            1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L};

    /** Count bounds, powers of two from 1 to 4096 (entries per batch). */
    public static final long[] COUNT_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

    /** Scale that turns nanoseconds into the base unit seconds. */
    public static final double NANOS_TO_SECONDS = 1e-9;

    private final String name;
    private final String help;
    private final String labels;
    private final long[] bounds;
    private final double scale;
    /** One slot per bound plus the last for values above every bound (the {@code +Inf} bucket). */
    private final AtomicLongArray counts;
    private final AtomicLong sum = new AtomicLong();

    /**
     * @param name   the metric family name, {@code sansraft_} + snake_case with the base unit, e.g.
     *               {@code sansraft_storage_sync_duration_seconds}
     * @param help   the {@code # HELP} text, one line
     * @param labels extra labels rendered after {@code node}, such as {@code method="GET",code="2xx"}, or empty
     * @param bounds inclusive upper bounds in the recorded unit, strictly increasing
     * @param scale  multiplier from the recorded unit to the rendered one (1e-9 for nanoseconds to seconds)
     * @throws IllegalArgumentException if the bounds are empty or not strictly increasing, or the text is blank
     */
    public BucketHistogram(String name, String help, String labels, long[] bounds, double scale) {
        if (name == null || !name.startsWith("sansraft_")) {
            throw new IllegalArgumentException("histogram name must start with sansraft_, got " + name);
        }
        if (help == null || help.isBlank() || help.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("histogram " + name + " needs a one-line help text, got " + help);
        }
        if (bounds.length == 0) {
            throw new IllegalArgumentException("histogram " + name + " needs at least one bucket bound");
        }
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException("histogram " + name + " bounds must increase strictly, got "
                        + Arrays.toString(bounds));
            }
        }
        this.name = name;
        this.help = help;
        this.labels = labels == null ? "" : labels;
        this.bounds = bounds.clone();
        this.scale = scale;
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    /**
     * A latency histogram in seconds over {@link #LATENCY_BOUNDS_NANOS}; observe nanoseconds.
     *
     * @param name the metric family name, {@code sansraft_} prefixed and ending in {@code _seconds}
     * @param help the {@code # HELP} text
     * @param labels extra labels in Prometheus syntax, such as {@code op="put"}, or the empty string
     * @return an empty histogram
     */
    public static BucketHistogram latency(String name, String help, String labels) {
        return new BucketHistogram(name, help, labels, LATENCY_BOUNDS_NANOS, NANOS_TO_SECONDS);
    }

    /**
     * Records one value (negative values, from a clock that stepped back, count as 0). Never allocates.
     *
     * @param value the value, in the unit of the bounds (nanoseconds for {@link #latency})
     */
    public void observe(long value) {
        observe(value, 1);
    }

    /**
     * Records {@code times} observations of the same value at once. Never allocates.
     *
     * @param value the value, in the unit of the bounds (nanoseconds for {@link #latency})
     * @param times how many observations to record; nothing is recorded when not positive
     */
    public void observe(long value, int times) {
        if (times <= 0) {
            return;
        }
        long v = Math.max(0, value);
        int i = 0;
        while (i < bounds.length && v > bounds[i]) {
            i++;
        }
        counts.addAndGet(i, times);
        sum.addAndGet(v * times);
    }

    /** {@return the metric family name} */
    public String name() {
        return name;
    }

    /** {@return the current counts, cumulative per bound as Prometheus expects} */
    public HistogramSnapshot snapshot() {
        long[] cumulative = new long[bounds.length + 1];
        long running = 0;
        for (int i = 0; i < cumulative.length; i++) {
            running += counts.get(i);
            cumulative[i] = running;
        }
        double[] upper = new double[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            upper[i] = bounds[i] * scale;
        }
        return new HistogramSnapshot(name, help, labels, upper, cumulative, sum.get() * scale);
    }
}
