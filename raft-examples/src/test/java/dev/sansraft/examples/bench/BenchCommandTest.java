package dev.sansraft.examples.bench;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.server.KvNode;
import dev.sansraft.node.InMemoryLogStore;
import dev.sansraft.node.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A short bench run against a 3-node in-memory cluster, started at a follower so it must find the leader. */
class BenchCommandTest {

    @Test
    void findsTheLeaderFromAnyNodeAndReportsEveryRequest() throws Exception {
        List<Long> members = List.of(1L, 2L, 3L);
        Map<Long, String> urls = new ConcurrentHashMap<>();
        List<KvNode> nodes = new ArrayList<>();
        try (InMemoryNetwork network = InMemoryNetwork.create()) {
            for (long id : members) {
                KvNode node = KvNode.start(id, members, RaftConfig.builder().randomSeed(id).build(),
                        new InMemoryLogStore(), network.transport(id),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), urls, 2);
                nodes.add(node);
                urls.put(id, "http://127.0.0.1:" + node.httpPort());
            }
            for (String target : urls.values()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int code = Main.run(new String[]{"bench", "--target", target, "--concurrency", "4",
                                "--duration", "300ms", "--warmup", "100ms", "--reads", "0.5", "--keys", "16",
                                "--value-size", "10"},
                        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
                String report = out.toString(StandardCharsets.UTF_8);
                assertThat(code).as(report).isEqualTo(0);
                assertThat(report).as("started at %s", target).contains("bench: leader http://127.0.0.1:",
                        "0 I/O errors", "throughput", "p99");
                // Exit code 0 already says some requests succeeded; a leader change mid-run may fail a few.
                assertThat(report).as(report).containsPattern("requests +[1-9][0-9]* ok");
            }
            // Reads spread over every node: followers serve linearizable GETs, so no request is redirected.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Main.run(new String[]{"bench", "--target", urls.get(1L), "--concurrency", "3",
                            "--duration", "300ms", "--warmup", "100ms", "--reads", "1.0", "--keys", "16",
                            "--read-from", String.join(",", urls.values())},
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            String report = out.toString(StandardCharsets.UTF_8);
            assertThat(code).as(report).isEqualTo(0);
            assertThat(report).as(report).contains("0 I/O errors").doesNotContain("307=")
                    .containsPattern("requests +[1-9][0-9]* ok");
        } finally {
            nodes.forEach(KvNode::close);
        }
    }

    @Test
    void readFromIsTheLeaderOrAListOfNodeUrls() {
        assertThat(BenchCommand.parseReadFrom("leader")).isEmpty();
        assertThat(BenchCommand.parseReadFrom("http://127.0.0.1:8002,http://127.0.0.1:8003"))
                .containsExactly(URI.create("http://127.0.0.1:8002"), URI.create("http://127.0.0.1:8003"));
        assertThatThrownBy(() -> BenchCommand.parseReadFrom("followers"))
                .hasMessageContaining("--read-from");
    }
}
