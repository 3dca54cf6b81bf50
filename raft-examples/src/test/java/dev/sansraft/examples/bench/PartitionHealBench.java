package dev.sansraft.examples.bench;

import dev.sansraft.examples.FreePorts;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.TcpProxy;
import dev.sansraft.examples.cluster.ServerProcess;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Heal-to-caught-up time after a partition, over real TCP between three {@code server} processes:
 * {@code java -cp <raft-examples test classpath> dev.sansraft.examples.bench.PartitionHealBench [--rounds N]
 * [--partition-seconds S]}.
 *
 * <p>Every directed raft link runs through its own {@link TcpProxy}. Each round cuts one follower off (every proxy to
 * or from it), keeps writing to the leader for {@code S} seconds (long enough for the reconnect backoff of the cut
 * links to reach its cap), heals, and measures the wall time from the heal until the follower has applied the last
 * write. It also reports whether the leader kept its term. Prints one line per round and the median.
 */
public final class PartitionHealBench {

    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:+UseSerialGC");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private PartitionHealBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 3;
        int partitionSeconds = 8;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--partition-seconds" -> partitionSeconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        int n = 3;
        int[] ports = FreePorts.pick(2 * n);
        Map<String, TcpProxy> proxies = new HashMap<>();
        for (int from = 1; from <= n; from++) {
            for (int to = 1; to <= n; to++) {
                if (from != to) {
                    proxies.put(from + ">" + to, new TcpProxy(new InetSocketAddress("127.0.0.1", ports[to - 1])));
                }
            }
        }
        Path dir = Files.createTempDirectory("heal-bench");
        List<ServerProcess> processes = new ArrayList<>();
        Http http = new Http();
        try {
            for (int id = 1; id <= n; id++) {
                List<PeerSpec> specs = new ArrayList<>();
                for (int peer = 1; peer <= n; peer++) {
                    int raftPort = peer == id ? ports[peer - 1] : proxies.get(id + ">" + peer).port();
                    specs.add(new PeerSpec(peer, "127.0.0.1", raftPort, ports[n + peer - 1]));
                }
                List<String> serverArgs = List.of("--id", Integer.toString(id), "--data",
                        dir.resolve("node-" + id).toString(), "--peers", PeerList.of(specs).toString(),
                        "--cluster-id", "heal-bench", "--http-threads", "2");
                processes.add(ServerProcess.start(id, JVM_OPTIONS, serverArgs, dir, line -> { }));
            }
            long[] healMillis = new long[rounds];
            for (int round = 0; round < rounds; round++) {
                long leader = Poll.until(TIMEOUT, "a leader", () -> {
                    long l = Http.jsonLong(status(http, ports, n, 1), "leader");
                    return l == 0 ? null : l;
                });
                String leaderUrl = "http://127.0.0.1:" + ports[n + (int) leader - 1];
                long follower = leader % n + 1;
                long term = Http.jsonLong(http.get(leaderUrl + "/status").body(), "term");
                proxies.forEach((link, p) -> {
                    if (link.startsWith(follower + ">") || link.endsWith(">" + follower)) {
                        p.cut();
                    }
                });
                long until = System.nanoTime() + Duration.ofSeconds(partitionSeconds).toNanos();
                long last = 0;
                int i = 0;
                while (System.nanoTime() - until < 0) {
                    HttpResponse<String> r = http.put(leaderUrl + "/kv/heal-" + round + "-" + i++, "v");
                    if (r.statusCode() == 200) {
                        last = Http.jsonLong(r.body(), "index");
                    }
                    LockSupport.parkNanos(5_000_000);
                }
                long target = last;
                proxies.values().forEach(TcpProxy::heal);
                long healed = System.nanoTime();
                String followerUrl = "http://127.0.0.1:" + ports[n + (int) follower - 1];
                while (Http.jsonLong(http.get(followerUrl + "/status").body(), "appliedIndex") < target) {
                    if (System.nanoTime() - healed > TIMEOUT.toNanos()) {
                        throw new AssertionError("follower " + follower + " did not catch up to " + target);
                    }
                    LockSupport.parkNanos(1_000_000);
                }
                healMillis[round] = (System.nanoTime() - healed) / 1_000_000;
                long termAfter = Http.jsonLong(http.get(leaderUrl + "/status").body(), "term");
                System.out.printf("round %d: follower %d cut off for %d s (%d writes, up to index %d); caught up %d ms"
                        + " after the heal; leader %d %s%n", round + 1, follower, partitionSeconds, i, target,
                        healMillis[round], leader, termAfter == term ? "kept its term" : "LOST its term");
            }
            long[] sorted = healMillis.clone();
            Arrays.sort(sorted);
            System.out.printf("heal-to-caught-up: median %d ms over %d rounds %s%n", sorted[rounds / 2], rounds,
                    Arrays.toString(healMillis));
        } finally {
            for (ServerProcess p : processes) {
                p.kill();
            }
            proxies.values().forEach(TcpProxy::close);
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static String status(Http http, int[] ports, int n, int id) {
        return http.get("http://127.0.0.1:" + ports[n + id - 1] + "/status").body();
    }
}
