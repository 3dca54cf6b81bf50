package dev.sansraft.examples.bench;

import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.members.MembershipClient;
import dev.sansraft.examples.server.PeerList;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Benchmark (not a test): the time to replace a node that holds a large state, issue 12's "replace a dead node" on
 * real processes. Three {@code server} processes on loopback; the key-value state is filled through the leader's HTTP
 * API with {@code VALUE_KIB} values until it holds {@code STATE_MIB}, and the leader snapshots at the end of the fill
 * and compacts its log ({@code --snapshot-entries} = the number of values, {@code --snapshot-trailing 16}), so a new
 * node can only catch up by installing the snapshot. Node 3 (a follower: leadership is moved away from it first) is
 * SIGKILLed and its data directory deleted; node 4 is started on an empty data directory with {@code --address} and
 * {@code --join} (the leader's HTTP address). Then node 3 is removed ({@code DELETE /members/3}).
 *
 * <p>From node 4's process start it records when: it prints that it read the members (its JVM is up and {@code
 * GET /members} answered); its {@code /status} answers; it prints that it was added as a learner; the first snapshot
 * bytes arrive; the snapshot is fully received (committed to its snapshot store: {@code
 * sansraft_snapshots_received_total}); it is installed into the state machine ({@code
 * sansraft_snapshots_installed_total}); its applied index reaches the leader's (the learner has caught up); and it
 * prints that it was promoted to voter. The leader promotes once its match index for node 4 is close to its commit
 * index, which it learns when node 4 has stored the snapshot, so the promotion may come before the install completes;
 * "caught up and promoted" is the later of the two. Node 4's {@code /status} and {@code /metrics} are polled back to
 * back (a few milliseconds apart on an idle machine), which bounds the resolution.
 *
 * <pre>
 * java -cp $PWD/raft-examples/target/raft-examples.jar:$PWD/raft-examples/target/test-classes \
 *     dev.sansraft.examples.bench.ReplaceNodeBench STATE_MIB VALUE_KIB XMX NEW_NODE_XMX WORK_DIR
 * </pre>
 * The classpath must be absolute: the servers are started with it, in {@code WORK_DIR}, which is deleted afterwards
 * by hand (it holds about three copies of the state).
 */
