package dev.sansraft.node;

import java.util.Arrays;

/**
 * The counts of one {@link BucketHistogram} at one moment, in the base unit.
 *
 * <p>Immutable once built: the arrays are copied in and never handed out. Thread-safe.
 *
 * @param name        metric family name
 * @param help        one-line help text
 * @param labels      extra labels after {@code node} (e.g. {@code method="GET",code="2xx"}), or empty
 * @param upperBounds inclusive upper bound of each finite bucket, increasing
 * @param cumulative  observations at or below each bound, then the total ({@code +Inf}); one longer than the bounds
 * @param sum         sum of the observed values
 */
public record HistogramSnapshot(String name, String help, String labels, double[] upperBounds, long[] cumulative,
                                double sum) {

    /**
     * Checks that there is one more cumulative count than bounds.
     *
     * @param name metric family name
     * @param help one-line help text
     * @param labels extra labels after {@code node} (e.g. {@code method="GET",code="2xx"}), or empty
     * @param upperBounds inclusive upper bound of each finite bucket, increasing
     * @param cumulative observations at or below each bound, then the total ({@code +Inf}); one longer than the bounds
     * @param sum sum of the observed values
     * @throws IllegalArgumentException naming the histogram when the counts and bounds do not fit
     */
    public HistogramSnapshot {
        if (cumulative.length != upperBounds.length + 1) {
            throw new IllegalArgumentException("histogram " + name + " has " + upperBounds.length + " bounds but "
                    + cumulative.length + " cumulative counts; expected one more count (+Inf) than bounds");
        }
        upperBounds = upperBounds.clone();
        cumulative = cumulative.clone();
    }

    /** {@return the number of observations} */
    public long count() {
        return cumulative[cumulative.length - 1];
    }

    /**
     * The cumulative count at bucket {@code i} ({@code i == bounds} is {@code +Inf}).
     *
     * @param i a bucket, 0 to {@link #bucketCount()} inclusive
     * @return the number of observations at or below that bucket's bound
     */
    public long cumulativeCount(int i) {
        return cumulative[i];
    }

    /**
     * The upper bound of finite bucket {@code i}.
     *
     * @param i a finite bucket, 0 to {@link #bucketCount()} exclusive
     * @return its upper bound, in the exposed unit
     */
    public double upperBound(int i) {
        return upperBounds[i];
    }

    /** {@return the number of finite buckets} */
    public int bucketCount() {
        return upperBounds.length;
    }

    /**
     * Appends the {@code _bucket}, {@code _sum} and {@code _count} samples, labelled with the node and this
     * snapshot's labels. The caller writes the family's {@code # HELP} and {@code # TYPE} lines once.
     *
     * @param out where to append the samples
     * @param nodeId the {@code node} label's value
     */
    public void appendSamples(StringBuilder out, long nodeId) {
        String base = "{node=\"" + nodeId + "\"" + (labels.isEmpty() ? "" : "," + labels);
        for (int i = 0; i <= upperBounds.length; i++) {
            out.append(name).append("_bucket").append(base).append(",le=\"");
            if (i == upperBounds.length) {
                out.append("+Inf");
            } else {
                out.append(upperBounds[i]);
            }
            out.append("\"} ").append(cumulative[i]).append('\n');
        }
        out.append(name).append("_sum").append(base).append("} ").append(sum).append('\n');
        out.append(name).append("_count").append(base).append("} ").append(count()).append('\n');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistogramSnapshot h && name.equals(h.name) && labels.equals(h.labels)
                && Arrays.equals(upperBounds, h.upperBounds) && Arrays.equals(cumulative, h.cumulative)
                && Double.compare(sum, h.sum) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + labels.hashCode()) + Arrays.hashCode(cumulative);
    }

    @Override
    public String toString() {
        return "HistogramSnapshot[" + name + "{" + labels + "} count=" + count() + " sum=" + sum + "]";
    }
}
