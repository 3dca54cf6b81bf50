package dev.sansraft.core;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftConfigTest {

    @Test
    void defaultsAreValidAndDocumented() {
        RaftConfig c = RaftConfig.defaults();
        assertThat(c.electionTimeoutTicks()).isEqualTo(10);
        assertThat(c.heartbeatIntervalTicks()).isEqualTo(1);
        assertThat(c.preVote()).as("PreVote on by default").isTrue();
        assertThat(c.checkQuorum()).as("CheckQuorum on by default").isTrue();
        assertThat(c.maxInflightAppends()).isEqualTo(64);
        assertThat(c.maxEntriesPerAppend()).isEqualTo(4096);
        assertThat(c.maxBytesPerAppend()).isEqualTo(1L << 20);
        assertThat(c.maxUncommittedBytes()).isEqualTo(64L << 20);
        assertThat(c.leaseClockDriftTicks()).isEqualTo(2);
    }

    @Test
    void toBuilderRoundTrips() {
        RaftConfig c = RaftConfig.builder().electionTimeoutTicks(20).heartbeatIntervalTicks(3).preVote(false)
                .checkQuorum(false).maxInflightAppends(5).maxEntriesPerAppend(6).maxBytesPerAppend(7)
                .maxUncommittedBytes(8).randomSeed(9).leaseClockDriftTicks(4).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                Arguments.of("electionTimeoutTicks", "1", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.electionTimeoutTicks(1)),
                Arguments.of("heartbeatIntervalTicks", "0", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.heartbeatIntervalTicks(0)),
                Arguments.of("heartbeatIntervalTicks", "10", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.heartbeatIntervalTicks(10)),
                Arguments.of("maxInflightAppends", "0", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.maxInflightAppends(0)),
                Arguments.of("maxEntriesPerAppend", "-1", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.maxEntriesPerAppend(-1)),
                Arguments.of("maxBytesPerAppend", "0", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.maxBytesPerAppend(0)),
                Arguments.of("maxUncommittedBytes", "0", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.maxUncommittedBytes(0)),
                Arguments.of("leaseClockDriftTicks", "0", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.leaseClockDriftTicks(0)),
                Arguments.of("leaseClockDriftTicks", "10", (UnaryOperator<RaftConfig.Builder>) b ->
                        b.leaseClockDriftTicks(10)));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("invalidFields")
    void eachInvalidFieldIsNamedWithItsValue(String field, String value, UnaryOperator<RaftConfig.Builder> change) {
        assertThatThrownBy(() -> change.apply(RaftConfig.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("RaftConfig." + field + " ")
                .hasMessageEndingWith("got " + value);
    }

    @Test
    void heartbeatRuleNamesTheElectionTimeout() {
        assertThatThrownBy(() -> RaftConfig.builder().electionTimeoutTicks(5).heartbeatIntervalTicks(5).build())
                .hasMessage("RaftConfig.heartbeatIntervalTicks must be below electionTimeoutTicks (5), got 5");
    }

    static long[] seeds() {
        long[] seeds = new long[50];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 77 + i;
        }
        return seeds;
    }

    /** Small values around every boundary, so that both valid and invalid configs come up often. */
    private static int around(SplittableRandom r, int boundary) {
        return boundary - 2 + r.nextInt(5);
    }

    /** The rules, written out again independently of RaftConfig: the first broken one, or null when valid. */
    private static String firstInvalidField(int election, int heartbeat, int inflight, int entries, long bytes,
                                            long uncommitted, int drift) {
        if (election < 2) {
            return "electionTimeoutTicks";
        }
        if (heartbeat < 1 || heartbeat >= election) {
            return "heartbeatIntervalTicks";
        }
        if (inflight < 1) {
            return "maxInflightAppends";
        }
        if (entries < 1) {
            return "maxEntriesPerAppend";
        }
        if (bytes < 1) {
            return "maxBytesPerAppend";
        }
        if (uncommitted < 1) {
            return "maxUncommittedBytes";
        }
        if (drift < 1 || drift >= election) {
            return "leaseClockDriftTicks";
        }
        return null;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomConfigsAreAcceptedExactlyWhenEveryRuleHolds(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int round = 0; round < 100; round++) {
            int election = around(r, 3);
            int heartbeat = r.nextBoolean() ? around(r, 1) : around(r, election);
            int inflight = around(r, 1);
            int entries = r.nextInt(10) == 0 ? around(r, 1) : 1 + r.nextInt(5000);
            long bytes = r.nextInt(10) == 0 ? around(r, 1) : 1 + r.nextLong(1L << 30);
            long uncommitted = r.nextInt(10) == 0 ? around(r, 1) : 1 + r.nextLong(1L << 40);
            int drift = r.nextBoolean() ? around(r, 1) : around(r, election);
            long seedValue = r.nextLong();
            RaftConfig.Builder b = RaftConfig.builder().electionTimeoutTicks(election)
                    .heartbeatIntervalTicks(heartbeat).maxInflightAppends(inflight).maxEntriesPerAppend(entries)
                    .maxBytesPerAppend(bytes).maxUncommittedBytes(uncommitted).leaseClockDriftTicks(drift)
                    .randomSeed(seedValue).preVote(r.nextBoolean()).checkQuorum(r.nextBoolean());
            String expected = firstInvalidField(election, heartbeat, inflight, entries, bytes, uncommitted, drift);
            String description = String.format("seed %d round %d: election=%d heartbeat=%d inflight=%d entries=%d"
                    + " bytes=%d uncommitted=%d drift=%d", seed, round, election, heartbeat, inflight, entries,
                    bytes, uncommitted, drift);
            if (expected == null) {
                RaftConfig c = b.build();
                assertThat(c.electionTimeoutTicks()).as(description).isEqualTo(election);
                assertThat(c.randomSeed()).as(description).isEqualTo(seedValue);
            } else {
                assertThatThrownBy(b::build).as(description).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("RaftConfig." + expected + " ");
            }
        }
    }
}
