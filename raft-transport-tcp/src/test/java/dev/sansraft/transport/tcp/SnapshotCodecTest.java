package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.Message.InstallSnapshotResponse;
import dev.sansraft.core.SnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The snapshot messages on the wire: round trips at the edges, and hostile frames that must only be decode errors. */
class SnapshotCodecTest {

    private static final int MIB = 1 << 20;
    private static final List<Long> THREE = List.of(1L, 2L, 3L);
    private final MessageCodec codec = new MessageCodec(2 * MIB);

    @Test
    void chunksAndResponsesRoundTripAtTheirEdges() throws Exception {
        byte[] chunk = new byte[4096];
        new SplittableRandom(3).nextBytes(chunk);
        List<Long> many = LongStream.rangeClosed(1, MessageCodec.MAX_SNAPSHOT_MEMBERS).boxed().toList();
        long max = Long.MAX_VALUE;
        List<Message> edges = List.of(
                new InstallSnapshot(1, 2, 1, info(1, 1, THREE, 0, 0), 0, new byte[0]),
                new InstallSnapshot(1, 2, 5, info(9, 4, THREE, 10_000, 0xFFFF_FFFFL), 0, chunk),
                new InstallSnapshot(1, 2, 5, info(9, 4, THREE, 10_000, 7), 4096, chunk),
                new InstallSnapshot(1, 2, 5, info(9, 4, THREE, 10_000, 7), 10_000 - 4096, chunk),
                new InstallSnapshot(1, 2, 5, info(9, 4, THREE, 10_000, 7), 10_000, new byte[0]),
                new InstallSnapshot(max, max, max, info(max, max, List.of(max), max, 1), max - chunk.length, chunk),
                new InstallSnapshot(1, 4096, 2, info(3, 2, many, 4096, 5), 0, chunk),
                new InstallSnapshotResponse(2, 1, 5, 9, 4096, true, false),
                new InstallSnapshotResponse(2, 1, 5, 9, 10_000, true, true),
                new InstallSnapshotResponse(2, 1, 5, 9, 0, false, false),
                new InstallSnapshotResponse(max, max, max, max, max, false, true),
                new InstallSnapshotResponse(1, 1, 0, 0, 0, false, false));
        for (Message message : edges) {
            ByteBuffer frame = encode(codec, message);
            assertThat(frame.remaining()).as("frame size of %s", MessageCodec.describe(message))
                    .isEqualTo(MessageCodec.frameSize(message));
            assertThat(WireContent.of(codec.decode(frame))).as("round trip of %s", MessageCodec.describe(message))
                    .isEqualTo(WireContent.of(message));
            assertThat(frame.hasRemaining()).isFalse();
        }
    }

