package dev.sansraft.core;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuorumMathTest {

    static long[] seeds() {
        long[] seeds = new long[50];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 1000 + i;
        }
        return seeds;
    }

    @Test
    void majorityIsMoreThanHalf() {
        assertThat(QuorumMath.majority(1)).isEqualTo(1);
        assertThat(QuorumMath.majority(2)).isEqualTo(2);
        assertThat(QuorumMath.majority(3)).isEqualTo(2);
        assertThat(QuorumMath.majority(4)).isEqualTo(3);
        assertThat(QuorumMath.majority(5)).isEqualTo(3);
        assertThat(QuorumMath.majority(7)).isEqualTo(4);
    }

    @Test
    void majorityOfNoVotersIsAnError() {
        assertThatThrownBy(() -> QuorumMath.majority(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }

    @Test
    void quorumValueIsTheMedianOfFiveMatchIndexes() {
        long[] match = {7, 3, 9, 3, 5};
        assertThat(QuorumMath.quorumValue(match, new long[5])).as("3 of 5 have reached 5").isEqualTo(5);
        assertThat(match).as("input untouched").containsExactly(7, 3, 9, 3, 5);
    }

    @Test
    void quorumValueWithAnEvenClusterNeedsMoreThanHalf() {
        assertThat(QuorumMath.quorumValue(new long[] {10, 10, 2, 1}, new long[4])).as("3 of 4 at >= 2").isEqualTo(2);
    }

    @Test
    void scratchOfTheWrongLengthIsRejected() {
        assertThatThrownBy(() -> QuorumMath.quorumValue(new long[3], new long[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2").hasMessageContaining("3");
    }

    /** The commit index by definition: the largest value that at least a majority of the values reach. */
    private static long bruteForce(long[] values) {
        long best = 0;
        for (long candidate : values) {
            int reached = 0;
            for (long v : values) {
                if (v >= candidate) {
                    reached++;
                }
            }
            if (reached >= values.length / 2 + 1 && candidate > best) {
                best = candidate;
            }
        }
        return best;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void quorumValueAgreesWithBruteForce(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(9);
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                values[i] = random.nextInt(random.nextBoolean() ? 4 : 1000);
            }
            long expected = bruteForce(values);
            assertThat(QuorumMath.quorumValue(values, new long[n]))
                    .as("seed %d round %d values %s", seed, round, java.util.Arrays.toString(values))
                    .isEqualTo(expected);
        }
    }
}
