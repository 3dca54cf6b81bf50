package dev.sansraft.transport.tcp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ReconnectBackoffTest {

    private static final long MIN = 10_000_000L;
    private static final long MAX = 1_000_000_000L;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void delaysDoubleWithinJitterUpToTheMaximum(long seed) {
        ReconnectBackoff backoff = new ReconnectBackoff(MIN, MAX, new SplittableRandom(seed));
        long ceiling = MIN;
        for (int failure = 0; failure < 80; failure++) {
            long delay = backoff.nextDelayNanos();
            assertThat(delay).as("failure %d (seed %d)", failure, seed).isBetween(ceiling / 2, ceiling);
            ceiling = Math.min(MAX, ceiling * 2);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {6, 7})
    void resetStartsAgainFromTheMinimum(long seed) {
        ReconnectBackoff backoff = new ReconnectBackoff(MIN, MAX, new SplittableRandom(seed));
        for (int i = 0; i < 20; i++) {
            backoff.nextDelayNanos();
        }
        backoff.reset();
        assertThat(backoff.nextDelayNanos()).as("seed %d", seed).isBetween(MIN / 2, MIN);
    }

    @ParameterizedTest
    @ValueSource(longs = {8, 9})
    void sameSeedGivesSameDelaysAndJitterSpreadsThem(long seed) {
        ReconnectBackoff a = new ReconnectBackoff(MIN, MAX, new SplittableRandom(seed));
        ReconnectBackoff b = new ReconnectBackoff(MIN, MAX, new SplittableRandom(seed));
        ReconnectBackoff other = new ReconnectBackoff(MIN, MAX, new SplittableRandom(seed + 1000));
        int differing = 0;
        for (int i = 0; i < 20; i++) {
            long delay = a.nextDelayNanos();
            assertThat(b.nextDelayNanos()).as("seed %d step %d", seed, i).isEqualTo(delay);
            if (other.nextDelayNanos() != delay) {
                differing++;
            }
        }
        assertThat(differing).as("jitter separates differently seeded peers (seed %d)", seed).isGreaterThan(10);
    }
}
