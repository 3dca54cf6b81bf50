package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.Poll;
import dev.sansraft.node.InMemoryLogStore;
import dev.sansraft.node.InMemoryNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API on three real RaftNodes over the in-memory network: every status code with real Raft behind it. */
class InMemoryClusterHttpTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final List<Long> MEMBERS = List.of(1L, 2L, 3L);

    private final Http http = new Http();
    private final InMemoryNetwork network = InMemoryNetwork.create();
    private final Map<Long, String> urls = new ConcurrentHashMap<>();
    private final List<KvNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        for (long id : MEMBERS) {
            KvNode node = KvNode.start(id, MEMBERS, RaftConfig.builder().randomSeed(id).build(),
                    new InMemoryLogStore(), network.transport(id),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), urls, 2);
            nodes.add(node);
            urls.put(id, "http://127.0.0.1:" + node.httpPort());
        }
    }

    @AfterEach
    void stop() {
        nodes.forEach(KvNode::close);
        network.close();
    }

    private long leader() {
        return Poll.until(TIMEOUT, "a leader known to every node", () -> {
            long leader = Http.jsonLong(http.get(urls.get(1L) + "/status").body(), "leader");
            for (long id : MEMBERS) {
                String status = http.get(urls.get(id) + "/status").body();
                if (leader == 0 || Http.jsonLong(status, "leader") != leader) {
                    return null;
                }
            }
            return leader;
        });
    }

    private String url(long id, String path) {
        return urls.get(id) + path;
    }

    @Test
    void leaderServesEveryOperationWithItsStatusCode() {
        long leader = leader();
        HttpResponse<String> put = http.put(url(leader, "/kv/color"), "blue");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).startsWith("{\"index\":");
        assertThat(http.get(url(leader, "/kv/color")).body()).isEqualTo("blue");
        for (String level : List.of("linearizable", "lease", "stale", "log")) {
            HttpResponse<String> get = http.get(url(leader, "/kv/color?consistency=" + level));
            assertThat(get.statusCode()).as(level).isEqualTo(200);
            assertThat(get.body()).as(level).isEqualTo("blue");
            assertThat(get.headers().firstValue("X-Applied-Index")).as(level).isPresent();
        }
        assertThat(http.get(url(leader, "/kv/none")).statusCode()).isEqualTo(404);
        assertThat(http.put(url(leader, "/kv/none?expect=x"), "y").statusCode()).isEqualTo(404);
        assertThat(http.put(url(leader, "/kv/color?expect=red"), "green").statusCode()).isEqualTo(412);
        assertThat(http.put(url(leader, "/kv/color?expect=blue"), "green").statusCode()).isEqualTo(200);
        assertThat(http.get(url(leader, "/kv/color")).body()).isEqualTo("green");
        assertThat(http.send("DELETE", url(leader, "/kv/color"), null).statusCode()).isEqualTo(200);
        assertThat(http.send("DELETE", url(leader, "/kv/color"), null).statusCode()).isEqualTo(404);
        String status = http.get(url(leader, "/status")).body();
        assertThat(status).contains("\"role\":\"leader\"", "\"members\":[1,2,3]");
        assertThat(Http.jsonLong(status, "appliedIndex")).isGreaterThanOrEqualTo(4);
        HttpResponse<String> metrics = http.get(url(leader, "/metrics"));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("sansraft_term{node=\"" + leader + "\"}");
        assertThat(http.get(url(leader, "/kv/")).statusCode()).isEqualTo(400);
    }

    @Test
    void followerRedirectsWritesAndLeaseReadsToTheLeaderAndServesStaleReads() {
        long leader = leader();
        long follower = MEMBERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
        HttpResponse<String> redirected = http.put(url(follower, "/kv/k?expect=a"), "b");
        assertThat(redirected.statusCode()).isEqualTo(307);
        assertThat(redirected.headers().firstValue("Location")).hasValue(url(leader, "/kv/k?expect=a"));
        assertThat(http.send("DELETE", url(follower, "/kv/k"), null).statusCode()).isEqualTo(307);
        long index = Http.jsonLong(http.put(url(leader, "/kv/k"), "v").body(), "index");
        HttpResponse<String> stale = Poll.until(TIMEOUT, "the follower to apply index " + index, () -> {
            HttpResponse<String> r = http.get(url(follower, "/kv/k?consistency=stale"));
            return r.statusCode() == 200 ? r : null;
        });
        assertThat(stale.body()).isEqualTo("v");
        assertThat(Long.parseLong(stale.headers().firstValue("X-Applied-Index").orElseThrow()))
                .isGreaterThanOrEqualTo(index);
        for (String level : List.of("lease", "log")) {
            HttpResponse<String> read = http.get(url(follower, "/kv/k?consistency=" + level));
            assertThat(read.statusCode()).as(level).isEqualTo(307);
            assertThat(read.headers().firstValue("Location")).as(level)
                    .hasValue(url(leader, "/kv/k?consistency=" + level));
        }
    }

    @Test
    void followersServeLinearizableReadsThatSeeEveryAcknowledgedWrite() {
        long leader = leader();
        for (int i = 1; i <= 30; i++) {
            String value = "v" + i;
            HttpResponse<String> put = http.put(url(leader, "/kv/k"), value);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            long index = Http.jsonLong(put.body(), "index");
            // No waiting: the write was acknowledged, so a linearizable read anywhere must see it (thesis §6.4).
            for (long follower : MEMBERS) {
                if (follower == leader) {
                    continue;
                }
                String path = i % 2 == 0 ? "/kv/k" : "/kv/k?consistency=linearizable";
                HttpResponse<String> read = http.get(url(follower, path));
                assertThat(read.statusCode()).as("GET %s on follower %d after write %d", path, follower, i)
                        .isEqualTo(200);
                assertThat(read.body()).as("GET %s on follower %d after write %d", path, follower, i)
                        .isEqualTo(value);
                assertThat(Long.parseLong(read.headers().firstValue("X-Applied-Index").orElseThrow()))
                        .as("the follower applied the write before answering").isGreaterThanOrEqualTo(index);
            }
        }
        assertThat(http.get(url(leader, "/kv/absent")).statusCode()).isEqualTo(404);
        for (long follower : MEMBERS) {
            assertThat(http.get(url(follower, "/kv/absent")).statusCode()).as("node %d", follower).isEqualTo(404);
        }
    }

    @Test
    void retriedPutWithSameClientIdAndRequestSeqAppliesOnce() {
        long leader = leader();
        String[] session = {"Client-Id", "77", "Request-Seq", "1"};
        HttpResponse<String> first = http.put(url(leader, "/kv/x"), "first", session);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(http.put(url(leader, "/kv/x"), "other").statusCode()).isEqualTo(200);
        HttpResponse<String> retry = http.put(url(leader, "/kv/x"), "first", session);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).as("the saved response of the first application").isEqualTo(first.body());
        assertThat(http.get(url(leader, "/kv/x")).body()).as("the retry did not apply again").isEqualTo("other");
        assertThat(http.put(url(leader, "/kv/x"), "second", "Client-Id", "77", "Request-Seq", "2").statusCode())
                .isEqualTo(200);
        assertThat(http.get(url(leader, "/kv/x")).body()).isEqualTo("second");
        HttpResponse<String> stale = http.put(url(leader, "/kv/x"), "first", session);
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
    }
}
