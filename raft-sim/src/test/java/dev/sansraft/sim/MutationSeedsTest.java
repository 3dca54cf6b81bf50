package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A small, fixed set of swarm seeds that the {@code -Pmutation} profile runs against every mutant of the core it
 * covers, next to raft-core's own tests: a mix of the {@code swarm}, {@code crashes} and {@code partitions} profiles
 * on three and five real nodes, 300 ticks each, chosen to be fast while reaching elections, pipelined replication,
 * snapshots, reads, pauses and restarts. Each seed checks every safety and client invariant after every event,
 * liveness at the end, and linearizability of the clients' history; the normal build runs them too.
 */
class MutationSeedsTest {

    @ParameterizedTest(name = "seed {0} on {1} nodes, profile {2}")
    @CsvSource({
        "1, 3, swarm", "2, 5, swarm", "3, 3, swarm", "4, 3, swarm", "5, 5, swarm", "6, 3, swarm", "7, 5, swarm",
        "8, 3, swarm", "9, 3, swarm", "10, 5, swarm", "11, 3, swarm", "12, 5, swarm",
        "1, 3, crashes", "2, 5, crashes", "3, 3, crashes", "4, 5, crashes",
        "1, 5, partitions", "2, 3, partitions", "3, 5, partitions", "4, 3, partitions"})
    void seedKeepsEveryInvariant(long seed, int nodes, String profile) {
        SwarmRun.Result r = SwarmRun.run(seed, 300, nodes, profile);
        assertThat(r.passed()).as("seed %d, %s%nreplay: %s%n%s", seed, r.profile(),
                SimMain.replayCommand(seed, 300, nodes, profile),
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
    }
}
