package dev.sansraft.node;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryLogStoreTest {

    private static LogEntry e(long index, long term) {
        return LogEntry.normal(index, term, new byte[] {(byte) index});
    }

    @Test
    void appendTruncateAndReadBack() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(e(1, 1), e(2, 1), e(3, 2)));
        store.truncateSuffix(3);
        store.append(List.of(e(3, 3)));

        assertThat(store.lastIndex()).isEqualTo(3);
        assertThat(store.term(3)).isEqualTo(3);
        assertThat(store.term(0)).isZero();
        assertThat(store.entries(1, 4, Long.MAX_VALUE)).containsExactly(e(1, 1), e(2, 1), e(3, 3));
    }

    @Test
    void aGapIsRefusedAndLeavesTheStoreUnchanged() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(e(1, 1)));

        assertThatThrownBy(() -> store.append(List.of(e(3, 1)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected index 2");
        assertThat(store.lastIndex()).isEqualTo(1);
    }

    @Test
    void contentsSurviveCloseSoANewNodeCanReopenThem() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(e(1, 4)));
        store.saveHardState(new HardState(4, 2));
        store.sync();

        store.close();

        assertThat(store.loadHardState()).isEqualTo(new HardState(4, 2));
        assertThat(store.entry(1)).isEqualTo(e(1, 4));
        assertThat(store.syncCount()).isEqualTo(1);
    }
}
