package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimMainTest {

    private static String run(int expectedStatus, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = SimMain.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status, output:%n%s", out).isEqualTo(expectedStatus);
        return out;
    }

    @Test
    void runsSeedsAndPrintsProgressAndSummary() {
        String out = run(0, "--seeds", "3", "--from", "10", "--ticks", "80", "--nodes", "3", "--profile", "crashes");
        assertThat(out).contains("seeds 10..12").contains("progress: 3/3 seeds").contains("summary: seeds 3")
                .contains("violations 0").contains("simulated events/s").doesNotContain("replay:")
                .containsPattern("snapshots: [1-9][0-9]* taken");
    }

    @Test
    void everyProfileRuns() {
        for (String profile : FaultProfile.NAMES) {
            assertThat(run(0, "--seeds", "1", "--ticks", "60", "--nodes", "5", "--profile", profile))
                    .as("profile %s", profile).contains("violations 0");
        }
    }

    @Test
    void rejectsBadArgumentsWithAClearMessage() {
        assertThatThrownBy(() -> SimMain.run(new String[] {"--nodes", "4"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--nodes must be 3, 5 or 7");
        assertThatThrownBy(() -> SimMain.run(new String[] {"--profile", "chaos"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown profile 'chaos'");
        assertThatThrownBy(() -> SimMain.run(new String[] {"--seeds", "x"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--seeds needs a number");
        assertThatThrownBy(() -> SimMain.run(new String[] {"--ticks"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
    }

    @Test
    void replayCommandNamesTheSeedAndSettings() {
        assertThat(SimMain.replayCommand(42, 300, 7, "partitions")).contains("dev.sansraft.sim.SimMain")
                .endsWith("--seeds 1 --from 42 --ticks 300 --nodes 7 --profile partitions");
    }
}
