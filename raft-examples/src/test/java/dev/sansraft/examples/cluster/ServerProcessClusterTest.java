package dev.sansraft.examples.cluster;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.FreePorts;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the {@code server} subcommand as three real processes (this test's classpath, the same main class as the
 * jar), kills the leader with SIGKILL, and checks fail-over, catch-up and a full-cluster restart over HTTP.
 */
class ServerProcessClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");

    @TempDir
    Path dir;

    private final Http http = new Http();
    private final Map<Long, ServerProcess> running = new TreeMap<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<String> sink = output::add;
    private PeerList peers;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : running.values()) {
            p.kill();
        }
    }

    private void start(long id) {
        List<String> args = List.of("--id", Long.toString(id), "--data", dir.resolve("node-" + id).toString(),
                "--peers", peers.toString(), "--cluster-id", "proc-test", "--http-threads", "2");
        try {
            running.put(id, ServerProcess.start(id, JVM_OPTIONS, args, dir, sink));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> liveUrls() {
        return LoopbackPeers.httpBaseUrls(peers, running.keySet());
    }

    private long idOf(String url) {
        return LoopbackPeers.idOf(peers, url);
    }

    private String log() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Test
    void killedLeaderIsReplacedAndEveryAcknowledgedWriteSurvives() throws Exception {
        peers = LoopbackPeers.pick(3);
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        ClusterClient client = new ClusterClient(this::liveUrls, TIMEOUT);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            client.put("a" + i, "v" + i);
            acknowledged.put("a" + i, "v" + i);
        }

        long oldLeader = idOf(client.leaderUrl());
        running.remove(oldLeader).kill();
        long newLeader = idOf(client.leaderUrl());
        assertThat(newLeader).as("new leader after SIGKILL of %d; log:%n%s", oldLeader, log())
                .isNotEqualTo(oldLeader);
        long lastIndex = 0;
        for (int i = 0; i < 10; i++) {
            lastIndex = client.put("b" + i, "w" + i);
            acknowledged.put("b" + i, "w" + i);
        }

        start(oldLeader);
        String oldLeaderUrl = peers.find(oldLeader).orElseThrow().httpBaseUrl();
        long target = lastIndex;
        Poll.untilTrue(TIMEOUT, "killed node " + oldLeader + " to restart and catch up to " + target, () ->
                Http.jsonLong(http.get(oldLeaderUrl + "/status").body(), "appliedIndex") >= target);

        for (ServerProcess p : running.values()) {
            p.stop(10_000);
        }
        running.clear();
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(client.get(e.getKey()).body()).as("acknowledged %s after a full restart", e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    @Test
    void refusesADataDirectoryOfAnotherNode() throws Exception {
        int[] ports = FreePorts.pick(2);
        peers = PeerList.of(List.of(new PeerSpec(1, "127.0.0.1", ports[0], ports[1]),
                new PeerSpec(2, "127.0.0.1", ports[0] + 1, ports[1] + 1)));
        new dev.sansraft.examples.server.NodeIdentity("proc-test", 2).claim(dir.resolve("node-1"), "log");
        start(1);
        ServerProcess p = running.remove(1L);
        assertThat(p.process().waitFor(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).as(log()).isEqualTo(3);
        Poll.untilTrue(TIMEOUT, "the refusal message", () -> log().contains("belongs to node 2"));
    }
}
