package dev.sansraft.examples.bench;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.Role;
import dev.sansraft.node.RaftNode;
import dev.sansraft.node.ReadConsistency;
import dev.sansraft.node.StateMachine;
import dev.sansraft.storage.file.FileLogStore;
import dev.sansraft.storage.file.FileSnapshotStore;
import dev.sansraft.transport.tcp.TcpTransport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One node of {@link EmbeddedBench}'s cluster, run as its own JVM: a {@link RaftNode} with a {@link FileLogStore},
 * a {@link FileSnapshotStore}, a {@link TcpTransport} and a state machine that does nothing, so that the figures are
 * the library's. It takes one-line commands on stdin and answers on stdout:
 * <ul>
 *   <li>{@code role} answers {@code ROLE <leader|follower|...>};</li>
 *   <li>{@code cpu} answers {@code CPU <nanoseconds of CPU this process has used>};</li>
 *   <li>{@code metrics} answers {@code METRICS name=value ...}: the node's counters and, for each latency or size
 *   histogram, its count and sum ({@code name_count}, {@code name_sum}), all cumulative since the node started;</li>
 *   <li>{@code load <writes|reads|lease-reads> <in flight> <warm-up ms> <measured ms> <value bytes>} runs a closed
 *   loop of that many operations in flight against this node, prints {@code MEASURING} when the measured window
 *   opens and {@code RESULT <ops> <window ns> <p50 ns> <p99 ns> <p999 ns> <errors> <CPU ns in the window>} when it
 *   closes;</li>
 *   <li>{@code quit} stops the node and exits.</li>
 * </ul>
 * Log lines go to stderr. Usage: {@code EmbeddedBenchNode <id> <data dir> <cluster id> <port of node 1> <port of node
 * 2> ...}. Not thread-safe: one command at a time.
 */
public final class EmbeddedBenchNode {

    private static final byte[] EMPTY = new byte[0];

    private EmbeddedBenchNode() {
    }

    /** Applies nothing and answers every query with nothing; its snapshots are empty. */
    static final class NothingStateMachine implements StateMachine {
        @Override
        public byte[] apply(LogEntry entry) {
            return EMPTY;
        }

        @Override
        public byte[] query(byte[] request) {
            return EMPTY;
        }

        @Override
        public void writeSnapshot(OutputStream out) {
            // No state: the empty snapshot is the whole state.
        }

        @Override
        public void restoreSnapshot(InputStream in) {
            // No state to restore.
        }
    }

