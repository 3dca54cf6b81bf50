package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RaftLog}'s contract at the edges of compaction and commitment: a read that starts at the compaction point
 * fails with the reason (the entry is gone, only its term is kept), an empty read is empty wherever it starts, and
 * a snapshot reset (Raft §7 rule 7) never lands on what is already committed.
 */
class RaftLogBoundaryTest {

    private final InMemoryLog storage = InMemoryLog.of(logOfTerms(1, 1, 2, 2, 2));
    private final RaftLog log = new RaftLog(storage);

    /** Commits and applies all five entries, then compacts through {@code index} as a durable snapshot allows. */
    private void compactThrough(long index) {
        log.commitTo(5);
        assertThat(log.takeCommitted(Long.MAX_VALUE)).hasSize(5);
        log.compactTo(index);
        storage.compactPrefix(index);
    }

    @Test
    @DisplayName("a read from the compaction point fails naming it; the entry after it is readable")
    void aReadFromTheCompactionPointFailsWithTheReason() {
        compactThrough(3);
        assertThat(log.term(3)).as("the compaction point's term is kept").isEqualTo(2);
        assertThatThrownBy(() -> log.entries(3, 6, 10, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entries asked from 3, compacted away (log starts after 3)");
        assertThat(log.entries(4, 6, 10, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("an empty read is empty wherever it starts, even at or below the compaction point")
    void anEmptyReadIsEmptyEverywhere() {
        compactThrough(3);
        for (long from = 1; from <= 6; from++) {
            assertThat(log.entries(from, from, 10, Long.MAX_VALUE)).as("[%d, %d)", from, from).isEmpty();
            assertThat(log.entries(from, 6, 0, Long.MAX_VALUE)).as("no more than 0 entries from %d", from).isEmpty();
        }
    }

    @Test
    @DisplayName("Raft §7: a snapshot reset at the commit index is refused; one past it resets the log there")
    void aResetNeverLandsOnTheCommitIndex() {
        log.commitTo(4);
        assertThatThrownBy(() -> log.resetTo(4, 2, 3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reset to 4 at or below the commit index 4");
        assertThatThrownBy(() -> log.resetTo(2, 1, 3)).isInstanceOf(IllegalStateException.class);
        log.resetTo(9, 3, 3);
        assertThat(log.commitIndex()).isEqualTo(9);
        assertThat(log.lastIndex()).isEqualTo(9);
        assertThat(log.term(9)).isEqualTo(3);
        assertThat(log.firstIndex()).isEqualTo(10);
    }
}
