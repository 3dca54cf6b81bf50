package dev.sansraft.examples.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlagSetTest {

    private static FlagSet flags() {
        return new FlagSet("demo", "A demo command.")
                .flag("id", "ID", null, "required id")
                .flag("count", "N", "3", "how many")
                .flag("time", "TIME", "10s", "how long")
                .flag("ratio", "R", "0.5", "a fraction")
                .flag("mode", "M", "fast", "fast or slow");
    }

    @Test
    void parsesBothFlagFormsAndFillsDefaults() {
        ParsedFlags p = flags().parse(List.of("--id", "7", "--count=9"));
        assertThat(p.longValue("id", 1, 100)).isEqualTo(7);
        assertThat(p.intValue("count", 1, 10)).isEqualTo(9);
        assertThat(p.duration("time")).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.doubleValue("ratio", 0, 1)).isEqualTo(0.5);
        assertThat(p.choice("mode", "fast", "slow")).isEqualTo("fast");
    }

    @Test
    void durationsAcceptMillisecondsSecondsAndMinutes() {
        assertThat(flags().parse(List.of("--id", "1", "--time", "250ms")).duration("time"))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(flags().parse(List.of("--id", "1", "--time", "2m")).duration("time"))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(flags().parse(List.of("--id", "1", "--time", "5")).duration("time"))
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void rejectsUnknownMissingDuplicateAndPositionalArguments() {
        assertThatThrownBy(() -> flags().parse(List.of("--id", "1", "--bogus", "2")))
                .isInstanceOf(UsageException.class).hasMessageContaining("unknown flag --bogus");
        assertThatThrownBy(() -> flags().parse(List.of("--count", "2")))
                .isInstanceOf(UsageException.class).hasMessageContaining("--id is required");
        assertThatThrownBy(() -> flags().parse(List.of("--id", "1", "--id", "2")))
                .isInstanceOf(UsageException.class).hasMessageContaining("more than once");
        assertThatThrownBy(() -> flags().parse(List.of("--id")))
                .isInstanceOf(UsageException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> flags().parse(List.of("stray")))
                .isInstanceOf(UsageException.class).hasMessageContaining("'stray'");
    }

    @Test
    void rejectsBadValuesNamingTheFlag() {
        ParsedFlags p = flags().parse(List.of("--id", "x", "--count", "99", "--time", "soon", "--ratio", "2",
                "--mode", "medium"));
        assertThatThrownBy(() -> p.longValue("id", 1, 10)).hasMessageContaining("--id: 'x' is not an integer");
        assertThatThrownBy(() -> p.intValue("count", 1, 10)).hasMessageContaining("99 is outside [1, 10]");
        assertThatThrownBy(() -> p.duration("time")).hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> p.doubleValue("ratio", 0, 1)).hasMessageContaining("outside");
        assertThatThrownBy(() -> p.choice("mode", "fast", "slow")).hasMessageContaining("not one of fast, slow");
        assertThatThrownBy(() -> flags().parse(List.of("--id", "1", "--time", "0s")).duration("time"))
                .hasMessageContaining("must be positive");
    }

    @Test
    void helpAnywhereWinsAndUsageListsEveryFlag() {
        assertThatThrownBy(() -> flags().parse(List.of("--bogus", "1", "--help")))
                .isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> flags().parse(List.of("-h"))).isInstanceOf(HelpRequested.class);
        assertThat(flags().usage()).contains("usage: raft-examples demo --id ID [flags]", "--count N",
                "(default 3)", "--help");
    }
}
