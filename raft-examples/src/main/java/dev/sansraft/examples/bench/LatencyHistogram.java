package dev.sansraft.examples.bench;

/**
 * A log-linear histogram of non-negative values (latencies in nanoseconds), in the spirit of HdrHistogram: values
 * below 256 are exact, larger ones fall into buckets 1/128 of their power of two wide, so any reported percentile
 * is within 0.8% of the true value. Fixed memory (about 57 KiB), no allocation per record.
 *
 * <p>Not thread-safe: give each thread its own and {@link #add} them at the end.
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 7;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS) * SUB_COUNT;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;
    private long min = Long.MAX_VALUE;
    private double sum;

    /**
     * Records one value; negative values are a caller bug.
     *
     * @param value the latency, in the caller's unit (nanoseconds in the benchmarks); not negative
     */
    public void record(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("latency must be >= 0, got " + value);
        }
        counts[index(value)]++;
        total++;
        sum += value;
        if (value > max) {
            max = value;
        }
        if (value < min) {
            min = value;
        }
    }

    static int index(long value) {
        if (value < 2 * SUB_COUNT) {
            return (int) value;
        }
        int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS;
        int sub = (int) (value >>> shift);
        return (shift + 1) * SUB_COUNT + (sub - SUB_COUNT);
    }

    /** The largest value that falls into bucket {@code index}. */
    static long highestInBucket(int index) {
        if (index < 2 * SUB_COUNT) {
            return index;
        }
        int shift = index / SUB_COUNT - 1;
        long sub = index % SUB_COUNT + SUB_COUNT;
        return ((sub + 1) << shift) - 1;
    }

    /**
     * Adds every value recorded in {@code other} to this histogram.
     *
     * @param other the histogram to merge in; unchanged
     */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
        min = Math.min(min, other.min);
    }

    /** {@return how many values were recorded} */
    public long count() {
        return total;
    }

    /** {@return the largest value recorded, 0 when empty} */
    public long max() {
        return max;
    }

    /** {@return the smallest value recorded, 0 when empty} */
    public long min() {
        return total == 0 ? 0 : min;
    }

    /** {@return the exact mean of the values recorded, 0 when empty} */
    public double mean() {
        return total == 0 ? 0 : sum / total;
    }

    /**
     * The value at {@code percentile} (0 to 100): the upper bound of the bucket holding the rank-th smallest value,
     * capped at the recorded maximum. 0 when empty.
     *
     * @param percentile the percentile, 0 to 100
     * @return the value at that percentile, with the bucket's precision
     */
    public long percentile(double percentile) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + percentile);
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestInBucket(i), max);
            }
        }
        return max;
    }
}
