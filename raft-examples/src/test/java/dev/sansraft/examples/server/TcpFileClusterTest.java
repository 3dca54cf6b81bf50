package dev.sansraft.examples.server;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three in-process nodes over the real TCP transport and file logs in temp directories: writes, the leader stopped
 * abruptly, a new leader, more writes, the old leader back and caught up, then a full-cluster restart that must keep
 * every acknowledged write.
 */
class TcpFileClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final Http http = new Http();
    private InProcessCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private long idOf(String url) {
        return LoopbackPeers.idOf(cluster.peers(), url);
    }

    @Test
    void survivesLeaderLossRestartsAndKeepsEveryAcknowledgedWrite() {
        PeerList peers = LoopbackPeers.pick(3);
        cluster = new InProcessCluster(peers, id -> new NodeSettings(new NodeIdentity("it", id),
                dir.resolve("node-" + id), peers, 2));
        for (long id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        ClusterClient client = new ClusterClient(cluster::liveUrls, TIMEOUT);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            client.put("a" + i, "v" + i);
            acknowledged.put("a" + i, "v" + i);
        }

        String[] session = {"Client-Id", "9", "Request-Seq", "1"};
        HttpResponse<String> first = http.put(client.leaderUrl() + "/kv/once", "first", session);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        long oldLeader = idOf(client.leaderUrl());
        cluster.stop(oldLeader);
        long newLeader = idOf(client.leaderUrl());
        assertThat(newLeader).as("a new leader among the survivors").isNotEqualTo(oldLeader);
        client.put("once", "other");
        HttpResponse<String> retry = http.put(client.leaderUrl() + "/kv/once", "first", session);
        assertThat(retry.body()).as("a retry on the new leader returns the first answer").isEqualTo(first.body());
        assertThat(client.get("once").body()).as("and does not apply again").isEqualTo("other");
        acknowledged.put("once", "other");
        long lastIndex = 0;
        for (int i = 0; i < 20; i++) {
            lastIndex = client.put("b" + i, "w" + i);
            acknowledged.put("b" + i, "w" + i);
        }

        cluster.start(oldLeader);
        String oldLeaderUrl = peers.find(oldLeader).orElseThrow().httpBaseUrl();
        long target = lastIndex;
        Poll.untilTrue(TIMEOUT, "node " + oldLeader + " to catch up to index " + target, () ->
                Http.jsonLong(http.get(oldLeaderUrl + "/status").body(), "appliedIndex") >= target);
        assertThat(http.get(oldLeaderUrl + "/kv/b19?consistency=stale").body()).isEqualTo("w19");

        cluster.close();
        for (long id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(client.get(e.getKey()).body()).as("acknowledged write %s after a full restart", e.getKey())
                    .isEqualTo(e.getValue());
        }
    }
}
