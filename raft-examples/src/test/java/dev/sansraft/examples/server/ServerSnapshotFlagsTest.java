package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerSnapshotFlagsTest {
    private static final List<String> REQUIRED = List.of("--id", "1", "--data", "d", "--peers",
            "1=127.0.0.1:9001/8001");

    private static NodeSettings settings(String... extra) {
        List<String> args = new ArrayList<>(REQUIRED);
        args.addAll(List.of(extra));
        ParsedFlags flags = new ServerCommand().flags().parse(args);
        return ServerCommand.settings(flags);
    }

    @Test
    void defaultsAreTheRaftConfigDefaults() {
        NodeSettings s = settings();
        RaftConfig d = RaftConfig.defaults();
        assertThat(s.snapshots()).isEqualTo(new SnapshotSettings(d.snapshotEntries(), d.snapshotBytes(),
                d.snapshotTrailingEntries()));
        assertThat(s.logSegmentBytes()).isEqualTo(NodeSettings.DEFAULT_LOG_SEGMENT_BYTES);
        assertThat(s.memoryBudgetBytes()).as("0: the limits come from the heap").isZero();
        assertThat(s.heapBudget()).isEqualTo(HeapBudget.ofThisProcess());
        assertThat(new ServerCommand().flags().usage()).contains("--snapshot-entries N")
                .contains("(default " + d.snapshotEntries() + ")").contains("(default 256MiB)");
    }

    @Test
    void thresholdsReachTheRaftConfig() {
        NodeSettings s = settings("--snapshot-entries", "5000", "--snapshot-bytes", "8MiB", "--snapshot-trailing",
                "10", "--log-segment-bytes", "256KiB");
        RaftConfig c = s.snapshots().applyTo(RaftConfig.builder()).build();
        assertThat(c.snapshotEntries()).isEqualTo(5000);
        assertThat(c.snapshotBytes()).isEqualTo(8L << 20);
        assertThat(c.snapshotTrailingEntries()).isEqualTo(10);
        assertThat(s.logSegmentBytes()).isEqualTo(256L << 10);
        assertThat(settings("--snapshot-entries", "0", "--snapshot-bytes", "0").snapshots().isDisabled()).isTrue();
    }

    @Test
    void aMemoryBudgetSizesTheQueueLimitsInsteadOfTheHeap() {
        HeapBudget budget = settings("--memory-budget", "64MiB").heapBudget();
        assertThat(budget).isEqualTo(new HeapBudget(64L << 20));
        assertThat(budget.queueLimits().maxPendingRequestBytes()).isEqualTo(8L << 20);
        assertThat(budget.maxUncommittedBytes()).isEqualTo(8L << 20);
        assertThatThrownBy(() -> settings("--memory-budget", "1MiB")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--memory-budget").hasMessageContaining("outside");
    }

    @Test
    void badValuesAreUsageErrorsNamingTheFlag() {
        assertThatThrownBy(() -> settings("--snapshot-entries", "-5")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--snapshot-entries").hasMessageContaining("-5");
        assertThatThrownBy(() -> settings("--snapshot-entries", "many")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--snapshot-entries").hasMessageContaining("not an integer");
        assertThatThrownBy(() -> settings("--snapshot-bytes", "-1MiB")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--snapshot-bytes");
        assertThatThrownBy(() -> settings("--snapshot-bytes", "2 furlongs")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--snapshot-bytes").hasMessageContaining("furlongs");
        assertThatThrownBy(() -> settings("--snapshot-trailing", "1.5")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--snapshot-trailing");
        assertThatThrownBy(() -> settings("--log-segment-bytes", "100")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--log-segment-bytes").hasMessageContaining("outside");
    }
}
