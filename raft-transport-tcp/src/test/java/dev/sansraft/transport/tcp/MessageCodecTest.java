package dev.sansraft.transport.tcp;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.AppendResponse;
import dev.sansraft.core.Message.ReadIndexRequest;
import dev.sansraft.core.Message.ReadIndexResponse;
import dev.sansraft.core.Message.VoteRequest;
import dev.sansraft.core.Message.VoteResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class MessageCodecTest {

    private static final int MAX_FRAME = 2 << 20;
    private final MessageCodec codec = new MessageCodec(MAX_FRAME);

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void everyRandomMessageRoundTrips(long seed) throws Exception {
        RandomMessages messages = new RandomMessages(seed);
        ByteBuffer buffer = ByteBuffer.allocate(MAX_FRAME);
        for (int i = 0; i < 1_000; i++) {
            Message message = messages.next(messages.nodeId(), messages.nodeId());
            buffer.clear();
            codec.encode(message, buffer);
            assertThat(buffer.position()).as("frame size of %s (seed %d)", message, seed)
                    .isEqualTo(MessageCodec.frameSize(message));
            buffer.flip();
            assertThat(WireContent.of(codec.decode(buffer))).as("round trip of message %d (seed %d)", i, seed)
                    .isEqualTo(WireContent.of(message));
            assertThat(buffer.hasRemaining()).as("decode consumed the frame (seed %d)", seed).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {101, 102, 103})
    void framesDecodeBackToBackFromOneBuffer(long seed) throws Exception {
        RandomMessages messages = new RandomMessages(seed);
        List<Message> sent = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
        for (int i = 0; i < 500; i++) {
            Message message = messages.next(3, 4);
            sent.add(message);
            codec.encode(message, buffer);
        }
        buffer.flip();
        List<Message> decoded = new ArrayList<>();
        while (buffer.hasRemaining()) {
            decoded.add(codec.decode(buffer));
        }
        assertThat(WireContent.of(decoded)).as("seed %d", seed).isEqualTo(WireContent.of(sent));
    }

    @Test
    void edgeValuesRoundTrip() throws Exception {
        long max = Long.MAX_VALUE;
        byte[] big = new byte[1 << 20];
        new SplittableRandom(7).nextBytes(big);
        List<LogEntry> maxBatch = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            maxBatch.add(new LogEntry(max - 20_000 + 1 + i, max, EntryKind.NORMAL, new byte[0]));
        }
        List<Message> edges = List.of(
                new VoteRequest(max, max, max, max, max, true),
                new VoteRequest(1, 1, 0, Long.MIN_VALUE, Long.MIN_VALUE, false),
                new VoteRequest(1, 2, 3, 4, 5, false, true),
                new Message.TimeoutNow(max, max, max),
                new Message.TimeoutNow(1, 2, 0),
                new VoteResponse(max, 1, max, true, true),
                new VoteResponse(1, max, 0, false, false),
                new AppendRequest(1, 2, 0, 0, 0, List.of(), 0, 0),
                new AppendRequest(max, max, max, max, max, List.of(), max, max),
                new AppendRequest(max, max, max, max, max, List.of(), max, max, true),
                new AppendRequest(1, 2, 3, max - 1, max, List.of(LogEntry.noop(max, max)), max, max),
                new AppendRequest(1, 2, 3, 0, 0, List.of(LogEntry.normal(1, 1, big)), 0, 0),
                new AppendRequest(1, 2, 3, 0, 0, List.of(new LogEntry(1, 1, EntryKind.CONFIG, null)), 0, 0),
                new AppendRequest(1, 2, 3, max - 20_000, 9, maxBatch, 5, 6, true),
                new AppendResponse(max, max, max, true, max, max, max, max, max),
                new AppendResponse(1, 1, 0, false, 0, 0, 0, 0, 0),
                new ReadIndexRequest(max, max, max, Long.MIN_VALUE),
                new ReadIndexRequest(1, 1, 0, max),
                new ReadIndexResponse(max, max, max, max, max, true),
                new ReadIndexResponse(1, 1, 0, Long.MIN_VALUE, 0, false));
        ByteBuffer buffer = ByteBuffer.allocate(MAX_FRAME);
        for (Message message : edges) {
            buffer.clear();
            codec.encode(message, buffer);
            buffer.flip();
            assertThat(codec.decode(buffer)).as("round trip of %s", message).isEqualTo(message);
        }
    }

    @Test
    void encodeRefusesFramesOverTheMaximum() {
        MessageCodec small = new MessageCodec(MessageCodec.MIN_MAX_FRAME_BYTES);
        AppendRequest tooBig = new AppendRequest(1, 2, 1, 0, 0, List.of(LogEntry.normal(1, 1, new byte[2000])), 0,
                0);
        assertThatThrownBy(() -> small.encode(tooBig, ByteBuffer.allocate(4096)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds maxFrameBytes 1024");
    }

    @Test
    void lengthOverTheMaximumIsRefusedBeforeAnyAllocation() {
        ByteBuffer frame = ByteBuffer.allocate(64);
        frame.putInt(Integer.MAX_VALUE).putInt(0).put((byte) 1).put((byte) 3).flip();
        assertThatThrownBy(() -> codec.decode(frame))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("frame length field 2147483647");
        ByteBuffer negative = ByteBuffer.allocate(64);
        negative.putInt(-5).flip();
        assertThatThrownBy(() -> codec.decode(negative)).isInstanceOf(FrameDecodeException.class);
    }

    @Test
    void hostileCountsAndLengthsAreRefusedBeforeAllocation() {
        ByteBuffer body = appendRequestBody(Integer.MAX_VALUE);
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_APPEND_REQUEST, body)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("claims 2147483647 entries");

        ByteBuffer oneEntry = appendRequestBody(1);
        ByteBuffer withEntry = ByteBuffer.allocate(oneEntry.remaining() + 13);
        withEntry.put(oneEntry).putLong(1).put((byte) 0).putInt(Integer.MAX_VALUE).flip();
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_APPEND_REQUEST, withEntry)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("payload of 2147483647 bytes");

        ByteBuffer negativeCount = appendRequestBody(-1);
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_APPEND_REQUEST, negativeCount)))
                .isInstanceOf(FrameDecodeException.class);
    }

    @Test
    void invalidFieldValuesBecomeDecodeErrors() {
        ByteBuffer zeroSender = ByteBuffer.allocate(32).putLong(0).putLong(2).putLong(1).putLong(5).flip();
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_READ_INDEX_REQUEST, zeroSender)))
                .isInstanceOf(FrameDecodeException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node ids must be positive");

        ByteBuffer oneEntry = appendRequestBody(1);
        ByteBuffer badKind = ByteBuffer.allocate(oneEntry.remaining() + 13);
        badKind.put(oneEntry).putLong(1).put((byte) 9).putInt(0).flip();
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_APPEND_REQUEST, badKind)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("unknown entry kind code 9");

        ByteBuffer badFlags = ByteBuffer.allocate(25).putLong(1).putLong(2).putLong(3).put((byte) 4).flip();
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_VOTE_RESPONSE, badFlags)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("unknown flag bits");

        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_APPEND_REQUEST, appendRequestBody((byte) 2, 0))))
                .as("an append request has one flag, roundAwaited")
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("unknown flag bits");

        ByteBuffer trailing = ByteBuffer.allocate(33).putLong(1).putLong(2).putLong(3).putLong(4).put((byte) 0)
                .flip();
        assertThatThrownBy(() -> codec.decode(frame(MessageCodec.TYPE_READ_INDEX_REQUEST, trailing)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("trailing");

        assertThatThrownBy(() -> codec.decode(frame(99, ByteBuffer.allocate(0))))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("unknown message type");
    }

    @Test
    void otherVersionsAreRefusedAndAnOlderPeerIsNamedAsSuch() {
        ByteBuffer older = encode(new ReadIndexRequest(1, 2, 3, 4));
        older.put(8, (byte) 3);
        fixChecksum(older);
        assertThatThrownBy(() -> codec.decode(older))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("version 3, this node speaks 4")
                .hasMessageContaining("older sansraft");
        ByteBuffer newer = encode(new ReadIndexRequest(1, 2, 3, 4));
        newer.put(8, (byte) 5);
        fixChecksum(newer);
        assertThatThrownBy(() -> codec.decode(newer))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("version 5");
        ByteBuffer oldHello = ByteBuffer.allocate(512);
        codec.encodeHello(new Hello("c", 1), oldHello);
        oldHello.flip().put(8, (byte) 1);
        fixChecksum(oldHello);
        assertThatThrownBy(() -> codec.decodeHello(oldHello))
                .as("a version 1 node is refused at its handshake, before any snapshot message could confuse it")
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("version 1");
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void everySingleBitFlipIsDetected(long seed) {
        RandomMessages messages = new RandomMessages(seed);
        for (int m = 0; m < 30; m++) {
            ByteBuffer frame = encode(messages.next(1, 2));
            int size = frame.remaining();
            for (int bit = 0; bit < size * 8; bit++) {
                ByteBuffer copy = ByteBuffer.allocate(size).put(frame.duplicate()).flip();
                copy.put(bit / 8, (byte) (copy.get(bit / 8) ^ (1 << (bit % 8))));
                try {
                    Message decoded = codec.decode(copy);
                    fail("bit " + bit + " flipped in a " + size + "-byte frame decoded as " + decoded + " (seed "
                            + seed + ")");
                } catch (FrameDecodeException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25})
    void truncatedFramesAreDecodeErrors(long seed) {
        RandomMessages messages = new RandomMessages(seed);
        for (int m = 0; m < 50; m++) {
            ByteBuffer frame = encode(messages.next(1, 2));
            for (int cut = 0; cut < frame.remaining(); cut += 1 + cut / 8) {
                ByteBuffer part = frame.duplicate();
                part.limit(cut);
                assertThatThrownBy(() -> codec.decode(part)).as("cut at %d (seed %d)", cut, seed)
                        .isInstanceOf(FrameDecodeException.class);
            }
        }
    }

    /**
     * An attacker can compute checksums, so the body parser itself must hold against any bytes: mutate valid
     * frames, re-seal them with a correct checksum, and accept only a decoded message or a decode error.
     */
    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33, 34, 35, 36, 37, 38})
    void mutatedFramesWithValidChecksumsOnlyEverYieldDecodeErrors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        RandomMessages messages = new RandomMessages(seed);
        for (int m = 0; m < 3_000; m++) {
            ByteBuffer frame = encode(messages.next(1, 2));
            int mutations = 1 + random.nextInt(4);
            for (int k = 0; k < mutations; k++) {
                int at = 8 + random.nextInt(frame.remaining() - 8);
                frame.put(at, (byte) random.nextInt(256));
            }
            fixChecksum(frame);
            try {
                codec.decode(frame);
            } catch (FrameDecodeException expected) {
                assertThat(expected).hasMessageNotContaining("null");
            } catch (RuntimeException e) {
                throw new AssertionError("decoder leaked " + e + " (seed " + seed + ", message " + m + ")", e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {41, 42, 43})
    void randomBytesOnlyEverYieldDecodeErrors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            if (bytes.length >= 4 && random.nextBoolean()) {
                buffer.putInt(0, bytes.length - 4);
            }
            try {
                codec.decode(buffer);
                fail("random bytes decoded (seed " + seed + ", case " + i + ")");
            } catch (FrameDecodeException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError("decoder leaked " + e + " (seed " + seed + ", case " + i + ")", e);
            }
        }
    }

    @Test
    void handshakeRoundTripsAndIsNotAMessage() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        Hello hello = new Hello("prod-ü-cluster", Long.MAX_VALUE);
        codec.encodeHello(hello, buffer);
        buffer.flip();
        assertThat(codec.decodeHello(buffer.duplicate())).isEqualTo(hello);
        assertThatThrownBy(() -> codec.decode(buffer.duplicate()))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("unknown message type Hello");
        ByteBuffer message = encode(new ReadIndexRequest(1, 2, 3, 4));
        assertThatThrownBy(() -> codec.decodeHello(message))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("expected a handshake frame");
    }

    @Test
    void handshakeWithBadMagicOrUtf8IsRefused() {
        ByteBuffer magic = ByteBuffer.allocate(14).putInt(0x12345678).putLong(1).put((byte) 1).put((byte) 'a')
                .flip();
        assertThatThrownBy(() -> codec.decodeHello(frame(MessageCodec.TYPE_HELLO, magic)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("magic");
        ByteBuffer utf8 = ByteBuffer.allocate(14).putInt(MessageCodec.HELLO_MAGIC).putLong(1).put((byte) 1)
                .put((byte) 0xC3).flip();
        assertThatThrownBy(() -> codec.decodeHello(frame(MessageCodec.TYPE_HELLO, utf8)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("UTF-8");
        ByteBuffer node = ByteBuffer.allocate(14).putInt(MessageCodec.HELLO_MAGIC).putLong(-3).put((byte) 1)
                .put((byte) 'a').flip();
        assertThatThrownBy(() -> codec.decodeHello(frame(MessageCodec.TYPE_HELLO, node)))
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("node id must be positive");
    }

    private ByteBuffer encode(Message message) {
        ByteBuffer buffer = ByteBuffer.allocate((int) MessageCodec.frameSize(message));
        codec.encode(message, buffer);
        return buffer.flip();
    }

    /** An AppendRequest body up to and including its entry count. */
    private static ByteBuffer appendRequestBody(int count) {
        return appendRequestBody((byte) 0, count);
    }

    private static ByteBuffer appendRequestBody(byte flags, int count) {
        ByteBuffer body = ByteBuffer.allocate(61);
        body.putLong(1).putLong(2).putLong(3).putLong(0).putLong(0).putLong(0).putLong(0).put(flags).putInt(count);
        return body.flip();
    }

    /** A well-formed frame (correct length and checksum) around an arbitrary body. */
    static ByteBuffer frame(int type, ByteBuffer body) {
        ByteBuffer frame = ByteBuffer.allocate(10 + body.remaining());
        frame.putInt(6 + body.remaining()).putInt(0).put((byte) MessageCodec.VERSION).put((byte) type).put(body);
        frame.flip();
        fixChecksum(frame);
        return frame;
    }

    static void fixChecksum(ByteBuffer frame) {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = frame.duplicate();
        covered.position(frame.position() + 8);
        crc.update(covered);
        frame.putInt(frame.position() + 4, (int) crc.getValue());
    }
}
