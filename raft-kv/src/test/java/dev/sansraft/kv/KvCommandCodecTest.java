package dev.sansraft.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class KvCommandCodecTest {

    private final KvCommandCodec codec = new KvCommandCodec(new KvLimits(64, 256));

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234567})
    void randomCommandsRoundTrip(long seed) {
        RandomCommands gen = new RandomCommands(seed, 50, 256, 3);
        for (int i = 0; i < 2000; i++) {
            KvCommand command = gen.command();
            byte[] bytes = codec.encode(command);
            assertThat(codec.decode(bytes)).as("seed %d command %d", seed, i).isEqualTo(command);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 8, 9})
    void randomResultsRoundTrip(long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            long index = random.nextInt(4) == 0 ? Long.MAX_VALUE - random.nextInt(10) : random.nextInt(1 << 20);
            byte[] value = new byte[random.nextInt(257)];
            random.nextBytes(value);
            List<KvResult> all = List.of(new PutResult(index), new DeleteResult(random.nextBoolean(), index),
                    new CasResult(CasResult.Outcome.SWAPPED, index, null),
                    new CasResult(CasResult.Outcome.ABSENT, index, null),
                    new CasResult(CasResult.Outcome.MISMATCH, index, value),
                    new GetResult(value, index), new GetResult(null, index),
                    new KvResult.Failure(KvError.STALE_SEQUENCE, "stale ✓ " + i, index));
            for (KvResult result : all) {
                assertThat(codec.decodeResult(codec.encodeResult(result))).as("seed %d result %s", seed, result)
                        .isEqualTo(result);
            }
        }
    }

    @Test
    void putIsCompact() {
        SessionTag session = new SessionTag(-1L, 300, 300);
        byte[] bytes = codec.encode(new KvCommand.Put(session, Bytes.ofUtf8("key"), Bytes.ofUtf8("value")));
        // version, op, flags, client id 8, sequence 2, distance 1, key 1+3, value 1+5
        assertThat(bytes).hasSize(3 + 8 + 2 + 1 + 4 + 6);
    }

    @Test
    void oversizedKeyOrValueIsRefusedWhenEncoding() {
        Bytes bigKey = Bytes.copyOf(new byte[65]);
        Bytes bigValue = Bytes.copyOf(new byte[257]);
        assertThatThrownBy(() -> codec.encode(new KvCommand.Delete(null, bigKey)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key is 65 bytes, limit is 64");
        assertThatThrownBy(() -> codec.encode(new KvCommand.Put(null, Bytes.EMPTY, bigValue)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("257");
        assertThatThrownBy(() -> codec.encode(new KvCommand.CompareAndSet(null, Bytes.EMPTY, Bytes.EMPTY, bigValue)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oversizedLengthsAreRefusedBeforeAllocating() {
        // put with a key length of 2^31-1 declared in five bytes and nothing behind it
        byte[] hugeKey = {1, 1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        assertThatThrownBy(() -> codec.decode(hugeKey)).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("key length 2147483647 exceeds limit 64");
        byte[] bigValue = {1, 1, 0, 1, 'k', (byte) 0x81, 0x02}; // value length 257 > 256
        assertThatThrownBy(() -> codec.decode(bigValue)).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("value length 257 exceeds limit 256");
        // a length within the limit but longer than what is left
        byte[] truncated = {1, 1, 0, 10, 'k'};
        assertThatThrownBy(() -> codec.decode(truncated)).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("declares 10 bytes, 1 left");
    }

    @Test
    void headerErrorsNameTheProblem() {
        assertCodecError(new byte[0], "missing version");
        assertCodecError(new byte[]{2, 1, 0, 0, 0}, "unsupported command format version 2");
        assertCodecError(new byte[]{1, 9, 0, 0}, "unknown op code 9");
        assertCodecError(new byte[]{1, 2, 4, 0}, "unknown flag bits 0x4");
        assertCodecError(new byte[]{1, 2, 0, 0, 0}, "1 trailing bytes");
        assertCodecError(new byte[]{1, 2, 0, (byte) 0x80, 0}, "overlong varint");
        assertCodecError(new byte[]{1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "session sequence must be >= 1");
        assertCodecError(new byte[]{1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 0}, "unacked distance 3 not below");
        byte[] tooLong = {1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 0};
        assertCodecError(tooLong, "overflows 64 bits");
        assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(KvCodecException.class);
        assertThatThrownBy(() -> codec.decodeResult(new byte[]{1, 3, 5, 9})).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("unknown compare-and-set outcome");
        assertThatThrownBy(() -> codec.decodeResult(new byte[]{1, 2, 5, 2})).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("existed flag must be 0 or 1, got 2");
    }

    private void assertCodecError(byte[] bytes, String expected) {
        assertThatThrownBy(() -> codec.decode(bytes)).as(Arrays.toString(bytes))
                .isInstanceOf(KvCodecException.class).hasMessageContaining(expected);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14})
    void everyTruncationOfAValidCommandIsACodecError(long seed) {
        RandomCommands gen = new RandomCommands(seed, 50, 40, 2);
        for (int i = 0; i < 150; i++) {
            byte[] bytes = codec.encode(gen.command());
            for (int len = 0; len < bytes.length; len++) {
                byte[] prefix = Arrays.copyOf(bytes, len);
                assertThatThrownBy(() -> codec.decode(prefix)).as("seed %d command %d prefix %d", seed, i, len)
                        .isInstanceOf(KvCodecException.class);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25})
    void hostileBytesDecodeCanonicallyOrFailWithCodecExceptionOnly(long seed) {
        Random random = new Random(seed);
        RandomCommands gen = new RandomCommands(seed, 50, 40, 2);
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = codec.encode(gen.command()); // a valid command with 1-3 bytes changed
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            } else {
                bytes = new byte[random.nextInt(24)]; // noise, mostly with a plausible header
                random.nextBytes(bytes);
                if (bytes.length > 2 && random.nextBoolean()) {
                    bytes[0] = 1;
                    bytes[1] = (byte) (1 + random.nextInt(4));
                    bytes[2] = (byte) random.nextInt(2);
                }
            }
            for (KvCommandCodec c : List.of(codec, KvCommandCodec.withDefaultLimits())) {
                try {
                    KvCommand decoded = c.decode(bytes);
                    accepted++;
                    assertThat(c.encode(decoded)).as("seed %d input %d re-encodes to the same bytes", seed, i)
                            .isEqualTo(bytes);
                } catch (KvCodecException expected) {
                    assertThat(expected.offset()).as("seed %d", seed).isBetween(0, bytes.length);
                } catch (RuntimeException e) {
                    fail("seed " + seed + " input " + i + " " + Arrays.toString(bytes) + " threw " + e, e);
                }
                try {
                    c.decodeResult(bytes);
                } catch (KvCodecException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                } catch (RuntimeException e) {
                    fail("seed " + seed + " result input " + i + " " + Arrays.toString(bytes) + " threw " + e, e);
                }
            }
        }
        assertThat(accepted).as("seed %d: some mutations stay valid", seed).isPositive();
    }

    @Test
    void longFailureMessagesAreCutOnACharacterBoundary() {
        String message = "é".repeat(2000);
        KvResult decoded = codec.decodeResult(codec.encodeResult(
                new KvResult.Failure(KvError.MALFORMED_COMMAND, message, 3)));
        String cut = ((KvResult.Failure) decoded).message();
        assertThat(cut).hasSize(KvCommandCodec.MAX_MESSAGE_BYTES / 2).matches("é+");
    }
}
