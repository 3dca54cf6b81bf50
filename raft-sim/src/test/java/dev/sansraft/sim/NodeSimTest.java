package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.ReadConsistency;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scenarios of real RaftNodes under {@link NodeSim}: pauses, restarts and determinism. */
class NodeSimTest {

    private static SimOptions options() {
        return SimOptions.builder().raftConfig(RaftConfig.builder().checkQuorum(true).build()).jitterMicros(500)
                .build();
    }

    private static long awaitLeader(NodeSim sim) {
        assertThat(sim.runUntil(() -> sim.leader() != 0, 200)).as("a leader, seed %d", sim.seed()).isTrue();
        return sim.leader();
    }

    private static byte[] await(NodeSim sim, CompletableFuture<byte[]> f, String what) {
        assertThat(sim.runUntil(f::isDone, 200)).as("%s completes, seed %d", what, sim.seed()).isTrue();
        return f.join();
    }

    private static CompletableFuture<byte[]> put(NodeSim sim, long nodeId, KvBackend codec, int key, long value,
                                                 long sequence) {
        return sim.node(nodeId).propose(codec.encode(KvModel.Input.put(key, value), 0, sequence));
    }

    /**
     * A leader frozen mid-term (a stopped VM) while the others elect a new leader and overwrite a key; a lease read
     * that reached it during the pause runs once it resumes, with its ticks delivered in any order. The read must see
     * the new value or fail; serving the old value from a lease that ran out during the pause is a stale read.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void aLeaseReadQueuedDuringAPauseNeverServesAStaleValue(long seed) {
        NodeSim sim = NodeSim.create(3, seed, options(), false, 100);
        KvBackend codec = sim.codec();
        long old = awaitLeader(sim);
        await(sim, put(sim, old, codec, 0, 1, 1), "the first write");
        sim.runFor(5);

        sim.pause(old, 60);
        sim.runFor(2);
        CompletableFuture<byte[]> read = sim.node(old).query(KvNodeStateMachine.encodeRead(0), ReadConsistency.LEASE);
        assertThat(sim.runUntil(() -> sim.leader() != 0 && sim.leader() != old, 55))
                .as("another leader while n%d is paused, seed %d", old, seed).isTrue();
        long fresh = sim.leader();
        await(sim, put(sim, fresh, codec, 0, 2, 2), "the overwrite at the new leader");
        assertThat(sim.isPaused(old)).as("the old leader is still paused").isTrue();

        assertThat(sim.runUntil(read::isDone, 200)).as("the read completes, seed %d", seed).isTrue();
        try {
            long value = KvNodeStateMachine.decodeValue(read.join());
            assertThat(value).as("lease read at old leader n%d after its pause, seed %d", old, seed).isEqualTo(2);
        } catch (CompletionException e) {
            assertThat(e.getCause()).as("the read may only fail as not-leader or unknown")
                    .isInstanceOfAny(NotLeaderException.class, java.util.concurrent.TimeoutException.class);
        }
    }

    @Test
    void aRestartedNodeRecoversItsLogAndCatchesUp() {
        NodeSim sim = NodeSim.create(3, 11, options(), true, 100);
        KvBackend codec = sim.codec();
        long leader = awaitLeader(sim);
        for (int i = 1; i <= 20; i++) {
            await(sim, put(sim, leader, codec, i % 3, i, i), "write " + i);
        }
        long follower = leader % 3 + 1;
        sim.restart(follower);
        RaftNode restarted = sim.node(follower);
        assertThat(sim.runUntil(() -> restarted.status().appliedIndex() >= sim.node(leader).status().appliedIndex(),
                200)).as("the restarted follower catches up").isTrue();
    }

    @Test
    void aSeedReplaysExactly() {
        SwarmRun.Result a = SwarmRun.run(5, 200, 5, "swarm");
        SwarmRun.Result b = SwarmRun.run(5, 200, 5, "swarm");
        assertThat(a.passed()).as("%s", a.violation()).isTrue();
        assertThat(b.traceHash()).isEqualTo(a.traceHash());
        assertThat(b.events()).isEqualTo(a.events());
        assertThat(b.operations()).isEqualTo(a.operations());
    }
}
