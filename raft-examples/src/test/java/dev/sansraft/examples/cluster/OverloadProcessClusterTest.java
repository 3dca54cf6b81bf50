package dev.sansraft.examples.cluster;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.server.PeerList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded memory under overload, end to end (issue 13): three {@code server} processes with {@code -Xmx256m} each,
 * hit by 512 connections writing 256 KiB values (the {@code bench} subcommand). The servers size their limits from a
 * {@code --memory-budget} of 64 MiB ({@code HeapBudget}): 8 MiB of in-flight requests, i.e. 32 such values, against
 * 128 MiB offered at once. The test checks that the limits were reached: the nodes counted requests refused at the
 * door ({@code sansraft_requests_overloaded_total}) and the bench saw 503s. A 503 alone would prove nothing, since a
 * timed-out write is a 503 too; and with the limits sized from the whole heap a run on a starved machine may not
 * reach them at all. Every node must stay up (an {@code OutOfMemoryError} exits the process here), every answer must
 * be a success, a redirect or a 503 (never a 500), and a normal write must succeed right afterwards. Checked once
 * with the limits removed (the server's budget set to 2^50 bytes): this fails.
 */
class OverloadProcessClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    private static final Pattern STATUSES = Pattern.compile("statuses \\{([^}]*)}");
    /**
     * The memory the nodes size their limits from: 8 MiB of in-flight requests (32 values) and of uncommitted
     * bytes, 4 MiB per stage queue. Less than the heap so that the limits are reached at once even when this
     * machine is so starved that the load arrives slowly, or a leader change interrupts it.
     */
    private static final String MEMORY_BUDGET = "64MiB";
    private static final String OVERLOADED = "sansraft_requests_overloaded_total";
    private static final String SHED = "sansraft_inbound_payloads_shed_total";

    @TempDir
    Path dir;

    private final Map<Long, ServerProcess> running = new TreeMap<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private PeerList peers;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : running.values()) {
            p.kill();
        }
    }

    private void start(long id) {
        List<String> args = List.of("--id", Long.toString(id), "--data", dir.resolve("node-" + id).toString(),
                "--peers", peers.toString(), "--cluster-id", "overload-test", "--http-threads", "4",
                "--memory-budget", MEMORY_BUDGET);
        try {
            running.put(id, ServerProcess.start(id, JVM_OPTIONS, args, dir, output::add));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String log() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Test
    void aSmallHeapClusterUnder512ConnectionsOf256KiBWritesStaysUpAndAnswers503() throws Exception {
        peers = LoopbackPeers.pick(3);
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        ClusterClient client = new ClusterClient(() -> LoopbackPeers.httpBaseUrls(peers, running.keySet()),
                TIMEOUT);
        client.put("warm", "up");

        ByteArrayOutputStream report = new ByteArrayOutputStream();
        // 64 keys: the state machine's own data stays at 16 MiB, so only the queues could exhaust the heap.
        Main.run(new String[]{"bench", "--target", client.leaderUrl(), "--concurrency", "512", "--duration", "8s",
                        "--warmup", "1s", "--value-size", Integer.toString(256 << 10), "--keys", "64"},
                new PrintStream(report, true, StandardCharsets.UTF_8), System.err);
        String text = report.toString(StandardCharsets.UTF_8);

        for (ServerProcess p : running.values()) {
            assertThat(p.isAlive()).as("node %d is up after the overload; bench:%n%s%nlog:%n%s", p.id(), text,
                    log()).isTrue();
        }
        assertThat(log()).as("no node ran out of heap").doesNotContain("OutOfMemoryError");
        Map<Integer, Long> statuses = statuses(text);
        assertThat(statuses).as("answers seen by the bench: %s", text).isNotEmpty();
        // -1 is the bench's mark for a client-side I/O error (its 10 s read timeout on this loaded machine).
        assertThat(statuses.keySet()).as("only successes, redirects, 503s or client timeouts, never a 500; bench:%n%s",
                text).isSubsetOf(Set.of(200, 307, 503, -1)).doesNotContain(500);
        Map<Long, Overload> overload = overloadCounters();
        System.out.println("overload bench against -Xmx256m nodes with a " + MEMORY_BUDGET + " budget:\n" + text
                + "per node: " + overload);
        assertThat(overload.values().stream().mapToDouble(Overload::refused).sum())
                .as("requests the nodes refused because a queue limit was reached (%s), per node: %s; bench:%n%s",
                        OVERLOADED, overload, text).isPositive();
        assertThat(statuses).as("the bench saw the refusals as 503s; bench:%n%s", text).containsKey(503);
        assertThat(client.put("after", "normal")).as("a normal write right afterwards").isPositive();
    }

    /** One node's overload counters: requests refused at the door, and inbound payloads shed. */
    private record Overload(double refused, double shed) {
    }

    private Map<Long, Overload> overloadCounters() {
        Http http = new Http();
        Map<Long, Overload> figures = new TreeMap<>();
        for (long id : running.keySet()) {
            String url = LoopbackPeers.httpBaseUrls(peers, List.of(id)).get(0) + "/metrics";
            String text = Poll.until(TIMEOUT, "the metrics of node " + id, () -> {
                HttpResponse<String> r = http.get(url);
                return r.statusCode() == 200 ? r.body() : null;
            });
            figures.put(id, new Overload(Http.metric(text, OVERLOADED), Http.metric(text, SHED)));
        }
        return figures;
    }

    private static Map<Integer, Long> statuses(String report) {
        Matcher m = STATUSES.matcher(report);
        Map<Integer, Long> statuses = new TreeMap<>();
        if (m.find() && !m.group(1).isBlank()) {
            for (String pair : m.group(1).split(",")) {
                String[] kv = pair.trim().split("=");
                statuses.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
            }
        }
        return statuses;
    }
}
