package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The swarm really exercises snapshots: over a few seeds of the {@code crashes} profile (snapshots every 30 entries
 * in 64-byte chunks, crashes aimed at snapshot moments), nodes take and install snapshots, chunks flow, and crashes
 * land right after TakeSnapshot, WriteSnapshotChunk and SnapshotSaved, with every invariant holding.
 */
class SnapshotSwarmTest {

    @Test
    void crashSeedsTakeInstallAndCrashAroundSnapshots() {
        long taken = 0;
        long installed = 0;
        long chunks = 0;
        long crashes = 0;
        for (long seed = 1; seed <= 24; seed++) {
            int nodes = seed % 2 == 0 ? 3 : 5;
            SwarmRun.Result r = SwarmRun.run(seed, 300, nodes, "crashes");
            assertThat(r.passed()).as("seed %d, replay: %s%n%s", seed,
                    SimMain.replayCommand(seed, 300, nodes, "crashes"),
                    r.violation() == null ? "" : r.violation().getMessage()).isTrue();
            taken += r.snapshots().takenDurable;
            installed += r.snapshots().installed;
            chunks += r.snapshots().chunksSent;
            crashes += r.snapshots().crashesInjected;
        }
        assertThat(taken).as("snapshots taken and durable").isGreaterThan(24);
        assertThat(installed).as("snapshots installed from a leader").isPositive();
        assertThat(chunks).as("chunks sent").isGreaterThan(installed);
        assertThat(crashes).as("crashes at snapshot moments").isPositive();
    }
}
