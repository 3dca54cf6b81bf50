package dev.sansraft.examples.cluster;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.server.PeerList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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
 * hit by 512 connections writing 256 KiB values (the {@code bench} subcommand). Every node must stay up (an
 * {@code OutOfMemoryError} exits the process here), every answer must be a success, a redirect or a 503 (never a
 * 500), and a normal write must succeed right afterwards.
 */
class OverloadProcessClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    private static final Pattern STATUSES = Pattern.compile("statuses \\{([^}]*)}");

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
                "--peers", peers.toString(), "--cluster-id", "overload-test", "--http-threads", "4");
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
        assertThat(client.put("after", "normal")).as("a normal write right afterwards").isPositive();
        System.out.println("overload bench against -Xmx256m nodes:\n" + text);
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
