package dev.sansraft.examples.http;

import dev.sansraft.node.BucketHistogram;
import dev.sansraft.node.HistogramSnapshot;
import dev.sansraft.node.NodeMetrics;

import java.util.ArrayList;
import java.util.List;

/**
 * HTTP request time by method and status class, as the histogram family {@code sansraft_http_request_seconds} with
 * labels {@code method} (GET, PUT, DELETE, POST, or OTHER) and {@code code} (1xx to 5xx). Every label set's histogram
 * is created up front, so recording a request is a table lookup and {@link BucketHistogram#observe}: no allocation.
 *
 * <p>Thread-safe.
 */
public final class HttpRequestMetrics {

    static final String NAME = "sansraft_http_request_seconds";
    private static final String HELP = "Time from a request's arrival to its response headers being sent, "
            + "by method and status class.";
    private static final String[] METHODS = {"GET", "PUT", "DELETE", "POST", "OTHER"};
    private static final int STATUS_CLASSES = 5;

    /** [method][status class - 1]. */
    private final BucketHistogram[][] histograms = new BucketHistogram[METHODS.length][STATUS_CLASSES];

    /** Empty histograms for every method and status class. */
    public HttpRequestMetrics() {
        for (int m = 0; m < METHODS.length; m++) {
            for (int c = 0; c < STATUS_CLASSES; c++) {
                histograms[m][c] = BucketHistogram.latency(NAME, HELP,
                        "method=\"" + METHODS[m] + "\",code=\"" + (c + 1) + "xx\"");
            }
        }
    }

    /**
     * Records one request that took {@code nanos} and was answered with {@code status}. Never allocates.
     *
     * @param method the request's HTTP method; methods outside the tracked set are filed under one label
     * @param status the response's HTTP status; a status outside 1xx to 5xx is ignored
     * @param nanos how long the request took, in nanoseconds
     */
    public void record(String method, int status, long nanos) {
        int c = status / 100 - 1;
        if (c < 0 || c >= STATUS_CLASSES) {
            return; // not a status a server sends; nothing sensible to file it under
        }
        histograms[methodSlot(method)][c].observe(nanos);
    }

    private static int methodSlot(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "PUT" -> 1;
            case "DELETE" -> 2;
            case "POST" -> 3;
            default -> 4;
        };
    }

    /**
     * Snapshots of the label sets that have seen a request, in a fixed order.
     *
     * @return one snapshot per label set with at least one request
     */
    public List<HistogramSnapshot> snapshots() {
        List<HistogramSnapshot> out = new ArrayList<>();
        for (BucketHistogram[] byClass : histograms) {
            for (BucketHistogram h : byClass) {
                HistogramSnapshot s = h.snapshot();
                if (s.count() > 0) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /**
     * The family in the Prometheus text format, labelled with {@code nodeId}; empty before the first request.
     *
     * @param nodeId the node id label
     * @return the metric family's text, or the empty string
     */
    public String toPrometheus(long nodeId) {
        StringBuilder out = new StringBuilder();
        NodeMetrics.appendHistograms(out, nodeId, snapshots());
        return out.toString();
    }
}
