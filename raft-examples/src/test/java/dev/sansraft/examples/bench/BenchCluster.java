package dev.sansraft.examples.bench;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.cluster.ServerProcess;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The {@code server} processes of one benchmark run: each in its own JVM, started from this JVM's class path (the
 * runnable jar and the test classes), with its data directory {@code WORK/node-<id>}; and what the benchmarks ask
 * them over plain HTTP (status fields, the leader, metrics), plus filling the state with large values.
 *
 * <p>Thread-safety: the set of running processes may be read from load threads ({@link #running}); starting and
 * stopping happen on the benchmark's own thread.
 */
final class BenchCluster implements AutoCloseable {

    private final Path work;
    private final PeerList peers;
    private final Duration timeout;
    private final Http http = new Http();
    private final Map<Long, ServerProcess> processes = new ConcurrentSkipListMap<>();

    /**
     * @param work    the parent of the data directories, and the servers' working directory
     * @param peers   every node the run may start, with its ports
     * @param timeout how long {@link #leader} and {@link #awaitLeaderEveryoneKnows} wait
     */
    BenchCluster(Path work, PeerList peers, Duration timeout) {
        this.work = work;
        this.peers = peers;
        this.timeout = timeout;
    }

    PeerList peers() {
        return peers;
    }

    PeerSpec peer(long id) {
        return peers.find(id).orElseThrow();
    }

    Path dataDir(long id) {
        return work.resolve("node-" + id);
    }

    /** {@return the ids of the running processes, in order} */
    Set<Long> running() {
        return processes.keySet();
    }

    /**
     * Starts {@code server --id ID --data WORK/node-ID <serverArgs>} in a JVM with {@code jvmOptions}.
     *
     * @param lines receives each output line, prefixed {@code [node-ID] }
     */
    ServerProcess start(long id, List<String> jvmOptions, List<String> serverArgs, Consumer<String> lines)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--id", Long.toString(id), "--data", dataDir(id).toString()));
        args.addAll(serverArgs);
        ServerProcess p = ServerProcess.start(id, jvmOptions, args, work, lines);
        processes.put(id, p);
        return p;
    }

    /** Waits until node {@code id} answers {@code GET /status}. */
    void awaitStatus(long id) {
        Poll.untilTrue(timeout, "node " + id + " to answer /status", () ->
                http.get(url(id) + "/status").statusCode() == 200);
    }

    /** SIGKILLs node {@code id}. */
    void kill(long id) throws InterruptedException {
        processes.remove(id).kill();
    }

    /** Stops node {@code id} with SIGTERM, waiting up to {@code graceMillis} before killing it. */
    void stop(long id, long graceMillis) throws InterruptedException {
        processes.remove(id).stop(graceMillis);
    }

    String url(long id) {
        return peer(id).httpBaseUrl();
    }

    String status(long id) {
        return http.get(url(id) + "/status").body();
    }

    /** A numeric field of node {@code id}'s {@code /status}, such as {@code appliedIndex}. */
    long statusField(long id, String field) {
        return Http.jsonLong(status(id), field);
    }

    String metrics(long id) {
        return http.get(url(id) + "/metrics").body();
    }

    /** The running node that says it leads. */
    long leader() {
        return Poll.until(timeout, "a leader", () -> {
            for (long id : processes.keySet()) {
                String s = status(id);
                if (Http.jsonLong(s, "id") == Http.jsonLong(s, "leader")) {
                    return id;
                }
            }
            return null;
        });
    }

    /** The leader, once every running node names the same one. */
    long awaitLeaderEveryoneKnows() {
        return Poll.until(timeout, "a leader every node knows", () -> {
            long leader = -1;
            for (long id : processes.keySet()) {
                long l = statusField(id, "leader");
                if (l == 0 || (leader != -1 && l != leader)) {
                    return null;
                }
                leader = l;
            }
            return leader;
        });
    }

    HttpResponse<String> send(String method, String url) {
        return http.send(method, url, null);
    }

    /** The value of a metric that carries the node label, from a {@code /metrics} text. */
    static double metric(String text, String name) {
        return Http.metric(text, name);
    }

    /**
     * PUTs {@code values} random values of {@code valueKib} KiB ({@code blob-0}, {@code blob-1}, ...) to node
     * {@code leader}, 8 requests in flight.
     *
     * @throws IllegalStateException if a PUT fails
     */
    void fillBlobs(long leader, long values, int valueKib) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        SplittableRandom random = new SplittableRandom(42);
        char[] chars = new char[valueKib * 1024];
        Semaphore window = new Semaphore(8);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (long i = 0; i < values; i++) {
            for (int c = 0; c < chars.length; c++) {
                chars[c] = (char) ('a' + random.nextInt(26));
            }
            HttpRequest put = HttpRequest.newBuilder(URI.create(url(leader) + "/kv/blob-" + i))
                    .timeout(Duration.ofSeconds(60))
                    .PUT(HttpRequest.BodyPublishers.ofString(new String(chars))).build();
            window.acquire();
            long key = i;
            pending.add(client.sendAsync(put, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                window.release();
                if (e != null || r.statusCode() != 200) {
                    throw new IllegalStateException("PUT blob-" + key + " failed: "
                            + (e != null ? e : r.statusCode() + " " + r.body()));
                }
            }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    /** Stops every running process (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        for (long id : new ArrayList<>(processes.keySet())) {
            try {
                stop(id, 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping node " + id, e);
            }
        }
    }
}
