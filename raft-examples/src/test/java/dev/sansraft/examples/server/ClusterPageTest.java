package dev.sansraft.examples.server;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live cluster page's server side on three in-process TCP nodes: {@code GET /} serves a self-contained page,
 * {@code GET /cluster/status} fans out to every member through the node asked, and {@code /metrics} carries the
 * latency histograms with a help line on every metric.
 */
class ClusterPageTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final Http http = new Http();
    private InProcessCluster cluster;
    private ClusterClient client;

    @BeforeEach
    void startCluster() {
        PeerList peers = LoopbackPeers.pick(3);
        cluster = new InProcessCluster(peers, id -> new NodeSettings(new NodeIdentity("page", id),
                dir.resolve("node-" + id), peers, 2));
        for (long id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        client = new ClusterClient(cluster::liveUrls, TIMEOUT);
    }

    @AfterEach
    void stopAll() {
        cluster.close();
    }

    private String followerUrl() {
        String leader = client.leaderUrl();
        return cluster.liveUrls().stream().filter(u -> !u.equals(leader)).findFirst().orElseThrow();
    }

    @Test
    void rootServesTheSelfContainedPage() {
        HttpResponse<String> page = http.get(followerUrl() + "/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>sansraft cluster</title>").contains("/cluster/status");
        assertThat(page.body()).as("no external scripts, styles or fonts")
                .doesNotContainPattern("(src|href)=\"(https?:)?//").doesNotContain("@import").doesNotContain("url(");
    }

    @Test
    void clusterStatusReportsEveryMemberThroughOneFollower() {
        client.put("k", "v");
        String follower = followerUrl();

        String json = Poll.until(TIMEOUT, "every member answers with the same leader", () -> {
            String body = http.get(follower + "/cluster/status").body();
            return count(body, "\"ok\":true") == 3 && count(body, "\"role\":\"leader\"") == 1 ? body : null;
        });

        assertThat(json).startsWith("[{\"id\":1,").contains("{\"id\":2,").contains("{\"id\":3,");
        assertThat(json).contains("\"commitIndex\":").contains("\"snapshotIndex\":").contains("\"members\":[1,2,3]");
    }

    @Test
    void aStoppedMemberIsReportedDownNotOmitted() {
        String leader = client.leaderUrl();
        long leaderId = LoopbackPeers.idOf(cluster.peers(), leader);
        long stopped = leaderId == 1 ? 2 : 1;
        cluster.stop(stopped);

        String json = Poll.until(TIMEOUT, "the two live members answer and the stopped one is down", () -> {
            String body = http.get(leader + "/cluster/status").body();
            return count(body, "\"ok\":true") == 2 ? body : null;
        });

        assertThat(json).contains("{\"id\":" + stopped + ",").contains("\"ok\":false,\"error\":");
    }

    @Test
    void metricsHaveLatencyHistogramsAndAHelpLineForEveryFamily() {
        client.put("a", "1");
        String leader = client.leaderUrl();
        http.get(leader + "/kv/a");

        String text = http.get(leader + "/metrics").body();

        assertThat(text).contains("# TYPE sansraft_propose_to_commit_seconds histogram\n")
                .contains("# TYPE sansraft_commit_to_apply_seconds histogram\n")
                .contains("# TYPE sansraft_storage_sync_duration_seconds histogram\n")
                .contains("# TYPE sansraft_storage_sync_batch_entries histogram\n")
                .contains("# TYPE sansraft_read_index_round_seconds histogram\n")
                .contains("# TYPE sansraft_http_request_seconds histogram\n");
        assertThat(text).containsPattern("sansraft_http_request_seconds_count\\{node=\"\\d\",method=\"PUT\","
                + "code=\"2xx\"} [1-9]");
        assertThat(text).containsPattern("sansraft_propose_to_commit_seconds_count\\{node=\"\\d\"} [1-9]");
        Set<String> helped = new HashSet<>();
        Matcher help = Pattern.compile("(?m)^# HELP (\\w+) \\S").matcher(text);
        while (help.find()) {
            helped.add(help.group(1));
        }
        Matcher sample = Pattern.compile("(?m)^(\\w+?)(_bucket|_sum|_count)?\\{").matcher(text);
        int samples = 0;
        while (sample.find()) {
            samples++;
            String family = helped.contains(sample.group(1)) ? sample.group(1) : sample.group(1) + sample.group(2);
            assertThat(helped).as("# HELP for the family of " + sample.group()).contains(family);
        }
        assertThat(samples).isGreaterThan(40);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }
}
