package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The swarm really exercises snapshots: over a few seeds of the {@code crashes} profile (snapshots every 30 entries
 * in 64-byte chunks, crashes aimed at snapshot moments), real nodes take and install snapshots, and crashes land right
 * after a snapshot write begins, while a chunk is written and right after a snapshot is committed, with every
 * invariant holding.
 */
class SnapshotSwarmTest {

    @Test
    void crashSeedsTakeInstallAndCrashAroundSnapshots() {
        long taken = 0;
        long installed = 0;
        long crashes = 0;
        for (long seed = 1; seed <= 24; seed++) {
            int nodes = seed % 2 == 0 ? 3 : 5;
            SwarmRun.Result r = SwarmRun.run(seed, 300, nodes, "crashes");
            assertThat(r.passed()).as("seed %d, replay: %s%n%s", seed,
                    SimMain.replayCommand(seed, 300, nodes, "crashes"),
                    r.violation() == null ? "" : r.violation().getMessage()).isTrue();
            taken += r.snapshotsTaken();
            installed += r.snapshotsInstalled();
            crashes += r.snapshotCrashes();
        }
        assertThat(taken).as("snapshots taken (final incarnations)").isGreaterThan(24);
        assertThat(installed).as("snapshots installed from a leader (final incarnations)").isPositive();
        assertThat(crashes).as("crashes at snapshot moments").isPositive();
    }
}
