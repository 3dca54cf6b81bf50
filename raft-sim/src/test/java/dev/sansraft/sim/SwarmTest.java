package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The build's swarm: 500 seeds of the {@code swarm} profile (each seed draws its own fault mix) on 3, 5 and 7 real
 * {@code RaftNode}s under {@link NodeSim}, with crashes, restarts, pauses, partitions and snapshots, client invariants
 * checked on the futures, each seed followed by the liveness phase and the linearizability check. Long soaks run from
 * the command line with {@link SimMain}; a failing seed here prints the command that replays it. The system property
 * {@code sansraft.swarmSeeds} changes the count.
 */
class SwarmTest {

    static final int SEEDS = Integer.getInteger("sansraft.swarmSeeds", 500);
    static final long TICKS = 300;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, SEEDS);
    }

    static int nodesFor(long seed) {
        int[] sizes = {3, 5, 3, 5, 7};
        return sizes[(int) (seed % sizes.length)];
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void swarmSeedKeepsEveryInvariant(long seed) {
        int nodes = nodesFor(seed);
        SwarmRun.Result r = SwarmRun.run(seed, TICKS, nodes, "swarm");
        assertThat(r.passed()).as("seed %d, %s, %s%nreplay: %s%n%s", seed, r.profile(), r.targeted(),
                SimMain.replayCommand(seed, TICKS, nodes, "swarm"),
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
        assertThat(r.operations()).as("client operations of seed %d", seed).isPositive();
    }
}
