package dev.sansraft.examples.cluster;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.FreePorts;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the {@code cluster} subcommand as a real process: its children serve writes, take snapshots at the thresholds
 * given to the parent, their output arrives prefixed with their id, and SIGTERM to the parent stops every child.
 */
class ClusterCommandProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);

    @TempDir
    Path dir;

    @Test
    void startsNodesPrefixesTheirOutputAndStopsThemAllOnSigterm() throws Exception {
        int raftBase = FreePorts.consecutive(3, 11);
        int httpBase = FreePorts.consecutive(3, 29);
        List<String> command = List.of(ServerProcess.javaBinary(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "dev.sansraft.examples.Main", "cluster",
                "--dir", dir.resolve("data").toString(), "--raft-port", Integer.toString(raftBase),
                "--http-port", Integer.toString(httpBase),
                "--java-opts", "-Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                "--snapshot-entries", "5", "--snapshot-trailing", "2");
        Process parent = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(pump: " + e + ")");
            }
        });
        pump.setDaemon(true);
        pump.start();
        try {
            List<String> urls = List.of("http://127.0.0.1:" + httpBase, "http://127.0.0.1:" + (httpBase + 1),
                    "http://127.0.0.1:" + (httpBase + 2));
            ClusterClient client = new ClusterClient(() -> urls, TIMEOUT);
            assertThat(client.put("hello", "world")).isPositive();
            assertThat(client.get("hello").body()).isEqualTo("world");
            for (int i = 0; i < 10; i++) {
                client.put("k" + i, "v" + i);
            }
            Http http = new Http();
            Poll.untilTrue(TIMEOUT, "a snapshot on node 1 (--snapshot-entries 5 reaches the servers)", () ->
                    Http.jsonLong(http.get(urls.get(0) + "/status").body(), "snapshotIndex") >= 5);
            List<ProcessHandle> children = parent.descendants().toList();
            assertThat(children).as("server processes").hasSizeGreaterThanOrEqualTo(3);
            synchronized (lines) {
                assertThat(lines).anyMatch(l -> l.startsWith("[cluster]   curl -L -X PUT"));
                for (int id = 1; id <= 3; id++) {
                    String prefix = "[node-" + id + "] ";
                    assertThat(lines).as("output of node %d", id).anyMatch(l -> l.startsWith(prefix));
                }
            }

            parent.toHandle().destroy();
            assertThat(parent.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("cluster exits on SIGTERM")
                    .isTrue();
            for (ProcessHandle child : children) {
                Poll.untilTrue(TIMEOUT, "child " + child.pid() + " to exit", () -> !child.isAlive());
            }
            assertThat(Files.exists(dir.resolve("data/node-1/identity"))).isTrue();
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly();
        }
    }
}
