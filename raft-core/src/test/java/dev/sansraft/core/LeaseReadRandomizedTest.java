package dev.sansraft.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Lease reads under random message loss, delay, reordering, slow disks, partitions and crash-restarts, with every
 * node's clock ticking at the same rate (the lease's assumption: no drift). A read served at index i must cover
 * everything committed anywhere before the read was asked.
 */
class LeaseReadRandomizedTest {

    static long[] seeds() {
        // -Dsansraft.seeds=N runs a longer soak; the default keeps the suite fast.
        long[] seeds = new long[Integer.getInteger("sansraft.seeds", 30)];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 9100 + i;
        }
        return seeds;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void leaseReadsAreLinearizableWhenClocksAgree(long seed) {
        run(seed);
    }

    @Test
    void theRandomRunsDoServeReadsFromTheLease() {
        int fromLease = 0;
        for (long seed : seeds()) {
            fromLease += run(seed);
        }
        assertThat(fromLease).as("lease reads served at once over all seeds").isGreaterThan(10);
    }

    /** Returns how many reads were served at once from the lease. */
    private static int run(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int size = r.nextBoolean() ? 3 : 5;
        RaftConfig config = RaftConfig.builder().electionTimeoutTicks(6 + r.nextInt(5)).preVote(r.nextBoolean())
                .randomSeed(seed).build();
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1;
        }
        TestCluster c = TestCluster.of(config, ids);
        Map<Long, Long> mustSee = new HashMap<>();
        Map<Long, Integer> scanned = new HashMap<>();
        long nextId = 1;
        int served = 0;
        int servedFromLease = 0;
        String context = "seed " + seed + " config " + config;
        try {
            for (int step = 0; step < 2000; step++) {
                long node = ids[r.nextInt(size)];
                int dice = r.nextInt(100);
                if (dice < 50) {
                    if (!c.inFlight.isEmpty()) {
                        c.deliver(c.inFlight.remove(r.nextInt(Math.min(3, c.inFlight.size()))));
                    }
                } else if (dice < 53) {
                    if (!c.inFlight.isEmpty()) {
                        c.inFlight.remove(r.nextInt(c.inFlight.size()));
                    }
                } else if (dice < 63) {
                    for (long id : ids) {
                        c.step(id, Event.Tick.INSTANCE);
                    }
                } else if (dice < 75) {
                    long target = c.leader() != 0 ? c.leader() : node;
                    c.step(target, new Event.Propose(nextId++, new byte[] {1}));
                } else if (dice < 90) {
                    long target = r.nextInt(4) != 0 && c.leader() != 0 ? c.leader() : node;
                    long readId = nextId++;
                    long committed = 0;
                    for (TestCluster.Node n : c.nodes.values()) {
                        committed = Math.max(committed, n.core.commitIndex());
                    }
                    mustSee.put(readId, committed);
                    if (c.step(target, new Event.ReadIndex(readId, true)).stream()
                            .anyMatch(a -> a instanceof Action.ReadReady)) {
                        servedFromLease++;
                    }
                } else if (dice < 95) {
                    if (c.node(node).diskPaused) {
                        c.resumeDisk(node);
                    } else {
                        c.pauseDisk(node);
                    }
                } else if (dice < 97) {
                    // A crash and an immediate restart: the restarted node must not vote inside a lease it acked.
                    c.restart(node);
                } else {
                    if (c.isolated.contains(node)) {
                        c.heal(node);
                    } else if (c.isolated.size() < size / 2 + 1) {
                        c.isolate(node);
                    }
                }
                for (TestCluster.Node n : c.nodes.values()) {
                    List<Action> actions = n.actions;
                    for (int i = scanned.getOrDefault(n.id, 0); i < actions.size(); i++) {
                        if (actions.get(i) instanceof Action.ReadReady) {
                            Action.ReadReady rr = (Action.ReadReady) actions.get(i);
                            long need = mustSee.getOrDefault(rr.readId(), 0L);
                            assertThat(rr.readIndex()).as(context + " step " + step + ": read " + rr.readId()
                                    + " on node " + n.id).isGreaterThanOrEqualTo(need);
                            served++;
                        }
                    }
                    scanned.put(n.id, actions.size());
                }
            }
        } catch (IllegalStateException e) {
            fail(context + ": " + e.getMessage(), e);
        }
        assertThat(servedFromLease).as(context + ": lease reads are reads").isLessThanOrEqualTo(served);
        return servedFromLease;
    }
}
