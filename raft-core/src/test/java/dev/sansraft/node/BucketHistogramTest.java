package dev.sansraft.node;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BucketHistogramTest {

    @Test
    void valuesLandInTheFirstBucketWhoseBoundHoldsThemAndCountsAreCumulative() {
        BucketHistogram h = new BucketHistogram("sansraft_x_entries", "Entries.", "", new long[]{1, 4, 16}, 1.0);
        h.observe(1);
        h.observe(2);
        h.observe(4);
        h.observe(17);
        h.observe(-3); // a clock that stepped back counts as 0

        HistogramSnapshot s = h.snapshot();

        assertThat(s.cumulativeCount(0)).as("<= 1: the 1 and the clamped -3").isEqualTo(2);
        assertThat(s.cumulativeCount(1)).as("<= 4").isEqualTo(4);
        assertThat(s.cumulativeCount(2)).as("<= 16").isEqualTo(4);
        assertThat(s.cumulativeCount(3)).as("+Inf").isEqualTo(5);
        assertThat(s.count()).isEqualTo(5);
        assertThat(s.sum()).isEqualTo(24.0);
    }

    @Test
    void latencyRendersInSecondsWithBucketSumAndCount() {
        BucketHistogram h = BucketHistogram.latency("sansraft_y_seconds", "A latency.", "");
        h.observe(3_000_000, 2); // 3 ms twice

        StringBuilder out = new StringBuilder();
        NodeMetrics.appendHistograms(out, 7, List.of(h.snapshot()));
        String text = out.toString();

        assertThat(text).startsWith("# HELP sansraft_y_seconds A latency.\n# TYPE sansraft_y_seconds histogram\n");
        assertThat(text).contains("sansraft_y_seconds_bucket{node=\"7\",le=\"0.0025\"} 0\n");
        assertThat(text).contains("sansraft_y_seconds_bucket{node=\"7\",le=\"0.005\"} 2\n");
        assertThat(text).contains("sansraft_y_seconds_bucket{node=\"7\",le=\"+Inf\"} 2\n");
        assertThat(text).contains("sansraft_y_seconds_sum{node=\"7\"} 0.006\n");
        assertThat(text).contains("sansraft_y_seconds_count{node=\"7\"} 2\n");
    }

    @Test
    void aFamilyWithSeveralLabelSetsHasOneHelpLine() {
        BucketHistogram get = BucketHistogram.latency("sansraft_z_seconds", "Z.", "method=\"GET\"");
        BucketHistogram put = BucketHistogram.latency("sansraft_z_seconds", "Z.", "method=\"PUT\"");

        StringBuilder out = new StringBuilder();
        NodeMetrics.appendHistograms(out, 1, List.of(get.snapshot(), put.snapshot()));

        assertThat(out.toString().split("# HELP", -1)).hasSize(2);
        assertThat(out.toString()).contains("sansraft_z_seconds_count{node=\"1\",method=\"PUT\"} 0\n");
    }

    @Test
    void everyGaugeAndCounterHasAHelpLine() {
        String text = new NodeMetrics(1, Map.of("sansraft_term", 2.0, "sansraft_made_up_total", 1.0)).toPrometheus();

        assertThat(text).contains("# HELP sansraft_term Current term of this node.\n");
        assertThat(text).contains("# HELP sansraft_made_up_total made up total.\n");
    }

    @Test
    void boundsMustIncrease() {
        assertThatThrownBy(() -> new BucketHistogram("sansraft_a", "A.", "", new long[]{2, 2}, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("increase strictly");
    }

    /**
     * The histograms sit on the event loop, the storage thread and every HTTP request, so {@code observe} must not
     * allocate: a million observations may allocate less than one byte each on average (the thread's allocation
     * counter itself moves in TLAB-sized steps, hence a bound rather than zero).
     */
    @Test
    void observingDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        BucketHistogram h = BucketHistogram.latency("sansraft_z_seconds", "A latency.", "");
        for (int i = 0; i < 200_000; i++) { // warm up, so the JIT has compiled observe
            h.observe(i * 997L, 1 + (i & 3));
        }

        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            h.observe(i * 7_919L, 1 + (i & 3));
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes allocated by 1,000,000 observations").isLessThan(1_000_000);
        assertThat(h.snapshot().count()).isEqualTo(200_000L * 5 / 2 + 1_000_000L * 5 / 2);
    }
}
