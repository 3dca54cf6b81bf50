package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Validation and value semantics of the records that cross the core's boundary. */
class ProtocolRecordsTest {

    @Test
    void logEntryRejectsImpossiblePositions() {
        assertThatThrownBy(() -> LogEntry.normal(0, 1, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index must be >= 1, got 0");
        assertThatThrownBy(() -> LogEntry.normal(3, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("term must be >= 1, got 0 at index 3");
        assertThatThrownBy(() -> new LogEntry(3, 1, null, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kind is null at index 3");
    }

    @Test
    void logEntryComparesPayloadByContentAndCountsOverhead() {
        LogEntry a = LogEntry.normal(1, 1, new byte[] {1, 2});
        LogEntry b = LogEntry.normal(1, 1, new byte[] {1, 2});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(LogEntry.normal(1, 1, new byte[] {1, 3}));
        assertThat(a).isNotEqualTo(new LogEntry(1, 1, EntryKind.CONFIG, new byte[] {1, 2}));
        assertThat(a.sizeBytes()).isEqualTo(LogEntry.OVERHEAD_BYTES + 2);
        assertThat(new LogEntry(1, 1, EntryKind.NORMAL, null).payload()).as("null payload is empty").isEmpty();
        assertThat(LogEntry.noop(4, 2).kind()).isEqualTo(EntryKind.NOOP);
        assertThat(LogEntry.noop(4, 2).sizeBytes()).as("empty entries still cost").isPositive();
    }

    @Test
    void entryKindCodesRoundTripAndUnknownCodesAreNamed() {
        for (EntryKind k : EntryKind.values()) {
            assertThat(EntryKind.fromCode(k.code())).isEqualTo(k);
        }
        assertThatThrownBy(() -> EntryKind.fromCode(9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9");
    }

    @Test
    void messagesRequirePositiveIdsAndNonNegativeTerms() {
        assertThatThrownBy(() -> new Message.VoteRequest(0, 2, 1, 0, 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from=0");
        assertThatThrownBy(() -> new Message.VoteResponse(1, -2, 1, true, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to=-2");
        assertThatThrownBy(() -> new Message.ReadIndexRequest(1, 2, -1, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void appendRequestEntriesMustFollowPrevLogIndexContiguously() {
        Message.AppendRequest ok = new Message.AppendRequest(1, 2, 3, 4, 2, List.of(entry(5, 3), entry(6, 3)), 4, 0);
        assertThat(ok.lastIndex()).isEqualTo(6);
        assertThat(new Message.AppendRequest(1, 2, 3, 4, 2, List.of(), 4, 0).lastIndex()).isEqualTo(4);
        assertThatThrownBy(() -> new Message.AppendRequest(1, 2, 3, 4, 2, List.of(entry(6, 3)), 4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prevLogIndex 4")
                .hasMessageContaining("index 6");
        assertThatThrownBy(() -> new Message.AppendRequest(1, 2, 3, -1, 2, List.of(), 4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prevLogIndex=-1");
        assertThatThrownBy(() -> new Message.AppendRequest(1, 2, 3, 0, 0, List.of(), -4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaderCommit=-4");
    }

    @Test
    void appendResponseAndReadIndexResponseRejectNegativeFields() {
        assertThatThrownBy(() -> new Message.AppendResponse(1, 2, 3, false, 0, 0, -1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conflictIndex=-1");
        assertThatThrownBy(() -> new Message.ReadIndexResponse(1, 2, 3, 7, -1, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void eventsAndActionsValidateTheirFields() {
        assertThatThrownBy(() -> new Event.Receive(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Event.Propose(5, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5");
        assertThatThrownBy(() -> new Event.Persisted(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Event.Persisted(1, 1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epoch -1");
        assertThatThrownBy(() -> new Action.TruncateLog(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> new Action.AppendLog(List.of(), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HardState(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HardState(1, -3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-3");
    }

    @Test
    void createRejectsInconsistentDurableState() {
        RaftConfig c = RaftConfig.defaults();
        InMemoryLog empty = new InMemoryLog();
        assertThatThrownBy(() -> RaftCore.create(4, List.of(1L, 2L, 3L), c, empty, HardState.INITIAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4");
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 1L, 2L), c, empty, HardState.INITIAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicates");
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 2L), c, empty, new HardState(3, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9");
        InMemoryLog termFive = InMemoryLog.of(List.of(entry(1, 5)));
        assertThatThrownBy(() -> RaftCore.create(1, List.of(1L, 2L), c, termFive, new HardState(4, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term 5")
                .hasMessageContaining("4");
    }
}
