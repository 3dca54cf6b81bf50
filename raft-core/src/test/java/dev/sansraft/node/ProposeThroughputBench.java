package dev.sansraft.node;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end throughput of a 3-node in-memory cluster: closed-loop clients, each with one request in flight, proposing
 * fixed-size commands to the leader (or querying it with a given consistency). Measures the runtime and the core, not
 * disks or sockets.
 *
 * <p>Run: {@code mvn -o -q -pl raft-core test-compile && java -cp raft-core/target/classes:raft-core/target/test-classes:$HOME/.m2/repository/org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar dev.sansraft.node.ProposeThroughputBench [clients=256] [seconds=10] [valueBytes=100] [tickMillis=100] [propose|linearizable|lease|stale]}
 */
public final class ProposeThroughputBench {

    private static final AtomicLong failures = new AtomicLong();

    private ProposeThroughputBench() {
    }

    /** A state machine that does no work, so that the figure is the runtime's. */
    private static final class NullStateMachine implements StateMachine {
        private static final byte[] EMPTY = new byte[0];

        @Override
        public byte[] apply(LogEntry entry) {
            return EMPTY;
        }

        @Override
        public byte[] query(byte[] request) {
            return EMPTY;
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int tickMillis = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        String op = args.length > 4 ? args[4] : "propose";
        ReadConsistency reads = op.equals("propose") ? null : ReadConsistency.valueOf(op.toUpperCase(Locale.ROOT));
        List<Long> ids = List.of(1L, 2L, 3L);
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        List<RaftNode> nodes = new ArrayList<>();
        try (InMemoryNetwork network = InMemoryNetwork.create()) {
            for (long id : ids) {
                RaftNode node = RaftNode.builder().id(id).members(ids).config(RaftConfig.defaults())
                        .logStore(new InMemoryLogStore()).transport(network.transport(id))
                        .stateMachine(new NullStateMachine()).tickInterval(Duration.ofMillis(tickMillis))
                        .scheduler(ticks).build();
                long t0 = System.nanoTime();
                node.addLeaderChangeListener((leader, term) -> System.err.printf(
                        "%6d ms: node %d sees leader %d in term %d%n", (System.nanoTime() - t0) / 1_000_000, id,
                        leader, term));
                node.start();
                nodes.add(node);
            }
            RaftNode leader = awaitLeader(nodes);
            byte[] value = new byte[valueBytes];
            run(leader, clients, 2, value, null, reads); // warm-up
            long[] latencies = new long[1 << 22];
            long n = run(leader, clients, seconds, value, latencies, reads);
            long[] sorted = Arrays.copyOf(latencies, (int) Math.min(n, latencies.length));
            Arrays.sort(sorted);
            System.out.printf("3-node in-memory cluster: op=%s clients=%d value=%dB duration=%ds -> %.0f ops/s,"
                            + " p50=%.2fms p99=%.2fms (failed=%d, leader syncs=%.0f, batches=%.0f)%n",
                    op, clients, valueBytes, seconds, n / (double) seconds, pct(sorted, 0.50), pct(sorted, 0.99),
                    failures.get(), leader.metrics().get("sansraft_storage_syncs_total"),
                    leader.metrics().get("sansraft_event_loop_batches_total"));
        } finally {
            nodes.forEach(RaftNode::close);
            ticks.shutdownNow();
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * p)] / 1e6;
    }

    /** Runs closed-loop clients for {@code seconds}; returns how many requests completed. */
    private static long run(RaftNode leader, int clients, int seconds, byte[] value, long[] latencies,
                            ReadConsistency reads) {
        AtomicLong done = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong outstanding = new AtomicLong(clients);
        for (int c = 0; c < clients; c++) {
            next(leader, value, reads, done, running, outstanding, latencies);
        }
        LockSupport.parkNanos(Duration.ofSeconds(seconds).toNanos());
        running.set(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        return done.get();
    }

    private static void next(RaftNode leader, byte[] value, ReadConsistency reads, AtomicLong done,
                             AtomicBoolean running, AtomicLong outstanding, long[] latencies) {
        long start = System.nanoTime();
        CompletableFuture<byte[]> f = reads == null ? leader.propose(value.clone()) : leader.query(value, reads);
        f.whenComplete((r, t) -> {
            if (t != null && failures.getAndIncrement() < 5) {
                System.err.println("request failed: " + t);
            }
            if (running.get()) {
                long i = done.getAndIncrement();
                if (latencies != null && i < latencies.length) {
                    latencies[(int) i] = System.nanoTime() - start;
                }
                next(leader, value, reads, done, running, outstanding, latencies);
            } else {
                outstanding.decrementAndGet();
            }
        });
    }

    private static RaftNode awaitLeader(List<RaftNode> nodes) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (RaftNode n : nodes) {
                if (n.status().isLeader()) {
                    return n;
                }
            }
            LockSupport.parkNanos(1_000_000);
        }
        throw new IllegalStateException("no leader within 20 s");
    }
}
