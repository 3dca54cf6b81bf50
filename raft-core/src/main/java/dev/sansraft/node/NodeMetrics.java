package dev.sansraft.node;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A point-in-time snapshot of one node's counters and gauges, keyed by Prometheus metric name ({@code sansraft_*},
 * snake_case, base units; counters end in {@code _total}). Values are read without a global lock, so two values of
 * one snapshot may be a few operations apart.
 *
 * <p>Latency and size distributions come as {@link HistogramSnapshot}s, rendered as Prometheus histograms.
 *
 * <p>Immutable and thread-safe: the map and list are unmodifiable copies, the map iterated in name order.
 *
 * @param nodeId     the node the values belong to, rendered as the {@code node} label
 * @param values     metric name to value
 * @param histograms histograms, those of one family next to each other
 */
public record NodeMetrics(long nodeId, Map<String, Double> values, List<HistogramSnapshot> histograms) {

    /**
     * Gauges and counters only, no histograms.
     *
     * @param nodeId the node the metrics describe
     * @param values metric name to value
     */
    public NodeMetrics(long nodeId, Map<String, Double> values) {
        this(nodeId, values, List.of());
    }

    /**
     * Checks every metric name and copies the collections.
     *
     * @param nodeId the node the values belong to, rendered as the {@code node} label
     * @param values metric name to value
     * @param histograms histograms, those of one family next to each other
     * @throws IllegalArgumentException naming a metric whose name is not {@code sansraft_[a-z0-9_]*}
     */
    public NodeMetrics {
        for (String name : values.keySet()) {
            if (!isValidName(name)) {
                throw new IllegalArgumentException("invalid metric name '" + name
                        + "': must be sansraft_ followed by [a-z0-9_]");
            }
        }
        values = Collections.unmodifiableMap(new TreeMap<>(values));
        histograms = List.copyOf(histograms);
    }

    /**
     * The histogram named {@code name} without extra labels, or null when this snapshot has none.
     *
     * @param name the family name
     * @return the histogram, or null
     */
    public HistogramSnapshot histogram(String name) {
        for (HistogramSnapshot h : histograms) {
            if (h.name().equals(name) && h.labels().isEmpty()) {
                return h;
            }
        }
        return null;
    }

    /**
     * The value of {@code name}, or {@code NaN} when this snapshot has no such metric.
     *
     * @param name the metric name
     * @return the value, or {@code NaN}
     */
    public double get(String name) {
        Double v = values.get(name);
        return v == null ? Double.NaN : v;
    }

    /**
     * Renders the snapshot in the Prometheus text exposition format (version 0.0.4): a {@code # HELP} and a
     * {@code # TYPE} line per metric (counter when the name ends in {@code _total}, gauge otherwise) and one sample
     * labelled {@code node="<id>"}; then each histogram family with {@code _bucket}, {@code _sum} and {@code _count}.
     *
     * @return the exposition text, one line per sample
     */
    public String toPrometheus() {
        StringBuilder out = new StringBuilder(values.size() * 120 + histograms.size() * 1200);
        for (Map.Entry<String, Double> e : values.entrySet()) {
            String name = e.getKey();
            out.append("# HELP ").append(name).append(' ').append(MetricHelp.of(name)).append('\n');
            out.append("# TYPE ").append(name).append(name.endsWith("_total") ? " counter\n" : " gauge\n");
            out.append(name).append("{node=\"").append(nodeId).append("\"} ");
            appendValue(out, e.getValue());
            out.append('\n');
        }
        appendHistograms(out, nodeId, histograms);
        return out.toString();
    }

    /**
     * Appends histogram families in the text format: {@code # HELP} and {@code # TYPE} once per family (a family's
     * label sets must be next to each other in the list), then every label set's samples.
     *
     * @param out where to append
     * @param nodeId the {@code node} label's value
     * @param histograms the histograms, families grouped
     */
    public static void appendHistograms(StringBuilder out, long nodeId, List<HistogramSnapshot> histograms) {
        String family = null;
        for (HistogramSnapshot h : histograms) {
            if (!h.name().equals(family)) {
                family = h.name();
                out.append("# HELP ").append(family).append(' ').append(h.help()).append('\n');
                out.append("# TYPE ").append(family).append(" histogram\n");
            }
            h.appendSamples(out, nodeId);
        }
    }

    private static void appendValue(StringBuilder out, double v) {
        if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            // Counters and indexes are integers; print them without a trailing ".0" or an exponent.
            out.append((long) v);
        } else {
            out.append(v);
        }
    }

    private static boolean isValidName(String name) {
        if (!name.startsWith("sansraft_") || name.length() == "sansraft_".length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
