package dev.sansraft.examples.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a bench run measured: the merged latency histogram of successful requests (200 and 404), the count of each
 * status, and I/O errors. Not thread-safe; filled after the workers have finished.
 */
final class BenchResult {
    private final Duration window;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final TreeMap<Integer, Long> statuses = new TreeMap<>();
    private long ioErrors;

    BenchResult(Duration window) {
        this.window = window;
    }

    void add(LatencyHistogram h, Map<Integer, Long> s, long io) {
        latency.add(h);
        s.forEach((k, v) -> statuses.merge(k, v, Long::sum));
        ioErrors += io;
    }

    LatencyHistogram latency() {
        return latency;
    }

    long succeeded() {
        return latency.count();
    }

    double throughputPerSecond() {
        return latency.count() / (window.toNanos() / 1e9);
    }

    String render() {
        long failed = statuses.entrySet().stream().filter(e -> e.getKey() != 200 && e.getKey() != 404)
                .mapToLong(Map.Entry::getValue).sum();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  requests   %d ok, %d failed, %d I/O errors, statuses %s%n",
                succeeded(), failed, ioErrors, statuses));
        b.append(String.format(Locale.ROOT, "  throughput %.0f req/s%n", throughputPerSecond()));
        b.append(String.format(Locale.ROOT,
                "  latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s%n",
                ms(latency.percentile(50)), ms(latency.percentile(90)), ms(latency.percentile(99)),
                ms(latency.percentile(99.9)), ms(latency.max()), ms((long) latency.mean())));
        return b.toString();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
}
