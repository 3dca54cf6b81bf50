package dev.sansraft.examples.bench;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The machine-floor probe: its flags, its Little's-law ceilings, and a short run that measures all three floors. */
class MachineFloorTest {

    @Test
    void ceilingsFollowLittlesLaw() {
        MachineFloor.Floors f = new MachineFloor.Floors(350, 66, 20);
        // 64 in flight: writes of 416 us (any design) and 456 us (two hand-offs), reads of 66 and 86 us.
        assertThat(f.writeCeiling(64, 0)).isCloseTo(64e6 / 416, Offset.offset(1e-6));
        assertThat(f.writeCeiling(64, 2)).isCloseTo(64e6 / 456, Offset.offset(1e-6));
        assertThat(f.readCeiling(64, 0)).isCloseTo(64e6 / 66, Offset.offset(1e-6));
        assertThat(f.readCeiling(64, 1)).isCloseTo(64e6 / 86, Offset.offset(1e-6));
        assertThatThrownBy(() -> MachineFloor.ceiling(64, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latency must be positive");
    }

    @Test
    void theMedianIsTakenPerFloor() {
        MachineFloor.Floors m = MachineFloor.Floors.median(List.of(new MachineFloor.Floors(300, 70, 10),
                new MachineFloor.Floors(200, 90, 30), new MachineFloor.Floors(400, 60, 20)));
        assertThat(m).isEqualTo(new MachineFloor.Floors(300, 70, 20));
    }

    @Test
    void flagsAreParsedAndBadOnesRefusedWithTheFlagNamed() {
        MachineFloor.Options o = MachineFloor.Options.parse("--writers", "2", "--bytes", "100", "--runs", "1");
        assertThat(o.writers()).isEqualTo(2);
        assertThat(o.bytes()).isEqualTo(100);
        assertThat(o.runs()).isEqualTo(1);
        assertThat(o.concurrency()).isEqualTo(64);
        assertThat(MachineFloor.Options.parse().writers()).as("one writer by default: a floor is optimistic")
                .isEqualTo(1);
        assertThatThrownBy(() -> MachineFloor.Options.parse("--writers", "0"))
                .hasMessageContaining("--writers must be positive, got 0");
        assertThatThrownBy(() -> MachineFloor.Options.parse("--bytes", "lots"))
                .hasMessageContaining("--bytes takes a number, got 'lots'");
        assertThatThrownBy(() -> MachineFloor.Options.parse("--fsync", "off"))
                .hasMessageContaining("unknown flag --fsync");
        assertThatThrownBy(() -> MachineFloor.Options.parse("--runs")).hasMessageContaining("flags come in pairs");
    }

    @Test
    void aShortRunMeasuresEveryFloorAndCleansUp(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MachineFloor.Floors f = MachineFloor.run(MachineFloor.Options.parse("--dir", dir.toString(), "--writers", "2",
                "--duration-ms", "100", "--samples", "200", "--runs", "1"), new PrintStream(bytes, true,
                StandardCharsets.UTF_8));
        assertThat(f.syncMicros()).isPositive();
        assertThat(f.rttMicros()).isPositive();
        assertThat(f.handoffMicros()).isPositive();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("run 1: sync").contains("median of 1: sync")
                .contains("writes <=").contains("(this runtime), ReadIndex reads <=");
        try (var files = Files.list(dir)) {
            assertThat(files).as("the sync files are deleted").isEmpty();
        }
    }
}
