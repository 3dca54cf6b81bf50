package dev.sansraft.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The library-level benchmark: three JVMs on loopback, each one {@link EmbeddedBenchNode} (a {@code RaftNode} with
 * {@code FileLogStore}, {@code TcpTransport} and a state machine that does nothing), and the load generated inside
 * the leader's process, so that no client protocol is measured. For each operation (100-byte writes, linearizable
 * reads) and each number of operations in flight it prints ops/s, p50/p99/p999 latency and the CPU seconds per
 * 1,000 operations summed over all three processes, each process reading its own CPU time; every figure is the median
 * of {@code --runs} runs, each run's line printed too. The first run of each operation is preceded by
 * {@code --jit-warmup-ms} of unmeasured load, because three JVMs sharing a small machine keep compiling the hot paths
 * for seconds; every run then has its own {@code --warmup-ms}.
 *
 * <p>{@code reads} are linearizable ReadIndex reads (thesis §6.4: one heartbeat round per batch of reads);
 * {@code lease-reads}, never run unless asked for, are the leader-lease reads of §6.4.1, linearizable only while
 * clocks drift less than the lease allows.
 *
 * <p>{@code java -cp raft-examples.jar dev.sansraft.examples.bench.EmbeddedBench [--ops writes,reads,lease-reads]
 * [--concurrency 1,16,64,256] [--jit-warmup-ms 10000] [--warmup-ms 2000] [--duration-ms 5000] [--value-size 100]
 * [--runs 3] [--jvm-options "-Xms512m -Xmx512m -XX:+AlwaysPreTouch"] [--dir DIR] [--node-metrics true]}
 *
 * <p>With {@code --node-metrics true} each run also prints, per node, what its {@code RaftNode} metrics say about the
 * run (warm-up included): event-loop batches and storage syncs per operation, mean sync time and entries per sync,
 * messages per operation, and the mean propose-to-commit, commit-to-apply and read-index-round latencies.
 *
 * <p>Not thread-safe; a command-line tool.
 */
public final class EmbeddedBench {

    private EmbeddedBench() {
    }

    /**
     * Runs the benchmark and prints one line per operation and concurrency.
     *
     * @param args ignored; the parameters are fixed in the code
     * @throws Exception if a node fails to start or a benchmark run fails
     */
    public static void main(String[] args) throws Exception {
        List<String> ops = List.of("writes", "reads");
        int[] concurrency = {1, 16, 64, 256};
        long warmupMillis = 2_000;
        long jitWarmupMillis = 10_000;
        long durationMillis = 5_000;
        int valueSize = 100;
        int runs = 3;
        // A fixed, pre-touched heap, as a server would run: with -Xmx512m alone a follower still took ~1,600 page
        // faults a second after 14 s of load (perf stat), and page faults were 7.7% of the cluster's busy CPU samples.
        List<String> jvmOptions = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");
        Path dir = null;
        boolean nodeMetrics = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--ops" -> ops = List.of(v.split(","));
                case "--concurrency" -> concurrency = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup-ms" -> warmupMillis = Long.parseLong(v);
                case "--jit-warmup-ms" -> jitWarmupMillis = Long.parseLong(v);
                case "--duration-ms" -> durationMillis = Long.parseLong(v);
                case "--value-size" -> valueSize = Integer.parseInt(v);
                case "--runs" -> runs = Integer.parseInt(v);
                case "--jvm-options" -> jvmOptions = List.of(v.trim().split("\\s+"));
                case "--dir" -> dir = Path.of(v);
                case "--node-metrics" -> nodeMetrics = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        for (String op : ops) {
            EmbeddedBenchNode.Operation.of(op); // fails here, before any JVM starts, on a name the nodes would refuse
        }
        boolean ownDir = dir == null;
        Path base = ownDir ? Files.createTempDirectory("sansraft-embedded-bench") : dir;
        PrintStream out = System.out;
        List<Child> nodes = new ArrayList<>();
        try {
            int[] ports = freePorts(3);
            for (int id = 1; id <= 3; id++) {
                nodes.add(Child.start(id, base.resolve("node-" + id), ports, jvmOptions));
            }
            out.printf(Locale.ROOT, "embedded bench: 3 JVMs on loopback (FileLogStore, fsync on; TcpTransport), load in"
                    + " the leader's JVM, %d B values, %d ms JIT warm-up per operation, then %d ms warm-up + %d ms"
                    + " measured per run, median of %d runs; cpu = CPU s per 1,000 ops summed over the 3 processes;"
                    + " JVM options %s; %d cores%n", valueSize, jitWarmupMillis, warmupMillis, durationMillis, runs,
                    jvmOptions, Runtime.getRuntime().availableProcessors());
            for (String op : ops) {
                boolean jitWarm = false;
                for (int c : concurrency) {
                    List<RunResult> results = new ArrayList<>();
                    for (int run = 0; run < runs; run++) {
                        // Three JVMs on two cores are still compiling the hot paths (C2) seconds into a load: measured
                        // with a 2 s warm-up, compiler threads took ~45% of the CPU samples of the measured window.
                        long warmup = jitWarm ? warmupMillis : warmupMillis + jitWarmupMillis;
                        jitWarm = true;
                        List<Map<String, Double>> before = nodeMetrics ? metrics(nodes) : null;
                        RunResult r = runOnce(nodes, op, c, warmup, durationMillis, valueSize);
                        results.add(r);
                        out.printf(Locale.ROOT, "  run %d: %s%n", run + 1, r.render(op, c));
                        if (nodeMetrics) {
                            printNodeMetrics(out, op.equals("writes"), before, metrics(nodes));
                        }
                    }
                    out.printf(Locale.ROOT, "median: %s%n", RunResult.median(results).render(op, c));
                }
            }
        } finally {
            for (Child n : nodes) {
                n.quit();
            }
            if (ownDir) {
                deleteTree(base);
            }
        }
    }

