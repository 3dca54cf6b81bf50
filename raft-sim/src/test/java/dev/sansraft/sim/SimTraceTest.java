package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML trace of a run: what {@code SimMain --trace} and {@link SimTrace} write. */
class SimTraceTest {

    @TempDir
    Path dir;

    /** The first seed in 1..20 whose stale-read run fails, with its trace written to {@code file}. */
    static long failingStaleReadSeed(Path file) {
        for (long seed = 1; seed <= 20; seed++) {
            if (SimTrace.write(seed, 300, 3, "partitions", "stale_reads", file) != null) {
                return seed;
            }
        }
        throw new AssertionError("no stale-read seed in 1..20 failed");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPlantedBugsTraceMarksTheViolationAndTheCounterexample() {
        Path file = dir.resolve("stale.html");
        long seed = failingStaleReadSeed(file);

        String html = read(file);

        assertThat(html).as("seed %d", seed).contains("\"seed\":" + seed).contains("\"sabotage\":\"STALE_READS\"")
                .contains("\"violation\":{\"time\":").contains("\"invariant\":\"LINEARIZABILITY\"");
        assertThat(section(html, "ops")).as("at least one client operation is marked as part of the counterexample")
                .containsPattern("\\[\\d+,\\d+,-?\\d+,1,\\d");
        assertThat(html).as("self-contained").doesNotContainPattern("(src|href)=\"(https?:)?//")
                .doesNotContain("@import").doesNotContain("<link");
        assertThat(html.indexOf("</script>")).as("the data cannot end the script early")
                .isEqualTo(html.lastIndexOf("</script>"));
    }

    @Test
    void everyNodeHasRoleBandsAndCrashesAreSpans() {
        Path file = dir.resolve("crashes.html");
        SimTrace.write(3, 400, 5, "crashes", "none", file);

        String html = read(file);
        String roles = section(html, "roles");

        for (int node = 1; node <= 5; node++) {
            assertThat(roles).as("a role band of node %d", node).contains("[" + node + ",");
        }
        assertThat(section(html, "nodeSpans")).as("a crash is a down span (kind 0)").containsPattern("\\[\\d,0,");
        assertThat(roles).as("someone led").containsPattern(",3,\\d+\\]");
        assertThat(html).contains("\"violation\":null");
    }

    @Test
    void lostAndDroppedMessagesKeepTheirFate() {
        Path file = dir.resolve("partitions.html");
        SimTrace.write(5, 300, 3, "partitions", "none", file);

        String messages = section(read(file), "messages");

        assertThat(messages).as("a message dropped at a cut link (fate 2)")
                .containsPattern("\\[\\d,\\d,\\d,\\d+,\\d+,2,");
        assertThat(messages).as("a delivered one (fate 0)").containsPattern("\\[\\d,\\d,\\d,\\d+,\\d+,0,");
    }

    @Test
    void routineReplicationOfLongRunsIsCounted() {
        Path small = dir.resolve("small.html");
        SimTrace.write(4, 300, 3, "calm", "none", small);
        Path large = dir.resolve("large.html");
        SimTrace.write(4, 300, 3, "calm", "none", large, 300 * 3 - 1); // as if the run were long

        assertThat(section(read(small), "routine")).isEqualTo("[]");
        assertThat(section(read(large), "routine")).as("counted per link per window")
                .containsPattern("^\\[\\[\\d,\\d,\\d+,[1-9]");
        assertThat(section(read(large), "messages").length()).as("far fewer messages kept one by one")
                .isLessThan(section(read(small), "messages").length() / 4);
        assertThat(read(large)).contains("is counted per link per 10 ticks");
    }

    @Test
    void simMainWritesTheTraceAndPrintsTheTraceCommandForAFailingSeed() throws IOException {
        long seed = failingStaleReadSeed(dir.resolve("probe.html"));
        Path file = dir.resolve("main.html");

        String out = run(1, "--seeds", "1", "--from", Long.toString(seed), "--ticks", "300", "--nodes", "3",
                "--profile", "partitions", "--sabotage", "stale_reads", "--trace", file.toString());
        String swarm = run(1, "--seeds", "1", "--from", Long.toString(seed), "--ticks", "300", "--nodes", "3",
                "--profile", "partitions", "--sabotage", "stale_reads");

        assertThat(out).contains("FAIL LINEARIZABILITY").contains("trace written to " + file.toAbsolutePath());
        assertThat(Files.size(file)).isPositive();
        assertThat(swarm).contains("replay: ").containsPattern("trace: +java -cp .* --from " + seed
                + " .*--sabotage stale_reads --trace seed-" + seed + "\\.html");
        assertThatThrownBy(() -> SimMain.run(new String[] {"--seeds", "2", "--trace", "x.html"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--trace replays one seed");
    }

    private static String run(int expectedStatus, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = SimMain.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status, output:%n%s", out).isEqualTo(expectedStatus);
        return out;
    }

    /** The JSON array value of {@code "name":[...]} in the embedded data. */
    private static String section(String html, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\[").matcher(html);
        assertThat(m.find()).as("field " + name).isTrue();
        int start = m.end() - 1;
        int depth = 0;
        for (int i = start; i < html.length(); i++) {
            char c = html.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return html.substring(start, i + 1);
            }
        }
        throw new AssertionError("unterminated " + name);
    }
}
