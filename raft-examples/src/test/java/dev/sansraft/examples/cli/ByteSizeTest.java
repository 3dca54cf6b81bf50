package dev.sansraft.examples.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {

    @Test
    void readsPlainNumbersAndBinaryUnitsInAnyCase() {
        assertThat(ByteSize.parse("4096")).isEqualTo(4096);
        assertThat(ByteSize.parse("0")).isZero();
        assertThat(ByteSize.parse("64KiB")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse("64k")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse(" 256 MiB ")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("1gb")).isEqualTo(1L << 30);
        assertThat(ByteSize.parse("2T")).isEqualTo(2L << 40);
        assertThat(ByteSize.parse("7B")).isEqualTo(7);
    }

    @Test
    void refusesNegativeFractionalUnknownAndOverflowingSizes() {
        for (String bad : List.of("", "-1", "1.5GiB", "10 parsecs", "MiB", "9223372036854775807K",
                "99999999999999999999")) {
            assertThatThrownBy(() -> ByteSize.parse(bad)).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void formatsInTheLargestExactUnitAndParsesBack() {
        assertThat(ByteSize.format(256L << 20)).isEqualTo("256MiB");
        assertThat(ByteSize.format(64L << 20)).isEqualTo("64MiB");
        assertThat(ByteSize.format(1536)).isEqualTo("1536");
        assertThat(ByteSize.format(0)).isEqualTo("0");
        for (long v : new long[] {0, 1, 1023, 1024, 3L << 30, (5L << 20) + 1}) {
            assertThat(ByteSize.parse(ByteSize.format(v))).isEqualTo(v);
        }
    }

    @Test
    void flagValuesOutsideTheRangeNameTheFlag() {
        FlagSet set = new FlagSet("demo", "A demo.").flag("size", "SIZE", "1MiB", "a size");
        assertThat(set.parse(List.of()).byteSize("size", 0, 1L << 30)).isEqualTo(1L << 20);
        assertThatThrownBy(() -> set.parse(List.of("--size", "2GiB")).byteSize("size", 0, 1L << 30))
                .isInstanceOf(UsageException.class).hasMessageContaining("--size").hasMessageContaining("1GiB");
        assertThatThrownBy(() -> set.parse(List.of("--size", "lots")).byteSize("size", 0, 1L << 30))
                .isInstanceOf(UsageException.class).hasMessageContaining("--size").hasMessageContaining("'lots'");
    }
}