    /**
     * Runs one node of the benchmark cluster until it is killed.
     *
     * @param args the node id, the data directory, the cluster id, then the members
     * @throws Exception if the node fails to start
     */
    public static void main(String[] args) throws Exception {
        long id = Long.parseLong(args[0]);
        Path dir = Path.of(args[1]);
        String clusterId = args[2];
        List<Long> members = new ArrayList<>();
        TcpTransport.Builder transport = TcpTransport.builder().nodeId(id).clusterId(clusterId);
        for (int i = 3; i < args.length; i++) {
            long member = i - 2;
            members.add(member);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i]));
            if (member == id) {
                transport.listen(address);
            } else {
                transport.peer(member, address);
            }
        }
        RaftNode node = RaftNode.builder()
                .id(id)
                .members(members)
                .config(RaftConfig.builder().randomSeed(ThreadLocalRandom.current().nextLong()).build())
                .logStore(FileLogStore.open(dir.resolve("log")))
                .snapshotStore(FileSnapshotStore.open(dir.resolve("snapshots")))
                .transport(transport.build())
                .stateMachine(new NothingStateMachine())
                .build();
        node.start();
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "role" -> out.println("ROLE " + (node.status().role() == Role.LEADER ? "leader"
                            : node.status().role().name().toLowerCase(java.util.Locale.ROOT)));
                    case "cpu" -> out.println("CPU " + processCpuNanos());
                    case "metrics" -> out.println("METRICS " + metricsLine(node));
                    case "load" -> out.println(load(node, Operation.of(words[1]), Integer.parseInt(words[2]),
                            Long.parseLong(words[3]), Long.parseLong(words[4]), Integer.parseInt(words[5]), out));
                    case "quit" -> {
                        return;
                    }
                    default -> out.println("ERROR unknown command " + line);
                }
                out.flush();
            }
        } finally {
            node.close();
        }
    }

    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        throw new IllegalStateException("this JVM does not report process CPU time");
    }

    /** The node's counters and histogram counts and sums as {@code name=value} words, for {@code metrics}. */
    static String metricsLine(RaftNode node) {
        dev.sansraft.node.NodeMetrics m = node.metrics();
        StringBuilder line = new StringBuilder();
        m.values().forEach((name, value) -> line.append(name).append('=').append(value).append(' '));
        for (dev.sansraft.node.HistogramSnapshot h : m.histograms()) {
            line.append(h.name()).append("_count=").append(h.count()).append(' ')
                    .append(h.name()).append("_sum=").append(h.sum()).append(' ');
        }
        return line.toString().trim();
    }

    /** Runs the closed loop and returns the RESULT line. */
    private static String load(RaftNode node, Operation operation, int inFlight, long warmupMillis, long measureMillis,
                               int valueBytes, PrintStream out) throws InterruptedException {
        byte[] value = new byte[valueBytes];
        ThreadLocalRandom.current().nextBytes(value);
        ClosedLoop loop = new ClosedLoop(node, operation, inFlight, value);
        loop.start();
        Thread.sleep(warmupMillis);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        loop.measuring = true;
        out.println("MEASURING");
        out.flush();
        Thread.sleep(measureMillis);
        loop.measuring = false;
        long window = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        loop.stopAndWait();
        LatencyHistogram all = loop.merged();
        return "RESULT " + all.count() + " " + window + " " + all.percentile(50) + " " + all.percentile(99) + " "
                + all.percentile(99.9) + " " + loop.errors.sum() + " " + cpu;
    }

    /**
     * {@code inFlight} clients, each starting its next operation when its previous one completes. Each client's
     * histogram is touched only by the completion of its one outstanding operation, so completions of one client
     * never overlap.
     */
    private static final class ClosedLoop {
        private final RaftNode node;
        private final Operation operation;
        private final byte[] value;
        private final LatencyHistogram[] histograms;
        private final CountDownLatch stopped;
        private final LongAdder errors = new LongAdder();
        private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-retry");
            t.setDaemon(true);
            return t;
        });
        private volatile boolean measuring;
        private volatile boolean stop;

        ClosedLoop(RaftNode node, Operation operation, int inFlight, byte[] value) {
            this.node = node;
            this.operation = operation;
            this.value = value;
            this.histograms = new LatencyHistogram[inFlight];
            for (int i = 0; i < inFlight; i++) {
                histograms[i] = new LatencyHistogram();
            }
            this.stopped = new CountDownLatch(inFlight);
        }

        void start() {
            for (int i = 0; i < histograms.length; i++) {
                issue(i);
            }
        }

        private void issue(int client) {
            if (stop) {
                stopped.countDown();
                return;
            }
            long start = System.nanoTime();
            CompletableFuture<byte[]> f = switch (operation) {
                case WRITES -> node.propose(value);
                case READS -> node.query(EMPTY, ReadConsistency.LINEARIZABLE);
                case LEASE_READS -> node.query(EMPTY, ReadConsistency.LEASE);
            };
            f.whenComplete((result, error) -> {
                if (error != null) {
                    if (measuring) {
                        errors.increment();
                    }
                    // Not at once: a node that refuses everything would otherwise spin this thread.
                    retries.schedule(() -> issue(client), 1, TimeUnit.MILLISECONDS);
                    return;
                }
                if (measuring) {
                    histograms[client].record(System.nanoTime() - start);
                }
                issue(client);
            });
        }

        void stopAndWait() throws InterruptedException {
            stop = true;
            if (!stopped.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("operations still outstanding 60 s after the load stopped");
            }
            retries.shutdownNow();
        }

        LatencyHistogram merged() {
            LatencyHistogram all = new LatencyHistogram();
            for (LatencyHistogram h : histograms) {
                all.add(h);
            }
            return all;
        }
    }

    /** What a closed loop issues: 100-byte proposals, ReadIndex reads, or lease reads (thesis §6.4.1). */
    enum Operation {
        WRITES, READS, LEASE_READS;

        static Operation of(String name) {
            return switch (name) {
                case "writes" -> WRITES;
                case "reads" -> READS;
                case "lease-reads" -> LEASE_READS;
                default -> throw new IllegalArgumentException("operation must be writes, reads or lease-reads, got "
                        + name);
            };
        }
    }
}
