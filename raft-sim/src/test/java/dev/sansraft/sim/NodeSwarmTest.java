package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The build's swarm on the real node runtime: seeds of the {@code swarm} profile run real {@code RaftNode}s under
 * {@link NodeSim}, with crashes, restarts, pauses and snapshots, client invariants checked on the futures and the
 * history checked for linearizability. Long soaks run from the command line ({@code SimMain --runtime}).
 */
class NodeSwarmTest {

    static final int SEEDS = Integer.getInteger("sansraft.nodeSwarmSeeds", 30);
    static final long TICKS = 300;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, SEEDS);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void realNodesKeepEveryInvariant(long seed) {
        int nodes = SwarmTest.nodesFor(seed);
        NodeSwarmRun.Result r = NodeSwarmRun.run(seed, TICKS, nodes, "swarm");
        assertThat(r.passed()).as("seed %d, %s%nreplay: %s%n%s", seed, r.profile(),
                SimMain.replayCommand(seed, TICKS, nodes, "swarm") + " --runtime",
                r.violation() == null ? "" : r.violation().getMessage()).isTrue();
        assertThat(r.operations()).as("operations of seed %d", seed).isPositive();
    }
}
