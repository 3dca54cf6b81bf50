package dev.sansraft.node;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeMetricsTest {

    @Test
    void rendersSortedSamplesWithHelpTypesAndTheNodeLabel() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("sansraft_term", 7.0);
        values.put("sansraft_messages_sent_total", 12.0);
        values.put("sansraft_storage_sync_seconds_total", 0.25);

        String text = new NodeMetrics(3, values).toPrometheus();

        assertThat(text).isEqualTo(
                "# HELP sansraft_messages_sent_total Raft messages handed to the transport.\n"
                        + "# TYPE sansraft_messages_sent_total counter\n"
                        + "sansraft_messages_sent_total{node=\"3\"} 12\n"
                        + "# HELP sansraft_storage_sync_seconds_total Time spent in log store syncs.\n"
                        + "# TYPE sansraft_storage_sync_seconds_total counter\n"
                        + "sansraft_storage_sync_seconds_total{node=\"3\"} 0.25\n"
                        + "# HELP sansraft_term Current term of this node.\n"
                        + "# TYPE sansraft_term gauge\n"
                        + "sansraft_term{node=\"3\"} 7\n");
    }

    @Test
    void rendersNonFiniteValuesAsPrometheusSpellsThem() {
        String text = new NodeMetrics(1, Map.of("sansraft_a", Double.NaN, "sansraft_b", Double.POSITIVE_INFINITY))
                .toPrometheus();

        assertThat(text).contains("sansraft_a{node=\"1\"} NaN\n").contains("sansraft_b{node=\"1\"} +Inf\n");
    }

    @Test
    void refusesNamesOutsideTheConvention() {
        assertThatThrownBy(() -> new NodeMetrics(1, Map.of("raft_term", 1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raft_term");
        assertThatThrownBy(() -> new NodeMetrics(1, Map.of("sansraft_Term", 1.0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isAnImmutableSnapshot() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("sansraft_term", 1.0);
        NodeMetrics m = new NodeMetrics(1, values);
        values.put("sansraft_term", 2.0);

        assertThat(m.get("sansraft_term")).isEqualTo(1.0);
        assertThat(m.get("sansraft_missing")).isNaN();
        assertThatThrownBy(() -> m.values().put("sansraft_x", 1.0)).isInstanceOf(UnsupportedOperationException.class);
    }
}
