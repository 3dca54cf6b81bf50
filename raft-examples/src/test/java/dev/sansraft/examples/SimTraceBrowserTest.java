package dev.sansraft.examples;

import dev.sansraft.sim.SimTrace;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A simulator trace in a real browser: the run of a planted-bug seed (reads served from local state, so stale)
 * written by {@link SimTrace}, opened from disk in headless Chromium, and the rendered DOM checked: a lane for every
 * node, the violation shown with its invariant, and the counterexample's operations listed. The screenshot is kept
 * as {@code target/browser/trace-stale-reads.png}, the trace as {@code target/browser/trace-stale-reads.html}.
 */
class SimTraceBrowserTest {
    private static final Path ARTIFACTS = Path.of("target", "browser");

    @Test
    void thePlantedBugsTraceShowsEveryLaneAndTheViolation() {
        HeadlessChromium chromium = HeadlessChromium.find(ARTIFACTS.resolve("chromium"));
        Path trace = ARTIFACTS.resolve("trace-stale-reads.html").toAbsolutePath();
        long seed = 0;
        String failure = null;
        for (long s = 1; s <= 20 && failure == null; s++) {
            failure = SimTrace.write(s, 300, 3, "partitions", "stale_reads", trace);
            seed = s;
        }
        assertThat(failure).as("a stale-read seed in 1..20 fails").isNotNull();

        String dom = chromium.dumpDom(trace.toUri().toString(), 2_000);
        chromium.screenshot(trace.toUri().toString(), 2_000, ARTIFACTS.resolve("trace-stale-reads.png"), 1500, 900);

        assertThat(dom).as("seed %d: the viewer's script ran", seed).contains("data-rendered=\"true\"");
        for (int node = 1; node <= 3; node++) {
            assertThat(dom).as("a lane for node %d", node).contains("<div class=\"lane\" data-node=\"" + node + "\"");
        }
        assertThat(dom).contains("data-invariant=\"LINEARIZABILITY\"").contains("LINEARIZABILITY violated at tick");
        Matcher list = Pattern.compile("<ul id=\"counterexample\">(.*?)</ul>", Pattern.DOTALL).matcher(dom);
        assertThat(list.find()).isTrue();
        assertThat(list.group(1)).as("the counterexample's operations are listed").contains("<li>c")
                .doesNotContain(">none<");
    }
}