    @Test
    void aOneMebibyteChunkFitsAFrameOfExactlyItsSize() throws Exception {
        byte[] data = new byte[MIB];
        new SplittableRandom(11).nextBytes(data);
        int frameBytes = (int) MessageCodec.installSnapshotFrameBytes(THREE.size(), MIB);
        assertThat(frameBytes).as("header, members and length add little to a chunk").isEqualTo(MIB + 78 + 24);
        assertThat(MessageCodec.installSnapshotFrameBytes(7, MIB))
                .as("the default 16 MiB maximum frame admits a 1 MiB chunk of a 7-node cluster")
                .isLessThanOrEqualTo(16 * MIB);
        MessageCodec exact = new MessageCodec(frameBytes);
        InstallSnapshot last = new InstallSnapshot(1, 2, 3, info(50, 3, THREE, 3L * MIB, 99), 2L * MIB, data);
        ByteBuffer frame = encode(exact, last);
        InstallSnapshot decoded = (InstallSnapshot) exact.decode(frame);
        assertThat(decoded.data()).as("the chunk's bytes").isEqualTo(data);
        assertThat(decoded.isLast()).isTrue();

        MessageCodec tooSmall = new MessageCodec(frameBytes - 1);
        assertThatThrownBy(() -> tooSmall.encode(last, ByteBuffer.allocate(2 * MIB)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds maxFrameBytes " + (frameBytes - 1));
        ByteBuffer again = encode(exact, last);
        assertThatThrownBy(() -> tooSmall.decode(again)).as("a receiver with a smaller maximum refuses the frame")
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("frame length field");
    }

    @Test
    void aSnapshotCarriesItsWholeConfigurationOnTheWire() throws Exception {
        dev.sansraft.core.Membership joint = new dev.sansraft.core.Membership(
                List.of(new dev.sansraft.core.Membership.Member(1, "h1:9001/8001"),
                        new dev.sansraft.core.Membership.Member(4, "h4:9004/8004")),
                List.of(new dev.sansraft.core.Membership.Member(1, "h1:9001/8001"),
                        new dev.sansraft.core.Membership.Member(2, "h2:9002/8002"),
                        new dev.sansraft.core.Membership.Member(3, "")),
                List.of(new dev.sansraft.core.Membership.Member(7, "h7:9007/8007")));
        InstallSnapshot chunk = new InstallSnapshot(1, 2, 5, new SnapshotInfo(9, 4, joint, 10, 3), 0, new byte[10]);
        ByteBuffer frame = encode(codec, chunk);
        assertThat(frame.remaining()).isEqualTo(MessageCodec.frameSize(chunk));
        InstallSnapshot decoded = (InstallSnapshot) codec.decode(frame);
        assertThat(decoded.snapshot().membership()).as("voters, learners, endpoints and the joint state")
                .isEqualTo(joint);

        InstallSnapshot plain = new InstallSnapshot(1, 2, 5, info(9, 4, THREE, 10, 3), 0, new byte[10]);
        assertThat(MessageCodec.frameSize(plain)).as("a plain voter list needs no configuration block")
                .isEqualTo(MessageCodec.installSnapshotFrameBytes(3, 10));

        // A block whose voters differ from the frame's member list is refused.
        ByteBuffer tampered = encode(codec, chunk);
        int listStart = 10 + 24 + 36 + 4;
        tampered.putLong(listStart, 5);
        MessageCodecTest.fixChecksum(tampered);
        assertThatThrownBy(() -> codec.decode(tampered)).isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining("does not match the member list");
    }

    @Test
    void moreMembersThanTheWireAllowsAreRefusedWhenEncoding() {
        List<Long> tooMany = LongStream.rangeClosed(1, MessageCodec.MAX_SNAPSHOT_MEMBERS + 1).boxed().toList();
        InstallSnapshot chunk = new InstallSnapshot(1, 2, 1, info(1, 1, tooMany, 0, 0), 0, new byte[0]);
        assertThatThrownBy(() -> codec.encode(chunk, ByteBuffer.allocate(MIB)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lists 4097 members, at most 4096");
    }

    @Test
    void rawChunkFixtureIsValidUntilTamperedWith() throws Exception {
        Message decoded = codec.decode(new RawChunk().frame());
        assertThat(decoded).isInstanceOf(InstallSnapshot.class);
        assertThat(((InstallSnapshot) decoded).snapshot()).isEqualTo(info(7, 2, THREE, 100, 0x1234));
        assertThat(new ArrayList<>(((InstallSnapshot) decoded).snapshot().members())).isEqualTo(THREE);
    }

    @Test
    void hostileCountsLengthsAndOffsetsAreDecodeErrorsWithContext() {
        expectDecodeError("negative member count", b -> b.members = -1, "claims -1 members");
        expectDecodeError("no members", b -> b.members = 0, "claims 0 members");
        expectDecodeError("absurd member count", b -> b.members = Integer.MAX_VALUE, "claims 2147483647 members");
        expectDecodeError("more members than allowed, all present",
                b -> b.memberIds = LongStream.rangeClosed(1, 4097).toArray(), "claims 4097 members");
        expectDecodeError("more members than bytes", b -> b.members = 5, "claims 5 members");
        expectDecodeError("negative chunk length", b -> b.dataLength = -1, "claims -1 bytes");
        expectDecodeError("chunk length beyond the frame", b -> b.dataLength = 100, "claims 100 bytes but only 10");
        expectDecodeError("chunk length Integer.MAX_VALUE", b -> b.dataLength = Integer.MAX_VALUE,
                "claims 2147483647 bytes");
        expectDecodeError("offset + length overflows a long", b -> {
            b.offset = Long.MAX_VALUE;
            b.sizeBytes = Long.MAX_VALUE;
        }, "outside the snapshot's");
        expectDecodeError("chunk past the snapshot's end", b -> b.offset = 95, "[95, +10) lies outside");
        expectDecodeError("negative size", b -> b.sizeBytes = -1, "outside the snapshot's -1 bytes");
        expectDecodeError("negative offset", b -> b.offset = -3, "lies outside");
        expectDecodeError("bytes after the chunk", b -> b.trailing = 1, "trailing");
        expectDecodeError("no room for the chunk length", b -> b.cutAfterMembers = true,
                "claims 3 members (1 to 4096 allowed) with 24 bytes left");
    }

    @Test
    void valuesTheRecordsRejectBecomeDecodeErrorsWithTheirCause() {
        String invalid = "invalid InstallSnapshot frame";
        expectRecordRejection("repeated member", b -> b.memberIds = new long[] {1, 2, 2}, invalid, "repeated member");
        expectRecordRejection("member id 0", b -> b.memberIds = new long[] {1, 0}, invalid, "invalid or repeated");
        expectRecordRejection("snapshot index 0", b -> b.index = 0, invalid, "index and term must be at least 1");
        expectRecordRejection("snapshot term 0", b -> b.snapshotTerm = 0, invalid, "must be at least 1");
        expectRecordRejection("sender 0", b -> b.from = 0, invalid, "node ids must be positive");

        ByteBuffer badFlags = ByteBuffer.allocate(41).putLong(2).putLong(1).putLong(3).putLong(4).putLong(5)
                .put((byte) 4).flip();
        assertThatThrownBy(() -> codec.decode(MessageCodecTest.frame(MessageCodec.TYPE_INSTALL_SNAPSHOT_RESPONSE,
                badFlags))).isInstanceOf(FrameDecodeException.class).hasMessageContaining("unknown flag bits 0x4");
        ByteBuffer negative = ByteBuffer.allocate(41).putLong(2).putLong(1).putLong(3).putLong(4).putLong(-5)
                .put((byte) 1).flip();
        assertThatThrownBy(() -> codec.decode(MessageCodecTest.frame(MessageCodec.TYPE_INSTALL_SNAPSHOT_RESPONSE,
                negative))).isInstanceOf(FrameDecodeException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nextOffset=-5");
    }

    @ParameterizedTest
    @ValueSource(longs = {51, 52, 53, 54, 55, 56})
    void truncatedSnapshotFramesAreDecodeErrors(long seed) {
        RandomMessages messages = new RandomMessages(seed);
        for (int m = 0; m < 40; m++) {
            Message message = m % 4 == 0 ? new InstallSnapshotResponse(2, 1, m, m, m, true, m % 8 == 0)
                    : messages.installSnapshot(1, 2, m, m % 9, 2_000);
            ByteBuffer frame = encode(codec, message);
            for (int cut = 0; cut < frame.remaining(); cut += 1 + cut / 16) {
                ByteBuffer part = frame.duplicate();
                part.limit(cut);
                int at = cut;
                assertDecodeErrorOnly(part, () -> "cut at " + at + " of " + MessageCodec.describe(message) + " (seed "
                        + seed + ")", true);
            }
        }
    }

    /**
     * Valid chunks with a few bytes overwritten and the checksum repaired (an attacker can compute it): the decoder
     * must return a message or throw its decode exception, nothing else. Mutations favour the header, members and
     * length fields, where hostile values do the most harm.
     */
    @ParameterizedTest
    @ValueSource(longs = {61, 62, 63, 64, 65, 66, 67, 68})
    void mutatedSnapshotFramesOnlyEverYieldDecodeErrors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        RandomMessages messages = new RandomMessages(seed);
        for (int m = 0; m < 2_000; m++) {
            Message message = m % 5 == 0 ? new InstallSnapshotResponse(2, 1, 3, m, m, true, false)
                    : messages.installSnapshot(1, 2, 3, random.nextInt(6), 200);
            ByteBuffer frame = encode(codec, message);
            int mutations = 1 + random.nextInt(4);
            for (int k = 0; k < mutations; k++) {
                int span = Math.min(frame.remaining() - 10, random.nextBoolean() ? 120 : Integer.MAX_VALUE);
                int at = 10 + random.nextInt(span);
                frame.put(at, (byte) random.nextInt(256));
            }
            MessageCodecTest.fixChecksum(frame);
            int index = m;
            assertDecodeErrorOnly(frame, () -> "mutated message " + index + " (seed " + seed + ")", false);
        }
    }

    /** Random bodies behind a correct snapshot frame header, with counts and lengths often at hostile edges. */
    @ParameterizedTest
    @ValueSource(longs = {71, 72, 73, 74, 75})
    void randomBodiesOfSnapshotFramesOnlyEverYieldDecodeErrors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] edges = {Integer.MIN_VALUE, -1, 0, 1, 2, 3, 4096, 4097, Integer.MAX_VALUE};
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            ByteBuffer body = ByteBuffer.wrap(bytes);
            if (bytes.length >= 64 && random.nextBoolean()) {
                body.putInt(60, edges[random.nextInt(edges.length)]);
            }
            int type = random.nextBoolean() ? MessageCodec.TYPE_INSTALL_SNAPSHOT
                    : MessageCodec.TYPE_INSTALL_SNAPSHOT_RESPONSE;
            ByteBuffer frame = MessageCodecTest.frame(type, body);
            int index = i;
            assertDecodeErrorOnly(frame, () -> "random body " + index + " of " + MessageCodec.typeName(type)
                    + " (seed " + seed + ")", false);
        }
    }

    private void assertDecodeErrorOnly(ByteBuffer frame, Supplier<String> what, boolean mustFail) {
        try {
            Message decoded = codec.decode(frame);
            if (mustFail) {
                throw new AssertionError(what.get() + " decoded as " + MessageCodec.describe(decoded));
            }
        } catch (FrameDecodeException expected) {
            assertThat(expected.getMessage()).as(what.get()).isNotBlank();
        } catch (RuntimeException e) {
            throw new AssertionError("decoder leaked " + e + " for " + what.get(), e);
        }
    }

    private void expectDecodeError(String what, Consumer<RawChunk> tamper, String expected) {
        RawChunk raw = new RawChunk();
        tamper.accept(raw);
        assertThatThrownBy(() -> codec.decode(raw.frame())).as(what)
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining(expected);
    }

    private void expectRecordRejection(String what, Consumer<RawChunk> tamper, String expected, String cause) {
        RawChunk raw = new RawChunk();
        tamper.accept(raw);
        assertThatThrownBy(() -> codec.decode(raw.frame())).as(what)
                .isInstanceOf(FrameDecodeException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining(cause)
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    private static SnapshotInfo info(long index, long term, List<Long> members, long size, long checksum) {
        return new SnapshotInfo(index, term, members, size, checksum);
    }

    private static ByteBuffer encode(MessageCodec codec, Message message) {
        ByteBuffer buffer = ByteBuffer.allocate((int) MessageCodec.frameSize(message));
        codec.encode(message, buffer);
        return buffer.flip();
    }

    /** The fields of an InstallSnapshot frame written by hand, valid until a test tampers with one. */
    private static final class RawChunk {
        long from = 1;
        long to = 2;
        long index = 7;
        long snapshotTerm = 2;
        long sizeBytes = 100;
        long offset = 0;
        long[] memberIds = {1, 2, 3};
        /** The member count field when it should differ from {@code memberIds.length}. */
        Integer members;
        /** The chunk length field when it should differ from the 10 bytes written. */
        Integer dataLength;
        int trailing;
        boolean cutAfterMembers;

        ByteBuffer frame() {
            ByteBuffer body = ByteBuffer.allocate(64 + 8 * memberIds.length + 4 + 10 + trailing);
            body.putLong(from).putLong(to).putLong(3).putLong(index).putLong(snapshotTerm).putLong(sizeBytes)
                    .putInt(0x1234).putLong(offset).putInt(members != null ? members : memberIds.length);
            for (long id : memberIds) {
                body.putLong(id);
            }
            if (!cutAfterMembers) {
                body.putInt(dataLength != null ? dataLength : 10).put(new byte[10 + trailing]);
            }
            return MessageCodecTest.frame(MessageCodec.TYPE_INSTALL_SNAPSHOT, body.flip());
        }
    }
}
