package dev.sansraft.transport.tcp;

import dev.sansraft.core.RaftConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @ParameterizedTest
    @ValueSource(longs = {10, 11, 12})
    void defaultScheduleStaysWithinAFewHeartbeatsAndBelowTheElectionTimeout(long seed) {
        // The node runtime's defaults: 100 ms tick, heartbeat every tick, election timeout from 10 ticks.
        long heartbeat = Duration.ofMillis(100).toNanos();
        long electionTimeout = 10 * heartbeat;
        long min = TcpTransport.Builder.DEFAULT_RECONNECT_MIN.toNanos();
        long max = TcpTransport.Builder.DEFAULT_RECONNECT_MAX.toNanos();
        assertThat(max).isLessThanOrEqualTo(3 * heartbeat).isLessThan(electionTimeout / 2);
        ReconnectBackoff backoff = new ReconnectBackoff(min, max, new SplittableRandom(seed));
        // However long the partition, the next attempt after it heals is at most one capped delay away.
        for (int failure = 0; failure < 1_000; failure++) {
            assertThat(backoff.nextDelayNanos()).as("failure %d (seed %d)", failure, seed).isBetween(min / 2, max);
        }
    }

    @Test
    void backoffDerivedFromRaftTimingIsCappedByHeartbeatsAndByTheElectionTimeout() {
        Duration tick = Duration.ofMillis(100);
        assertThat(reconnectMaxFor(tick, RaftConfig.builder().build())).isEqualTo(Duration.ofMillis(300).toNanos());
        // Slow heartbeats against a short election timeout: half the election timeout wins.
        RaftConfig slowHeartbeats = RaftConfig.builder().electionTimeoutTicks(4).heartbeatIntervalTicks(3).build();
        assertThat(reconnectMaxFor(tick, slowHeartbeats)).isEqualTo(Duration.ofMillis(200).toNanos());
        assertThatThrownBy(() -> TcpTransport.builder().reconnectBackoffFor(Duration.ZERO, RaftConfig.defaults()))
                .hasMessageContaining("tick interval must be positive");
    }

    private static long reconnectMaxFor(Duration tick, RaftConfig raft) {
        try (TcpTransport t = Loopback.builder(1, Loopback.bind()).reconnectBackoffFor(tick, raft).build()) {
            TransportConfig config = t.config();
            assertThat(config.reconnectMinNanos()).isEqualTo(config.reconnectMaxNanos() / 10);
            return config.reconnectMaxNanos();
        }
    }
}
