package dev.sansraft.examples.bench;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.cluster.ServerProcess;
import dev.sansraft.examples.server.PeerList;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark (not a test): the unavailability window of a leadership transfer under write load, compared with the
 * window after a SIGKILL of the leader. Three {@code server} processes on loopback; {@code CONNECTIONS} client
 * threads PUT small values to the leader without pause (following 307s, retrying 503s and errors at once). Each
 * success's completion time is recorded. For every event (a transfer to the next voter, or a SIGKILL of the leader
 * followed by its restart and catch-up) the window is the longest gap between two consecutive successful writes from
 * the event's start until 5 s after it. The baseline is the same measure over quiet stretches of the same run.
 *
 * <pre>
 * java -cp $PWD/raft-examples/target/raft-examples.jar:$PWD/raft-examples/target/test-classes \
 *     dev.sansraft.examples.bench.LeadershipTransferBench CONNECTIONS TRANSFERS KILLS WORK_DIR
 * </pre>
 * The classpath must be absolute: the servers are started with it, in {@code WORK_DIR}.
 */
public final class LeadershipTransferBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final long WINDOW_NANOS = Duration.ofSeconds(5).toNanos();

    private final PrintStream out = System.out;
    private final Http http = new Http();
    private final Map<Long, ServerProcess> processes = new ConcurrentSkipListMap<>();
    private final Path work;
    private PeerList peers;

    private LeadershipTransferBench(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LeadershipTransferBench CONNECTIONS TRANSFERS KILLS WORK_DIR");
            System.exit(2);
        }
        new LeadershipTransferBench(Path.of(args[3])).run(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                Integer.parseInt(args[2]));
        System.exit(0);
    }

    private void start(long id) throws IOException {
        List<String> args = List.of("--id", Long.toString(id), "--data", work.resolve("node-" + id).toString(),
                "--peers", peers.toString(), "--cluster-id", "transfer-bench", "--http-threads", "8");
        processes.put(id, ServerProcess.start(id, List.of("-Xmx512m"), args, work, line -> { }));
    }

    private long leader() {
        return Poll.until(TIMEOUT, "a leader every node knows", () -> {
            long leader = -1;
            for (long id : processes.keySet()) {
                long l = Http.jsonLong(http.get(peers.find(id).orElseThrow().httpBaseUrl() + "/status").body(),
                        "leader");
                if (l == 0 || (leader != -1 && l != leader)) {
                    return null;
                }
                leader = l;
            }
            return leader;
        });
    }

    private void run(int connections, int transfers, int kills) throws Exception {
        Files.createDirectories(work);
        peers = LoopbackPeers.pick(3);
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        AtomicReference<String> leaderUrl = new AtomicReference<>(peers.find(leader()).orElseThrow().httpBaseUrl());
        Load load = new Load(connections, leaderUrl);
        load.start();
        Thread.sleep(3_000);
        List<long[]> transferWindows = new ArrayList<>();
        for (int i = 0; i < transfers; i++) {
            long from = leader();
            long to = from % 3 + 1;
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send("POST", peers.find(from).orElseThrow().httpBaseUrl() + "/leader?to="
                    + to, null);
            long done = System.nanoTime();
            if (r.statusCode() != 200) {
                out.println("transfer " + i + " " + from + "->" + to + ": HTTP " + r.statusCode() + " " + r.body());
            }
            transferWindows.add(new long[] {t0, done});
            Thread.sleep(2_000);
        }
        List<long[]> killWindows = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            long victim = leader();
            long t0 = System.nanoTime();
            processes.remove(victim).kill();
            leader();
            killWindows.add(new long[] {t0, System.nanoTime()});
            Thread.sleep(WINDOW_NANOS / 1_000_000);
            start(victim);
            leader();
            Thread.sleep(3_000);
        }
        load.stop();
        long[] successes = load.successes();
        out.printf("connections=%d writes=%d over %.1f s%n", connections, successes.length,
                (successes[successes.length - 1] - successes[0]) / 1e9);
        report("transfer", successes, transferWindows);
        report("SIGKILL of the leader", successes, killWindows);
        report("baseline (2 s after each transfer)", successes, transferWindows.stream()
                .map(w -> new long[] {w[0] + Duration.ofMillis(1500).toNanos(), 0}).toList(),
                Duration.ofMillis(400).toNanos());
        for (ServerProcess p : processes.values()) {
            p.kill();
        }
    }

    private void report(String what, long[] successes, List<long[]> events) {
        report(what, successes, events, WINDOW_NANOS);
    }

    private void report(String what, long[] successes, List<long[]> events, long windowNanos) {
        if (events.isEmpty()) {
            return;
        }
        long[] gaps = new long[events.size()];
        for (int i = 0; i < events.size(); i++) {
            gaps[i] = longestGap(successes, events.get(i)[0], events.get(i)[0] + windowNanos);
        }
        long[] sorted = gaps.clone();
        Arrays.sort(sorted);
        out.printf("%s: n=%d longest gap between successful writes p50=%.1f ms max=%.1f ms; each: %s%n", what,
                gaps.length, sorted[(sorted.length - 1) / 2] / 1e6, sorted[sorted.length - 1] / 1e6,
                Arrays.stream(gaps).mapToObj(g -> String.format("%.0f", g / 1e6)).toList());
    }

    /** The longest gap between consecutive successes in [from, to], the edges counting from the last success before. */
    private static long longestGap(long[] successes, long from, long to) {
        int i = Arrays.binarySearch(successes, from);
        i = i < 0 ? -i - 1 : i;
        long previous = i > 0 ? successes[i - 1] : from;
        long longest = 0;
        for (; i < successes.length && successes[i] <= to; i++) {
            longest = Math.max(longest, successes[i] - previous);
            previous = successes[i];
        }
        return Math.max(longest, Math.min(to, i < successes.length ? successes[i] : to) - previous);
    }

    /** Client threads writing as fast as the leader answers; records each success's completion time. */
    private final class Load {
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<long[]> perThread = new ArrayList<>();
        private final AtomicLong writes = new AtomicLong();

        Load(int connections, AtomicReference<String> leaderUrl) {
            for (int c = 0; c < connections; c++) {
                long[][] times = {new long[1 << 16]};
                int[] count = {0};
                int client = c;
                perThread.add(null);
                threads.add(new Thread(() -> {
                    HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
                            .followRedirects(HttpClient.Redirect.NEVER).build();
                    long seq = 0;
                    while (!stopped.get()) {
                        String url = leaderUrl.get() + "/kv/c" + client + "-" + (seq % 100);
                        try {
                            HttpResponse<String> r = httpClient.send(HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.ofString(
                                            Long.toString(seq))).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                if (count[0] == times[0].length) {
                                    times[0] = Arrays.copyOf(times[0], times[0].length * 2);
                                }
                                times[0][count[0]++] = System.nanoTime();
                                writes.incrementAndGet();
                                seq++;
                            } else if (r.statusCode() == 307) {
                                String location = r.headers().firstValue("Location").orElse(url);
                                leaderUrl.set(location.substring(0, location.indexOf("/kv/")));
                            } else {
                                LockSupport.parkNanos(1_000_000);
                            }
                        } catch (IOException e) {
                            rotate(leaderUrl);
                            LockSupport.parkNanos(1_000_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    synchronized (perThread) {
                        perThread.set(client, Arrays.copyOf(times[0], count[0]));
                    }
                }, "load-" + c));
            }
        }

        /** After a connection failure, try another node: it redirects to the leader if it knows one. */
        private void rotate(AtomicReference<String> leaderUrl) {
            List<String> urls = LoopbackPeers.httpBaseUrls(peers, processes.keySet());
            String current = leaderUrl.get();
            int at = urls.indexOf(current);
            leaderUrl.compareAndSet(current, urls.get((at + 1) % urls.size()));
        }

        void start() {
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }

        long[] successes() {
            synchronized (perThread) {
                return perThread.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            }
        }
    }
}