public final class ReplaceNodeBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(20);
    private static final long DEAD = 3;
    private static final long NEW = 4;

    private final long stateMib;
    private final int valueKib;
    private final String xmx;
    private final String newNodeXmx;
    private final Path work;
    private final BenchCluster cluster;
    private final PrintStream out = System.out;
    /** Event name to nanoTime, first occurrence only; written by the output pump and the polling thread. */
    private final Map<String, Long> stamps = new ConcurrentHashMap<>();

    private ReplaceNodeBench(String[] args, BenchCluster cluster) {
        this.stateMib = Long.parseLong(args[0]);
        this.valueKib = Integer.parseInt(args[1]);
        this.xmx = args[2];
        this.newNodeXmx = args[3];
        this.work = Path.of(args[4]);
        this.cluster = cluster;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ReplaceNodeBench STATE_MIB VALUE_KIB XMX NEW_NODE_XMX WORK_DIR");
            System.exit(2);
        }
        Path work = Path.of(args[4]);
        Files.createDirectories(work);
        try (BenchCluster cluster = new BenchCluster(work, LoopbackPeers.pick(4), TIMEOUT)) {
            new ReplaceNodeBench(args, cluster).run();
        }
        System.exit(0);
    }

    private long values() {
        return stateMib * 1024 / valueKib;
    }

    private void start(long id, String heap, List<String> args) throws IOException {
        PrintStream log = new PrintStream(Files.newOutputStream(work.resolve("node-" + id + ".out")), true,
                StandardCharsets.UTF_8);
        List<String> full = new ArrayList<>(List.of("--cluster-id", "replace-bench",
                "--snapshot-entries", Long.toString(values()), "--snapshot-bytes", "0", "--snapshot-trailing", "16"));
        full.addAll(args);
        cluster.start(id, List.of("-Xmx" + heap, "-Xms64m", "-XX:+UseG1GC"), full, line -> {
            if (line.contains("node " + id + ": joining the cluster at ")) {
                stamp("members read");
            } else if (line.endsWith("node " + id + ": added as a learner; catching up with the leader's log")) {
                stamp("added as a learner");
            } else if (line.endsWith("node " + id + ": promoted to voter; joined")) {
                stamp("promoted to voter");
            }
            log.println(line);
        });
    }

    private void stamp(String event) {
        stamps.putIfAbsent(event, System.nanoTime());
    }

    private void run() throws Exception {
        String initial = PeerList.of(List.of(cluster.peer(1), cluster.peer(2), cluster.peer(3))).toString();
        for (long id = 1; id <= 3; id++) {
            start(id, xmx, List.of("--peers", initial));
            cluster.awaitStatus(id);
        }
        long leader = cluster.awaitLeaderEveryoneKnows();
        if (leader == DEAD) {
            cluster.send("POST", cluster.url(DEAD) + "/leader?to=1");
            leader = Poll.until(TIMEOUT, "leadership to leave node 3", () -> {
                long l = cluster.awaitLeaderEveryoneKnows();
                return l != DEAD ? l : null;
            });
        }
        out.printf("leader %d; filling %d MiB as %d values of %d KiB%n", leader, stateMib, values(), valueKib);
        long fillStart = System.nanoTime();
        cluster.fillBlobs(leader, values(), valueKib);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        long l = leader;
        long snapshotIndex = Poll.until(TIMEOUT, "the leader's snapshot", () -> {
            long s = cluster.statusField(l, "snapshotIndex");
            return s >= values() ? s : null;
        });
        // Node 3 must hold the snapshot too, so that what dies is a node with the whole state.
        Poll.untilTrue(TIMEOUT, "node 3's snapshot", () -> cluster.statusField(DEAD, "snapshotIndex") >= values());
        out.printf("filled in %.1f s (%.1f MiB/s); snapshot at index %d on the leader and node 3%n", fillSeconds,
                stateMib / fillSeconds, snapshotIndex);

        cluster.kill(DEAD);
        deleteTree(cluster.dataDir(DEAD));
        long t0 = System.nanoTime();
        start(NEW, newNodeXmx, List.of("--address", cluster.peer(NEW).endpoint(), "--join", cluster.url(leader)));
        awaitCaughtUpAndPromoted(leader);
        long target = cluster.statusField(leader, "appliedIndex");
        String metrics = cluster.metrics(NEW);
        double received = BenchCluster.metric(metrics, "sansraft_snapshot_bytes_received_total");

        long removeStart = System.nanoTime();
        MembershipClient.Answer removed = new MembershipClient(cluster.url(leader), TIMEOUT).remove(DEAD);
        double removeMillis = (System.nanoTime() - removeStart) / 1e6;
        if (!removed.ok()) {
            throw new IllegalStateException("removing node 3 failed: HTTP " + removed.status() + " "
                    + removed.message());
        }
        List<Long> voters = MembershipClient.parseMembers(new MembershipClient(cluster.url(leader), TIMEOUT).list()
                .body()).stream().filter(MembershipClient.Member::voter).map(MembershipClient.Member::id).toList();

        Map<String, Double> at = new LinkedHashMap<>();
        for (String event : List.of("members read", "/status answers", "added as a learner", "first snapshot bytes",
                "snapshot received", "snapshot installed", "learner caught up", "promoted to voter")) {
            Long t = stamps.get(event);
            at.put(event, t == null ? Double.NaN : (t - t0) / 1e9);
        }
        double transferSeconds = at.get("snapshot received") - at.get("first snapshot bytes");
        out.printf("node 4 from process start (s): %s%n", at.entrySet().stream()
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue())).toList());
        out.printf("snapshot: %.1f MiB received in %.2f s (%.1f MiB/s from first byte to stored), installed in %.2f s"
                        + " after that; learner caught up to index %d at %.2f s, promoted at %.2f s: caught up and"
                        + " promoted %.2f s after the process start%n",
                received / (1 << 20), transferSeconds, received / (1 << 20) / transferSeconds,
                at.get("snapshot installed") - at.get("snapshot received"), target, at.get("learner caught up"),
                at.get("promoted to voter"), Math.max(at.get("learner caught up"), at.get("promoted to voter")));
        out.printf("node 3 removed in %.0f ms; voters now %s%n", removeMillis, voters);
    }

    /** Polls node 4 until it has installed the snapshot, reached the leader's applied index and been promoted. */
    private void awaitCaughtUpAndPromoted(long leader) {
        Poll.untilTrue(TIMEOUT, "node 4 to catch up and be promoted", () -> {
            try {
                long applied = cluster.statusField(NEW, "appliedIndex");
                stamp("/status answers");
                String metrics = cluster.metrics(NEW);
                if (BenchCluster.metric(metrics, "sansraft_snapshot_bytes_received_total") > 0) {
                    stamp("first snapshot bytes");
                }
                if (BenchCluster.metric(metrics, "sansraft_snapshots_received_total") >= 1) {
                    stamp("snapshot received");
                }
                boolean installed = BenchCluster.metric(metrics, "sansraft_snapshots_installed_total") >= 1;
                if (installed) {
                    stamp("snapshot installed");
                    if (applied >= cluster.statusField(leader, "appliedIndex")) {
                        stamp("learner caught up");
                    }
                }
            } catch (UncheckedIOException e) {
                return false; // node 4's HTTP server is not up yet
            }
            return stamps.containsKey("learner caught up") && stamps.containsKey("promoted to voter");
        });
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
