package dev.sansraft.examples.http;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

class HttpRequestMetricsTest {

    @Test
    void requestsAreFiledByMethodAndStatusClass() {
        HttpRequestMetrics metrics = new HttpRequestMetrics();
        metrics.record("PUT", 200, 2_000_000);
        metrics.record("PUT", 204, 3_000_000);
        metrics.record("GET", 503, 1_000_000);
        metrics.record("PATCH", 404, 1_000_000);
        metrics.record("GET", 999, 1_000_000); // no such status class: not filed

        String text = metrics.toPrometheus(3);

        assertThat(text).contains("# HELP " + HttpRequestMetrics.NAME);
        assertThat(text).contains(HttpRequestMetrics.NAME + "_count{node=\"3\",method=\"PUT\",code=\"2xx\"} 2");
        assertThat(text).contains(HttpRequestMetrics.NAME + "_count{node=\"3\",method=\"GET\",code=\"5xx\"} 1");
        assertThat(text).contains(HttpRequestMetrics.NAME + "_count{node=\"3\",method=\"OTHER\",code=\"4xx\"} 1");
        assertThat(metrics.snapshots()).hasSize(3);
    }

    /** Every request records once, so recording must not allocate (bound: under one byte per request). */
    @Test
    void recordingDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        HttpRequestMetrics metrics = new HttpRequestMetrics();
        String[] methods = {"GET", "PUT", "DELETE", "POST", "PATCH"};
        int[] statuses = {200, 307, 404, 503};
        for (int i = 0; i < 200_000; i++) {
            metrics.record(methods[i % methods.length], statuses[i % statuses.length], i * 1_009L);
        }

        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            metrics.record(methods[i % methods.length], statuses[i % statuses.length], i * 7_919L);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes allocated by 1,000,000 recorded requests").isLessThan(1_000_000);
    }
}
