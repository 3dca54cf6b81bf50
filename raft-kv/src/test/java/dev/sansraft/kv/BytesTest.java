package dev.sansraft.kv;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BytesTest {

    @Test
    void equalityAndHashFollowContentAndInputIsCopied() {
        byte[] raw = {1, 2, 3};
        Bytes a = Bytes.copyOf(raw);
        raw[0] = 9;
        assertThat(a).isEqualTo(Bytes.copyOf(new byte[]{1, 2, 3})).hasSameHashCodeAs(Bytes.copyOf(new byte[]{1, 2, 3}));
        assertThat(a.toByteArray()).containsExactly(1, 2, 3);
        a.toByteArray()[0] = 7;
        assertThat(a.toByteArray()).as("output is a copy").containsExactly(1, 2, 3);
        Map<Bytes, String> map = new HashMap<>();
        map.put(a, "x");
        assertThat(map.get(Bytes.copyOf(new byte[]{1, 2, 3}))).isEqualTo("x");
        assertThatThrownBy(() -> Bytes.copyOf(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void orderIsUnsignedLexicographic() {
        Bytes low = Bytes.copyOf(new byte[]{0x7F});
        Bytes high = Bytes.copyOf(new byte[]{(byte) 0x80});
        assertThat(low.compareTo(high)).as("0x80 sorts after 0x7F, as unsigned").isNegative();
        assertThat(Bytes.ofUtf8("ab").compareTo(Bytes.ofUtf8("abc"))).as("a prefix sorts first").isNegative();
        assertThat(Bytes.EMPTY.compareTo(Bytes.ofUtf8("a"))).isNegative();
    }

    @Test
    void toStringShowsLengthAndAShortHexPrefixOnly() {
        assertThat(Bytes.ofUtf8("hi").toString()).isEqualTo("Bytes[2B 6869]");
        assertThat(Bytes.copyOf(new byte[1000]).toString()).startsWith("Bytes[1000B 0000").endsWith("…]")
                .hasSizeLessThan(90);
    }
}
