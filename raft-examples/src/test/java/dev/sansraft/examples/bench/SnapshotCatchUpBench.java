package dev.sansraft.examples.bench;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.cluster.ServerProcess;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmark (not a test): how long a follower takes to catch up through a snapshot of a large state, and how much
 * heap the leader and the follower use while the snapshot streams. Three {@code server} processes on loopback, run
 * from this JVM's class path (the runnable jar). The follower is stopped first; the state is filled through the
 * leader's HTTP API with large values until it holds {@code --state-mib}; the leader snapshots at the end of the fill
 * and compacts its log; then the follower restarts and must install the snapshot. The catch-up time runs from the
 * follower's process start until its applied index reaches the leader's.
 *
 * <p>Heap figures come from each server's GC log ({@code -Xlog:gc}): the occupancy before each collection is the
 * most the heap held since the previous one, so the largest such value over the transfer is the high-water mark
 * (bounded by {@code -Xmx}: the collector lets garbage pile up to it); the largest occupancy after a collection bounds
 * what the process really retained. A follower that buffered the snapshot, or a leader that loaded it to send it,
 * would need the snapshot's size on top of the state, which the {@code -Xmx} values chosen for the runs do not
 * leave room for.
 *
 * <pre>
 * java -cp raft-examples/target/raft-examples.jar:raft-examples/target/test-classes \
 *     dev.sansraft.examples.bench.SnapshotCatchUpBench STATE_MIB VALUE_KIB LEADER_XMX FOLLOWER_XMX WORK_DIR
 * </pre>
 */
