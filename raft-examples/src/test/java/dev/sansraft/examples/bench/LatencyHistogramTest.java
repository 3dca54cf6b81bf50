package dev.sansraft.examples.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyHistogramTest {

    @Test
    void bucketsAreContiguousAndBoundsContainTheirValues() {
        for (long v : new long[]{0, 1, 255, 256, 257, 511, 512, 1000, 123_456_789L, Long.MAX_VALUE / 3}) {
            int i = LatencyHistogram.index(v);
            assertThat(LatencyHistogram.highestInBucket(i)).as("upper bound of bucket of %d", v)
                    .isGreaterThanOrEqualTo(v);
            if (i > 0) {
                assertThat(LatencyHistogram.highestInBucket(i - 1)).as("bound below %d", v).isLessThan(v);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void percentilesMatchSortedValuesWithinOnePercent(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] values = new long[20_000];
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) (Math.exp(random.nextDouble() * 16) * 1000);
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[]{50, 90, 99, 99.9}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat((double) h.percentile(p)).as("seed %d p%s", seed, p)
                    .isCloseTo(exact, within(exact * 0.01 + 1));
        }
        assertThat(h.max()).isEqualTo(values[values.length - 1]);
        assertThat(h.percentile(100)).isEqualTo(values[values.length - 1]);
        assertThat(h.count()).isEqualTo(values.length);
    }

    @Test
    void addMergesCountsAndExtremes() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(10);
        b.record(1_000_000);
        b.record(5);
        a.add(b);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.max()).isEqualTo(1_000_000);
        assertThat(a.min()).isEqualTo(5);
        assertThat(a.percentile(50)).isEqualTo(10);
        assertThat(new LatencyHistogram().percentile(99)).isZero();
    }
}
