package dev.sansraft.examples.server;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    private final Map<Long, NodeServer> running = new TreeMap<>();
    private PeerList peers;

    @AfterEach
    void stopAll() {
        running.values().forEach(NodeServer::close);
    }

    private void start(long id) {
        try {
            running.put(id, NodeServer.start(new NodeSettings(new NodeIdentity("it", id), dir.resolve("node-" + id),
                    peers, 2)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stop(long id) {
        running.remove(id).close();
    }

    private List<String> liveUrls() {
        return LoopbackPeers.httpBaseUrls(peers, running.keySet());
    }

    private long idOf(String url) {
        return LoopbackPeers.idOf(peers, url);
    }

    @Test
    void survivesLeaderLossRestartsAndKeepsEveryAcknowledgedWrite() {
        peers = LoopbackPeers.pick(3);
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        ClusterClient client = new ClusterClient(this::liveUrls, TIMEOUT);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            client.put("a" + i, "v" + i);
            acknowledged.put("a" + i, "v" + i);
        }

        String[] session = {"Client-Id", "9", "Request-Seq", "1"};
        HttpResponse<String> first = http.put(client.leaderUrl() + "/kv/once", "first", session);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        long oldLeader = idOf(client.leaderUrl());
        stop(oldLeader);
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

        start(oldLeader);
        String oldLeaderUrl = peers.find(oldLeader).orElseThrow().httpBaseUrl();
        long target = lastIndex;
        Poll.untilTrue(TIMEOUT, "node " + oldLeader + " to catch up to index " + target, () ->
                Http.jsonLong(http.get(oldLeaderUrl + "/status").body(), "appliedIndex") >= target);
        assertThat(http.get(oldLeaderUrl + "/kv/b19?consistency=stale").body()).isEqualTo("w19");

        for (long id : List.copyOf(running.keySet())) {
            stop(id);
        }
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(client.get(e.getKey()).body()).as("acknowledged write %s after a full restart", e.getKey())
                    .isEqualTo(e.getValue());
        }
    }
}