    private static RunResult runOnce(List<Child> nodes, String op, int c, long warmupMillis, long durationMillis,
                                     int valueSize) throws IOException, InterruptedException {
        Child leader = findLeader(nodes);
        leader.send("load " + op + " " + c + " " + warmupMillis + " " + durationMillis + " " + valueSize);
        leader.expect("MEASURING");
        long[] followerCpu0 = new long[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) != leader) {
                followerCpu0[i] = nodes.get(i).cpu();
            }
        }
        String[] result = leader.expect("RESULT").split(" ");
        long cpu = Long.parseLong(result[7]);
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) != leader) {
                cpu += nodes.get(i).cpu() - followerCpu0[i];
            }
        }
        long ops = Long.parseLong(result[1]);
        double seconds = Long.parseLong(result[2]) / 1e9;
        return new RunResult(ops / seconds, Long.parseLong(result[3]), Long.parseLong(result[4]),
                Long.parseLong(result[5]), Long.parseLong(result[6]), ops == 0 ? Double.NaN : cpu / 1e9 / ops * 1000);
    }

    private static List<Map<String, Double>> metrics(List<Child> nodes) throws IOException {
        List<Map<String, Double>> all = new ArrayList<>();
        for (Child n : nodes) {
            all.add(n.metrics());
        }
        return all;
    }

    /** One line per node: what its counters and histograms moved by over the run, per operation where it helps. */
    private static void printNodeMetrics(PrintStream out, boolean writes, List<Map<String, Double>> before,
                                         List<Map<String, Double>> after) {
        double leaderOps = 1;
        for (int i = 0; i < after.size(); i++) {
            if (after.get(i).getOrDefault("sansraft_is_leader", 0.0) == 1.0) {
                leaderOps = Math.max(1, delta(before.get(i), after.get(i), "sansraft_proposals_total")
                        + delta(before.get(i), after.get(i), "sansraft_reads_total"));
            }
        }
        for (int i = 0; i < after.size(); i++) {
            Map<String, Double> b = before.get(i);
            Map<String, Double> a = after.get(i);
            ToDoubleFunction<String> d = name -> delta(b, a, name);
            ToDoubleFunction<String> meanMicros = name -> {
                double n = d.applyAsDouble(name + "_count");
                return n == 0 ? 0 : d.applyAsDouble(name + "_sum") / n * 1e6;
            };
            // A follower's work in a write run is per entry it applies; in a read run it is per read the leader served.
            boolean perOp = a.get("sansraft_is_leader") == 1.0 || !writes;
            double per = perOp ? leaderOps : Math.max(1, d.applyAsDouble("sansraft_entries_applied_total"));
            double syncs = d.applyAsDouble("sansraft_storage_syncs_total");
            out.printf(Locale.ROOT, "    node %d%s: per %s: loop batches %.3f, loop events %.2f, syncs %.3f,"
                            + " msgs sent %.3f, recv %.3f; sync %.0f us, %.1f entries/sync; propose->commit %.0f us,"
                            + " commit->apply %.0f us, read round %.0f us%n", i + 1,
                    a.get("sansraft_is_leader") == 1.0 ? " (leader)" : "", perOp ? "op" : "entry",
                    d.applyAsDouble("sansraft_event_loop_batches_total") / per,
                    d.applyAsDouble("sansraft_event_loop_events_total") / per, syncs / per,
                    d.applyAsDouble("sansraft_messages_sent_total") / per,
                    d.applyAsDouble("sansraft_messages_received_total") / per,
                    meanMicros.applyAsDouble("sansraft_storage_sync_duration_seconds"),
                    syncs == 0 ? 0 : d.applyAsDouble("sansraft_storage_entries_written_total") / syncs,
                    meanMicros.applyAsDouble("sansraft_propose_to_commit_seconds"),
                    meanMicros.applyAsDouble("sansraft_commit_to_apply_seconds"),
                    meanMicros.applyAsDouble("sansraft_read_index_round_seconds"));
        }
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    private static Child findLeader(List<Child> nodes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            for (Child n : nodes) {
                if (n.role().equals("leader")) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader within 60 s");
    }

    /** One run's figures; latencies in nanoseconds. */
    record RunResult(double opsPerSecond, long p50, long p99, long p999, long errors, double cpuPerThousand) {

        static RunResult median(List<RunResult> runs) {
            return new RunResult(median(runs, RunResult::opsPerSecond), (long) median(runs, r -> r.p50),
                    (long) median(runs, r -> r.p99), (long) median(runs, r -> r.p999),
                    (long) median(runs, r -> r.errors), median(runs, RunResult::cpuPerThousand));
        }

        private static double median(List<RunResult> runs, ToDoubleFunction<RunResult> f) {
            double[] v = runs.stream().mapToDouble(f).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        String render(String op, int c) {
            return String.format(Locale.ROOT, "%-6s C=%-3d %,10.0f ops/s  p50 %7.3f ms  p99 %7.3f ms  p999 %7.3f ms"
                    + "  cpu %.4f s/1k ops  errors %d", op, c, opsPerSecond, p50 / 1e6, p99 / 1e6, p999 / 1e6,
                    cpuPerThousand, errors);
        }
    }

    /** A node process and its command pipe. */
    private static final class Child {
        private final long id;
        private final Process process;
        private final BufferedReader in;
        private final PrintStream out;

        private Child(long id, Process process) {
            this.id = id;
            this.process = process;
            this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.out = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        static Child start(long id, Path dir, int[] ports, List<String> jvmOptions) throws IOException {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(EmbeddedBenchNode.class.getName());
            command.add(Long.toString(id));
            command.add(dir.toString());
            command.add("embedded-bench");
            for (int p : ports) {
                command.add(Integer.toString(p));
            }
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile()))
                    .start();
            return new Child(id, p);
        }

        void send(String command) {
            out.println(command);
        }

        /** Reads lines until one starts with {@code prefix}; fails if the process ends first. */
        String expect(String prefix) throws IOException {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
                if (line.startsWith("ERROR")) {
                    throw new IllegalStateException("node " + id + ": " + line);
                }
            }
            throw new IllegalStateException("node " + id + " exited (code " + exitCode() + ") waiting for " + prefix);
        }

        private String exitCode() {
            try {
                return Integer.toString(process.waitFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        String role() throws IOException {
            send("role");
            return expect("ROLE").substring(5);
        }

        Map<String, Double> metrics() throws IOException {
            send("metrics");
            Map<String, Double> m = new HashMap<>();
            for (String word : expect("METRICS").substring(8).split(" ")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    m.put(word.substring(0, eq), Double.parseDouble(word.substring(eq + 1)));
                }
            }
            return m;
        }

        long cpu() throws IOException {
            send("cpu");
            return Long.parseLong(expect("CPU").substring(4));
        }

        void quit() throws InterruptedException {
            out.println("quit");
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
