package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link InMemoryLog} as the reference {@link LogView} an embedder may use: reads outside the held range fail with
 * the range in the message (not an {@link IndexOutOfBoundsException} from inside), empty ranges at either end are
 * fine, and compacting to the entry before the first is the documented no-op.
 */
class InMemoryLogContractTest {

    @Test
    @DisplayName("entry and term outside [firstIndex, lastIndex] fail naming the log's range")
    void readsOutsideTheLogNameItsRange() {
        InMemoryLog log = InMemoryLog.of(logOfTerms(1, 1, 2, 3));
        log.compactPrefix(1);
        assertThat(log.term(1)).as("the term before the first entry is kept").isEqualTo(1);
        assertThat(log.entry(2).term()).isEqualTo(1);
        for (long outside : new long[] {1, 5, 9}) {
            assertThatThrownBy(() -> log.entry(outside)).as("entry(%d)", outside)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index " + outside)
                    .hasMessageContaining("[2, 4]");
        }
        for (long outside : new long[] {0, 5, 9}) {
            assertThatThrownBy(() -> log.term(outside)).as("term(%d)", outside)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index " + outside)
                    .hasMessageContaining("[2, 4]");
        }
    }

    @Test
    @DisplayName("an empty range anywhere in [firstIndex, lastIndex + 1] is empty; a reversed one is refused")
    void emptyAndReversedRanges() {
        InMemoryLog log = InMemoryLog.of(logOfTerms(1, 1, 2));
        for (long at = 1; at <= 4; at++) {
            assertThat(log.entries(at, at, Long.MAX_VALUE)).as("[%d, %d)", at, at).isEmpty();
        }
        assertThat(log.entries(1, 4, Long.MAX_VALUE)).hasSize(3);
        assertThatThrownBy(() -> log.entries(3, 2, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("range [3, 2) is outside the log [1, 4)");
        assertThatThrownBy(() -> log.entries(2, 5, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 5)");
    }

    @Test
    @DisplayName("compacting to the entry before the first is a no-op; below it is refused")
    void compactingToTheEntryBeforeTheFirstIsANoOp() {
        InMemoryLog log = InMemoryLog.of(logOfTerms(1, 2, 2, 3));
        log.compactPrefix(0);
        assertThat(log.firstIndex()).isEqualTo(1);
        log.compactPrefix(2);
        log.compactPrefix(2);
        assertThat(log.firstIndex()).isEqualTo(3);
        assertThat(log.term(2)).isEqualTo(2);
        assertThat(log.snapshotEntries()).extracting(LogEntry::index).containsExactly(3L, 4L);
        assertThatThrownBy(() -> log.compactPrefix(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot compact up to 1").hasMessageContaining("[3, 4]");
        assertThatThrownBy(() -> log.compactPrefix(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot compact up to 5");
        assertThat(log.entries(3, 5, Long.MAX_VALUE)).extracting(LogEntry::term).isEqualTo(List.of(2L, 3L));
    }
}
