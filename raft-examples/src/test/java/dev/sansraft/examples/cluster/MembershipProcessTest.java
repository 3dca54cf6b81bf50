package dev.sansraft.examples.cluster;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.members.MembershipClient;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;
import dev.sansraft.sim.linearizability.CheckResult;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.LinearizabilityChecker;
import dev.sansraft.sim.linearizability.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's real-process scenario, under continuous writes and reads from several clients: three {@code server}
 * JVMs; node 3 is SIGKILLed and its data directory deleted; node 4 joins with {@code --join}, catches up and is
 * promoted; node 3 is removed; nodes 5 and 6 join (five voters) and are removed again (three); leadership is
 * transferred twice. Every operation is recorded with its call and return times; at the end the history, final
 * reads of every key included, must be linearizable (the simulator's checker), so no acknowledged write is lost.
 */
@Timeout(600)
class MembershipProcessTest {
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");
    private static final int KEYS = 6;
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    private final Map<Long, ServerProcess> running = Collections.synchronizedMap(new TreeMap<>());
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<String> sink = output::add;
    private final Http http = new Http();
    private PeerList all;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : new ArrayList<>(running.values())) {
            p.kill();
        }
    }

    private PeerSpec peer(long id) {
        return all.find(id).orElseThrow();
    }

    private void start(long id, List<String> args) {
        List<String> full = new ArrayList<>(List.of("--id", Long.toString(id), "--data",
                dir.resolve("node-" + id).toString(), "--cluster-id", "members-test", "--http-threads", "2",
                "--snapshot-entries", "2000", "--snapshot-trailing", "100"));
        full.addAll(args);
        try {
            running.put(id, ServerProcess.start(id, JVM_OPTIONS, full, dir, sink));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void join(long id) {
        start(id, List.of("--address", peer(id).endpoint(), "--join", anyLiveUrl()));
        Poll.untilTrue(STEP, "node " + id + " to join and be promoted; log:\n" + tail(), () ->
                output.stream().anyMatch(l -> l.startsWith("[node-" + id + "] node " + id
                        + ": promoted to voter; joined")));
    }

    private String anyLiveUrl() {
        synchronized (running) {
            return peer(running.keySet().iterator().next()).httpBaseUrl();
        }
    }

    private List<String> liveUrls() {
        synchronized (running) {
            return running.keySet().stream().map(id -> peer(id).httpBaseUrl()).toList();
        }
    }

    private String tail() {
        synchronized (output) {
            return String.join("\n", output.subList(Math.max(0, output.size() - 60), output.size()));
        }
    }

    private MembershipClient client() {
        return new MembershipClient(anyLiveUrl(), Duration.ofSeconds(20));
    }

    /** Repeats {@code call} until it answers 200; a 409 (another change in progress) or 503 is retried. */
    private String until200(String what, MembershipCall call) {
        return Poll.until(STEP, what + "; log:\n" + tail(), () -> {
            try {
                MembershipClient.Answer a = call.send(client());
                if (a.ok()) {
                    return a.body();
                }
                if (a.status() != 409 && a.status() != 503) {
                    throw new AssertionError(what + ": HTTP " + a.status() + " " + a.message());
                }
                return null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private interface MembershipCall {
        MembershipClient.Answer send(MembershipClient c) throws IOException, InterruptedException;
    }

    private List<MembershipClient.Member> members() {
        return MembershipClient.parseMembers(until200("list the members", MembershipClient::list));
    }

    private List<Long> voters() {
        return members().stream().filter(MembershipClient.Member::voter).map(MembershipClient.Member::id).toList();
    }

    private long leader() {
        return Poll.until(STEP, "a leader every live node knows", () -> {
            long leader = -1;
            for (String url : liveUrls()) {
                long l = Http.jsonLong(http.get(url + "/status").body(), "leader");
                if (l == 0 || (leader != -1 && l != leader)) {
                    return null;
                }
                leader = l;
            }
            return leader;
        });
    }

    private void removeAndStop(long id) throws InterruptedException {
        until200("remove node " + id, c -> c.remove(id));
        Poll.untilTrue(STEP, "node " + id + " out of the voters", () -> !voters().contains(id));
        ServerProcess p = running.remove(id);
        if (p != null) {
            p.kill();
        }
    }

    private void transferAwayFromLeader() {
        long from = leader();
        long to = voters().stream().filter(v -> v != from && running.containsKey(v)).findFirst().orElseThrow();
        until200("transfer leadership from " + from + " to " + to, c -> c.transferLeadership(to));
        Poll.untilTrue(STEP, "node " + to + " leads", () -> leader() == to);
    }

    @Test
    void replaceADeadNodeGrowShrinkAndTransferUnderWrites() throws Exception {
        all = LoopbackPeers.pick(6);
        String initial = PeerList.of(List.of(peer(1), peer(2), peer(3))).toString();
        for (long id = 1; id <= 3; id++) {
            start(id, List.of("--peers", initial));
        }
        leader();
        Workload workload = new Workload(CLIENTS);
        workload.start();
        Poll.untilTrue(STEP, "the first writes", () -> workload.acknowledged.get() >= 50);

        // 1. Node 3 dies with its disk.
        running.remove(3L).kill();
        deleteTree(dir.resolve("node-3"));
        // 2. Node 4 replaces it: joins as a learner, catches up (by snapshot: the log is compacted every 2000).
        join(4);
        assertThat(voters()).as("node 4 promoted").contains(4L);
        // 3. The dead node is removed.
        removeAndStop(3);
        assertThat(voters()).containsExactlyInAnyOrder(1L, 2L, 4L);
        // 4. Grow to five voters, shrink back to three, transfer leadership twice.
        join(5);
        join(6);
        // voters() asks one node, which may not have appended the promotion yet: it commits on a quorum without it.
        Poll.untilTrue(STEP, "nodes 5 and 6 among the voters the asked node reports",
                () -> voters().containsAll(List.of(5L, 6L)));
        assertThat(voters()).containsExactlyInAnyOrder(1L, 2L, 4L, 5L, 6L);
        removeAndStop(5);
        removeAndStop(6);
        assertThat(voters()).containsExactlyInAnyOrder(1L, 2L, 4L);
        transferAwayFromLeader();
        transferAwayFromLeader();
        int before = workload.acknowledged.get();
        Poll.untilTrue(STEP, "writes continue after the last transfer", () -> workload.acknowledged.get() > before
                + 20);

        workload.stop();
        // 5. Final reads of every key join the history: an acknowledged write that was lost makes it fail.
        workload.finalReads();
        List<Operation<KvModel.Input, KvModel.Output>> history = workload.history();
        assertThat(workload.acknowledged.get()).as("acknowledged writes").isGreaterThan(100);
        CheckResult result = new LinearizabilityChecker().check(new KvModel(), history);
        assertThat(result.isLinearizable()).as("history of %s operations: %s; log:%n%s", history.size(), result,
                tail()).isTrue();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * {@link #CLIENTS} threads writing unique values and reading linearizably, each recording what it did. A write
     * without a definite answer stays pending in the history (it may or may not have happened), and the client goes
     * on under a new client id, as the checker requires of a client with an operation outstanding.
     */
    private final class Workload {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        private final List<Operation<KvModel.Input, KvModel.Output>> ops = Collections.synchronizedList(
                new ArrayList<>());
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger nextClientId = new AtomicInteger();
        final AtomicInteger acknowledged = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private final long origin = System.nanoTime();

        Workload(int clients) {
            for (int c = 0; c < clients; c++) {
                int seed = c;
                threads.add(new Thread(() -> run(seed), "workload-" + c));
            }
        }

        void start() {
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            for (Thread t : threads) {
                t.join(STEP.toMillis());
            }
        }

        List<Operation<KvModel.Input, KvModel.Output>> history() {
            synchronized (ops) {
                return new ArrayList<>(ops);
            }
        }

        private long now() {
            return System.nanoTime() - origin;
        }

        private void run(int seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int clientId = nextClientId.getAndIncrement();
            long seq = 0;
            while (!stopped.get()) {
                int key = random.nextInt(KEYS);
                if (random.nextInt(3) > 0) {
                    long value = (long) (seed + 1) * 1_000_000_000L + ++seq;
                    long call = now();
                    Integer status = send("PUT", key, Long.toString(value));
                    if (status != null && status == 200) {
                        ops.add(Operation.completed(clientId, KvModel.Input.put(key, value), KvModel.Output.ok(true),
                                call, now()));
                        acknowledged.incrementAndGet();
                    } else {
                        ops.add(Operation.pending(clientId, KvModel.Input.put(key, value), call));
                        clientId = nextClientId.getAndIncrement();
                    }
                } else {
                    read(clientId, key);
                }
            }
        }

        /** A linearizable read recorded in the history; a failed read had no effect and is left out. */
        private void read(int clientId, int key) {
            long call = now();
            HttpResponse<String> r = request("GET", key, null);
            if (r == null) {
                return;
            }
            if (r.statusCode() == 404) {
                ops.add(Operation.completed(clientId, KvModel.Input.get(key), KvModel.Output.value(KvModel.ABSENT),
                        call, now()));
            } else if (r.statusCode() == 200) {
                ops.add(Operation.completed(clientId, KvModel.Input.get(key),
                        KvModel.Output.value(Long.parseLong(r.body())), call, now()));
            }
        }

        void finalReads() {
            int clientId = nextClientId.getAndIncrement();
            for (int key = 0; key < KEYS; key++) {
                int k = key;
                Poll.untilTrue(STEP, "a final read of key " + key, () -> {
                    int size = ops.size();
                    read(clientId, k);
                    return ops.size() > size;
                });
            }
        }

        private Integer send(String method, int key, String body) {
            HttpResponse<String> r = request(method, key, body);
            return r == null ? null : r.statusCode();
        }

        /** Sends to the leader, following one redirect; null when no node answered. */
        private HttpResponse<String> request(String method, int key, String body) {
            List<String> urls = liveUrls();
            String url = urls.get(Math.floorMod(Thread.currentThread().hashCode(), urls.size())) + "/kv/k" + key;
            for (int hop = 0; hop < 3; hop++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
                try {
                    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 307) {
                        url = r.headers().firstValue("Location").orElseThrow();
                        continue;
                    }
                    return r;
                } catch (IOException e) {
                    return null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        }
    }
}
