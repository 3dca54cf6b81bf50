package dev.sansraft.node;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes through random leader isolations: every acknowledged write survives, nothing is applied twice, and every
 * node applies the same sequence (Raft's State Machine Safety, §5.4.3).
 */
class RaftNodePartitionTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23})
    void acknowledgedWritesSurviveRandomIsolationsAndEveryNodeAppliesTheSameLog(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        try (TestCluster c = new TestCluster(3, seed, Duration.ofSeconds(3)).startAll()) {
            int next = 0;
            for (int phase = 0; phase < 4; phase++) {
                RaftNode leader = c.awaitLeader();
                for (int i = 0; i < 200; i++) {
                    String value = "s" + seed + "-" + next++;
                    CompletableFuture<byte[]> f = leader.propose(bytes(value));
                    f.thenRun(() -> acknowledged.add(value));
                    all.add(f);
                }
                // Cut off a random node (often the leader) while those writes are in flight, then heal.
                long victim = c.ids.get(random.nextInt(c.ids.size()));
                c.network.disconnect(victim);
                LockSupport.parkNanos(Duration.ofMillis(100 + random.nextInt(400)).toNanos());
                if (victim != leader.id()) {
                    c.network.connect(victim);
                } else {
                    // Let the others elect someone else while the old leader is cut off.
                    RaftNode old = c.nodes.remove(victim);
                    c.awaitLeader();
                    c.nodes.put(victim, old);
                    c.network.connect(victim);
                }
            }
            RaftNode leader = c.awaitLeader();
            for (CompletableFuture<byte[]> f : all) {
                Poll.until("every write resolves (seed " + seed + ")", Duration.ofSeconds(20), f::isDone);
            }
            leader.propose(bytes("final")).join();
            Poll.until("every node applies the final write (seed " + seed + ")", Duration.ofSeconds(20),
                    () -> c.ids.stream().allMatch(id -> c.machines.get(id).applied.contains("final")));

            List<String> reference = new ArrayList<>(c.machines.get(leader.id()).applied);
            for (long id : c.ids) {
                List<String> applied = new ArrayList<>(c.machines.get(id).applied);
                assertThat(applied).as("node %d applies the leader's sequence, seed %d", id, seed)
                        .isEqualTo(reference);
            }
            assertThat(new HashSet<>(reference)).as("nothing applied twice, seed %d", seed).hasSize(reference.size());
            assertThat(reference).as("every acknowledged write is applied, seed %d", seed)
                    .containsAll(acknowledged);
            assertThat(acknowledged).as("the cluster made progress, seed %d", seed).isNotEmpty();
        }
    }
}
