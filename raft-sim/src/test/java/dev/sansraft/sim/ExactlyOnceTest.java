package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Client retries through sessions: clients re-send unanswered writes with the same (client, sequence) to real nodes,
 * so the same write lands in the log twice. With raft-kv's sessions the second copy must change nothing; without
 * sessions {@link Invariant#EXACTLY_ONCE} must catch the double apply.
 */
class ExactlyOnceTest {

    static final long TICKS = 300;
    /** Swarm seeds with forced retries: 30, as many as before the move to real nodes. */
    static final int SEEDS = 30;

    @Test
    void sessionsApplyForcedRetriesOnceOverThirtySwarmSeeds() {
        long resends = 0;
        long duplicates = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            int nodes = SwarmTest.nodesFor(seed);
            SwarmRun.Result r = SwarmRun.runWithForcedRetries(seed, TICKS, nodes, "swarm");
            assertThat(r.passed()).as("seed %d, %s%n%s", seed, r.profile(),
                    r.violation() == null ? "" : r.violation().getMessage()).isTrue();
            assertThat(r.raftKv()).as("seed %d runs raft-kv", seed).isTrue();
            resends += r.resends();
            duplicates += r.duplicatesWithoutEffect();
        }
        System.out.printf("forced retries over %d swarm seeds: %d re-sends, %d duplicates applied without effect%n",
                SEEDS, resends, duplicates);
        assertThat(resends).as("write re-sends over %d seeds", SEEDS).isPositive();
        assertThat(duplicates).as("duplicate writes applied without effect over %d seeds", SEEDS).isPositive();
    }

    /**
     * The invariant compares what one incarnation of a node applied, so a duplicate whose copies straddle a crash is
     * left to the linearizability check, which runs after it; within a few seeds one lands in one incarnation.
     */
    @Test
    void exactlyOnceFiresWhenABackendWithoutSessionsGetsRetries() {
        List<String> fired = new ArrayList<>();
        for (long seed = 1; seed <= 30 && fired.isEmpty(); seed++) {
            SwarmRun.Result r = SwarmRun.run(seed, TICKS, SwarmTest.nodesFor(seed), "swarm",
                    SwarmRun.Sabotage.DUPLICATE_WRITES, null);
            assertThat(r.raftKv()).isFalse();
            if (!r.passed() && r.violation().invariant() == Invariant.EXACTLY_ONCE) {
                assertThat(r.violation().getMessage()).contains("again").contains("client")
                        .contains("sequence").contains("index");
                fired.add(r.violation().getMessage());
            }
        }
        assertThat(fired).as("EXACTLY_ONCE fired within 30 seeds").hasSize(1);
    }
}
