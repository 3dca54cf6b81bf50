package dev.sansraft.examples.bench;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark (not a test): the unavailability window of a leadership transfer under write load, compared with the
 * window after a SIGKILL of the leader. Three {@code server} processes on loopback; {@code CONNECTIONS} client
 * threads PUT small values to the leader without pause (following 307s, retrying 503s and errors at once). Each
 * success's completion time is recorded. The events are, in order: TRANSFERS transfers to the next voter, 2 s apart,
 * then KILLS times a SIGKILL of the leader and, 5 s after a new leader is known, the restart of the killed node. Each
 * event's window runs from its start to the next event's start (the last one's to the end of the load), and its
 * figure is the longest gap between two consecutive successful writes in it, the first gap counted from the last
 * success before the event. The baseline is the same measure over 400 ms quiet stretches, 1.5 s after each transfer
 * completed.
 *
 * <pre>
 * java -cp $PWD/raft-examples/target/raft-examples.jar:$PWD/raft-examples/target/test-classes \
 *     dev.sansraft.examples.bench.LeadershipTransferBench CONNECTIONS TRANSFERS KILLS WORK_DIR
 * </pre>
 * The classpath must be absolute: the servers are started with it, in {@code WORK_DIR}.
 */
public final class LeadershipTransferBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** The baseline window: quiet writing well after a transfer, well before the next one (2 s later). */
    private static final long QUIET_START_NANOS = Duration.ofMillis(1500).toNanos();
    private static final long QUIET_NANOS = Duration.ofMillis(400).toNanos();

    private final PrintStream out = System.out;
    private final Http http = new Http();
    private final BenchCluster cluster;

    private LeadershipTransferBench(BenchCluster cluster) {
        this.cluster = cluster;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LeadershipTransferBench CONNECTIONS TRANSFERS KILLS WORK_DIR");
            System.exit(2);
        }
        Path work = Path.of(args[3]);
        Files.createDirectories(work);
        try (BenchCluster cluster = new BenchCluster(work, LoopbackPeers.pick(3), TIMEOUT)) {
            new LeadershipTransferBench(cluster).run(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]));
        }
        System.exit(0);
    }

    private void start(long id) throws IOException {
        List<String> args = List.of("--peers", cluster.peers().toString(), "--cluster-id", "transfer-bench",
                "--http-threads", "8");
        cluster.start(id, List.of("-Xmx512m"), args, line -> { });
    }

    private long leader() {
        return cluster.awaitLeaderEveryoneKnows();
    }

    private void run(int connections, int transfers, int kills) throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        AtomicReference<String> leaderUrl = new AtomicReference<>(cluster.url(leader()));
        Load load = new Load(connections, leaderUrl);
        load.start();
        Thread.sleep(3_000);
        List<Event> events = new ArrayList<>();
        List<long[]> quiet = new ArrayList<>();
        for (int i = 0; i < transfers; i++) {
            long from = leader();
            long to = from % 3 + 1;
            long t0 = System.nanoTime();
            events.add(new Event(Kind.TRANSFER, t0));
            HttpResponse<String> r = http.send("POST", cluster.url(from) + "/leader?to=" + to, null);
            long done = System.nanoTime();
            if (r.statusCode() != 200) {
                out.println("transfer " + i + " " + from + "->" + to + ": HTTP " + r.statusCode() + " " + r.body());
            }
            quiet.add(new long[] {done + QUIET_START_NANOS, done + QUIET_START_NANOS + QUIET_NANOS});
            Thread.sleep(2_000);
        }
        for (int i = 0; i < kills; i++) {
            long victim = leader();
            events.add(new Event(Kind.KILL, System.nanoTime()));
            cluster.kill(victim);
            leader();
            Thread.sleep(5_000);
            events.add(new Event(Kind.RESTART, System.nanoTime()));
            start(victim);
            leader();
            Thread.sleep(3_000);
        }
        long end = System.nanoTime();
        load.stop();
        long[] successes = load.successes();
        out.printf("connections=%d writes=%d over %.1f s%n", connections, successes.length,
                (successes[successes.length - 1] - successes[0]) / 1e9);
        // Each event's window ends where the next event starts, so that no window counts another event's stall.
        List<long[]> transferWindows = new ArrayList<>();
        List<long[]> killWindows = new ArrayList<>();
        List<long[]> restartWindows = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            long[] window = {e.start(), i + 1 < events.size() ? events.get(i + 1).start() : end};
            (e.kind() == Kind.TRANSFER ? transferWindows : e.kind() == Kind.KILL ? killWindows : restartWindows)
                    .add(window);
        }
        report("transfer", successes, transferWindows);
        report("SIGKILL of the leader", successes, killWindows);
        report("restart of the killed node", successes, restartWindows);
        report("baseline (" + QUIET_NANOS / 1_000_000 + " ms from " + QUIET_START_NANOS / 1_000_000
                + " ms after each transfer)", successes, quiet);
    }

    private enum Kind { TRANSFER, KILL, RESTART }

    /** Something done to the cluster, at {@code start} (nanoTime). */
    private record Event(Kind kind, long start) {
    }

    /** Per window [start, end): the longest gap between successful writes, then p50, max and each. */
    private void report(String what, long[] successes, List<long[]> windows) {
        if (windows.isEmpty()) {
            return;
        }
        long[] gaps = new long[windows.size()];
        double[] lengths = new double[windows.size()];
        for (int i = 0; i < windows.size(); i++) {
            gaps[i] = longestGap(successes, windows.get(i)[0], windows.get(i)[1]);
            lengths[i] = (windows.get(i)[1] - windows.get(i)[0]) / 1e9;
        }
        long[] sorted = gaps.clone();
        Arrays.sort(sorted);
        out.printf("%s: n=%d longest gap between successful writes p50=%.1f ms max=%.1f ms (windows %.1f-%.1f s);"
                        + " each: %s%n", what, gaps.length, sorted[(sorted.length - 1) / 2] / 1e6,
                sorted[sorted.length - 1] / 1e6, Arrays.stream(lengths).min().orElse(0),
                Arrays.stream(lengths).max().orElse(0),
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
            List<String> urls = LoopbackPeers.httpBaseUrls(cluster.peers(), cluster.running());
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