public final class SnapshotCatchUpBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(20);
    private static final Pattern GC_PAUSE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private final long stateMib;
    private final int valueKib;
    private final String leaderXmx;
    private final String followerXmx;
    private final Path work;
    private final PrintStream out = System.out;
    private final Map<Long, Integer> starts = new TreeMap<>();
    private BenchCluster cluster;

    private SnapshotCatchUpBench(long stateMib, int valueKib, String leaderXmx, String followerXmx, Path work) {
        this.stateMib = stateMib;
        this.valueKib = valueKib;
        this.leaderXmx = leaderXmx;
        this.followerXmx = followerXmx;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: SnapshotCatchUpBench STATE_MIB VALUE_KIB LEADER_XMX FOLLOWER_XMX WORK_DIR");
            System.exit(2);
        }
        SnapshotCatchUpBench bench = new SnapshotCatchUpBench(Long.parseLong(args[0]), Integer.parseInt(args[1]),
                args[2], args[3], Path.of(args[4]));
        try (BenchCluster cluster = new BenchCluster(bench.work, LoopbackPeers.pick(3), TIMEOUT)) {
            bench.cluster = cluster;
            bench.run();
        }
    }

    private long values() {
        return stateMib * 1024 / valueKib;
    }

    private void start(long id, String xmx) throws IOException {
        int run = starts.merge(id, 1, Integer::sum);
        List<String> jvm = List.of("-Xmx" + xmx, "-Xms64m", "-XX:+UseG1GC",
                "-Xlog:gc:file=" + gcLog(id, run) + ":uptime");
        List<String> args = List.of("--peers", cluster.peers().toString(), "--cluster-id", "bench",
                "--snapshot-entries", Long.toString(values()), "--snapshot-bytes", "0",
                "--snapshot-trailing", "16");
        PrintStream log = new PrintStream(Files.newOutputStream(work.resolve("node-" + id + "-run-" + run + ".out")),
                true, java.nio.charset.StandardCharsets.UTF_8);
        cluster.start(id, jvm, args, ServerProcess.printingTo(log));
        cluster.awaitStatus(id);
    }

    private Path gcLog(long id, int run) {
        return work.resolve("gc-node-" + id + "-run-" + run + ".log");
    }

    private String status(long id) {
        return cluster.status(id);
    }

    private void run() throws Exception {
        Files.createDirectories(work);
        for (long id = 1; id <= 3; id++) {
            start(id, leaderXmx);
        }
        long leader = cluster.leader();
        long follower = cluster.running().stream().filter(id -> id != leader).max(Comparator.naturalOrder())
                .orElseThrow();
        cluster.stop(follower, 10_000);
        out.printf("leader %d, follower %d stopped; filling %d MiB as %d values of %d KiB%n", leader, follower,
                stateMib, values(), valueKib);

        long fillStart = System.nanoTime();
        cluster.fillBlobs(leader, values(), valueKib);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        long leaderApplied = Http.jsonLong(status(leader), "appliedIndex");
        long snapshotIndex = Poll.until(TIMEOUT, "the leader's snapshot", () -> {
            long s = Http.jsonLong(status(leader), "snapshotIndex");
            return s >= values() ? s : null;
        });
        out.printf("filled in %.1f s (%.1f MiB/s); leader applied %d, snapshot at %d%n", fillSeconds,
                stateMib / fillSeconds, leaderApplied, snapshotIndex);

        Path leaderGc = gcLog(leader, 1);
        long leaderGcOffset = Files.size(leaderGc);
        long t0 = System.nanoTime();
        start(follower, followerXmx);
        double jvmUpSeconds = (System.nanoTime() - t0) / 1e9;
        long target = Http.jsonLong(status(leader), "appliedIndex");
        Poll.untilTrue(TIMEOUT, "the follower to apply index " + target, () ->
                Http.jsonLong(status(follower), "appliedIndex") >= target);
        double catchUpSeconds = (System.nanoTime() - t0) / 1e9;
        String metrics = cluster.metrics(follower);
        double received = BenchCluster.metric(metrics, "sansraft_snapshot_bytes_received_total");
        out.printf("follower %d caught up to index %d in %.2f s (its /status answered after %.2f s); snapshot index"
                        + " %d, %.1f MiB received, %.1f MiB/s over the whole catch-up; installed %.0f%n", follower,
                target, catchUpSeconds, jvmUpSeconds, Http.jsonLong(status(follower), "snapshotIndex"),
                received / (1 << 20), received / (1 << 20) / catchUpSeconds,
                BenchCluster.metric(metrics, "sansraft_snapshots_installed_total"));
        HeapPeak leaderHeap = heapPeak(leaderGc, leaderGcOffset);
        HeapPeak followerHeap = heapPeak(gcLog(follower, starts.get(follower)), 0);
        out.printf("heap during the transfer, high-water / most retained after a collection: leader %d / %d MiB"
                        + " (-Xmx%s, %d collections), follower %d / %d MiB (-Xmx%s, %d collections)%n",
                leaderHeap.peakMib, leaderHeap.liveMib, leaderXmx, leaderHeap.collections, followerHeap.peakMib,
                followerHeap.liveMib, followerXmx, followerHeap.collections);
    }

    /**
     * @param peakMib     the most the heap held (occupancy before a collection)
     * @param liveMib     the most the heap still held after a collection: an upper bound of the live data
     * @param collections how many collections were logged
     */
    private record HeapPeak(long peakMib, long liveMib, int collections) {
    }

    /** The largest heap occupancy before a collection logged after {@code offset}. */
    private static HeapPeak heapPeak(Path gcLog, long offset) throws IOException {
        long peak = 0;
        long live = 0;
        int collections = 0;
        String text = Files.readString(gcLog);
        try (Stream<String> lines = text.substring((int) Math.min(offset, text.length())).lines()) {
            for (String line : (Iterable<String>) lines::iterator) {
                Matcher m = GC_PAUSE.matcher(line);
                if (m.find()) {
                    peak = Math.max(peak, Long.parseLong(m.group(1)));
                    live = Math.max(live, Long.parseLong(m.group(2)));
                    collections++;
                }
            }
        }
        return new HeapPeak(peak, live, collections);
    }
}
