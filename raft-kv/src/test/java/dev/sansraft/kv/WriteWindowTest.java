package dev.sansraft.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteWindowTest {

    @Test
    void tagsCarryTheLowestPendingSequence() {
        WriteWindow w = new WriteWindow(10);
        SessionTag first = w.open(5);
        SessionTag second = w.open(5);
        assertThat(first).isEqualTo(new SessionTag(5, 1, 1));
        assertThat(second).isEqualTo(new SessionTag(5, 2, 1));
        w.close(1);
        assertThat(w.open(5)).isEqualTo(new SessionTag(5, 3, 2));
        w.close(2);
        w.close(3);
        assertThat(w.open(5)).as("nothing pending: only this one").isEqualTo(new SessionTag(5, 4, 4));
    }

    @Test
    void closingASequenceThatIsNotPendingIsAnInvariantViolation() {
        WriteWindow w = new WriteWindow(4);
        w.open(5);
        w.close(1);
        assertThatThrownBy(() -> w.close(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sequence 1 is not pending (pending range [2, 2))");
        assertThatThrownBy(() -> w.close(7)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void sequenceNeverRunsMoreThanTheWindowAheadOfTheLowestPending(long seed) {
        Random random = new Random(seed);
        WriteWindow w = new WriteWindow(8);
        List<Long> pending = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            if (pending.isEmpty() || random.nextBoolean()) {
                SessionTag tag = w.open(1);
                if (tag == null) {
                    assertThat(pending).as("seed %d: refused only when full", seed).isNotEmpty();
                    continue;
                }
                assertThat(tag.sequence() - tag.lowestUnacked()).as("seed %d", seed).isLessThan(8);
                pending.add(tag.sequence());
            } else {
                w.close(pending.remove(random.nextInt(pending.size())));
            }
        }
        assertThat(w.pendingCount()).isEqualTo(pending.size());
    }

    @Test
    void retryBackoffDoublesWithJitterUpToTheCap() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(10), Duration.ofMillis(35));
        for (int i = 0; i < 100; i++) {
            assertThat(p.backoffNanos(1)).isBetween(5_000_000L, 10_000_000L);
            assertThat(p.backoffNanos(2)).isBetween(10_000_000L, 20_000_000L);
            assertThat(p.backoffNanos(5)).isBetween(17_500_000L, 35_000_000L);
        }
    }
}
