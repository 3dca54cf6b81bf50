package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A run of real nodes is a pure function of its seed: the same seed twice gives the same event trace. */
class DeterminismTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 77})
    void sameSeedGivesTheSameTrace(long seed) {
        SwarmRun.Result a = SwarmRun.run(seed, 200, 5, "swarm");
        SwarmRun.Result b = SwarmRun.run(seed, 200, 5, "swarm");
        assertThat(a.passed()).as("seed %d: %s", seed, a.violation()).isTrue();
        assertThat(b.traceHash()).as("trace hash of seed %d", seed).isEqualTo(a.traceHash());
        assertThat(b.events()).as("events of seed %d", seed).isEqualTo(a.events());
        assertThat(b.operations()).as("client operations of seed %d", seed).isEqualTo(a.operations());
        assertThat(b.snapshotsTaken()).as("snapshots of seed %d", seed).isEqualTo(a.snapshotsTaken());
        SwarmRun.Result other = SwarmRun.run(seed + 1000, 200, 5, "swarm");
        assertThat(other.traceHash()).as("trace hash of seed %d vs %d", seed + 1000, seed)
                .isNotEqualTo(a.traceHash());
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 8})
    void crashesAroundSnapshotsAreDeterministicToo(long seed) {
        SwarmRun.Result a = SwarmRun.run(seed, 200, 5, "crashes");
        SwarmRun.Result b = SwarmRun.run(seed, 200, 5, "crashes");
        assertThat(a.passed()).as("seed %d: %s", seed, a.violation()).isTrue();
        assertThat(b.traceHash()).as("trace hash of seed %d", seed).isEqualTo(a.traceHash());
        assertThat(b.snapshotCrashes()).isEqualTo(a.snapshotCrashes());
        assertThat(b.crashes()).isEqualTo(a.crashes());
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6})
    void scenarioHarnessIsDeterministicToo(long seed) {
        long[] hashes = new long[2];
        for (int k = 0; k < 2; k++) {
            SimCluster c = SimCluster.create(3, seed);
            long leader = c.checkOneLeader();
            c.one(new byte[] {1}, 3, false);
            c.crash(leader);
            c.one(new byte[] {2}, 2, true);
            c.restart(leader);
            c.one(new byte[] {3}, 3, true);
            hashes[k] = c.sim().traceHash();
        }
        assertThat(hashes[1]).isEqualTo(hashes[0]);
    }
}
