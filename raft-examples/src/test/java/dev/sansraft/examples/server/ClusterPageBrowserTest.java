package dev.sansraft.examples.server;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.HeadlessChromium;
import dev.sansraft.examples.LoopbackPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live cluster page in a real browser: three in-process TCP nodes, the page loaded from a follower in headless
 * Chromium, and the rendered DOM checked (three nodes, exactly one marked leader, the leader card filled in). The
 * screenshot is kept as {@code target/browser/cluster-page.png}.
 */
class ClusterPageBrowserTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Path ARTIFACTS = Path.of("target", "browser");

    @TempDir
    Path dir;

    private InProcessCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void thePageShowsThreeNodesAndMarksTheLeader() {
        HeadlessChromium chromium = HeadlessChromium.find(ARTIFACTS.resolve("chromium"));
        PeerList peers = LoopbackPeers.pick(3);
        cluster = new InProcessCluster(peers, id -> new NodeSettings(new NodeIdentity("browser", id),
                dir.resolve("node-" + id), peers, 2));
        for (long id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        ClusterClient client = new ClusterClient(cluster::liveUrls, TIMEOUT);
        for (int i = 0; i < 10; i++) {
            client.put("k" + i, "v" + i);
        }
        String leaderUrl = client.leaderUrl();
        long leader = LoopbackPeers.idOf(peers, leaderUrl);
        String page = cluster.liveUrls().stream().filter(u -> !u.equals(leaderUrl)).findFirst().orElseThrow() + "/";

        String dom = chromium.dumpDom(page, 5_000);
        chromium.screenshot(page, 5_000, ARTIFACTS.resolve("cluster-page.png"), 1400, 700);

        assertThat(dom).as("the page's script ran and rendered a poll").contains("data-loaded=\"true\"");
        assertThat(count(dom, "<tr data-node=")).as("one row per node").isEqualTo(3);
        for (long id = 1; id <= 3; id++) {
            assertThat(dom).contains("<tr data-node=\"" + id + "\"");
        }
        Matcher leaders = Pattern.compile("<tr data-node=\"(\\d+)\" data-role=\"leader\"").matcher(dom);
        assertThat(leaders.find()).as("a row is marked leader (node %d led when the page was loaded)", leader)
                .isTrue();
        String marked = leaders.group(1);
        assertThat(leaders.find()).as("only one").isFalse();
        assertThat(dom).as("the leader card names the marked row").contains("<b id=\"leader\">node " + marked + "</b>");
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }
}
