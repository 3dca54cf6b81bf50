package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The outbound batch writer and the inbound frame splitter against sockets that move random amounts per call. */
class FramingTest {

    private static final int MAX_FRAME = 1 << 20;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void framesSurvivePartialWritesAndReadsInOrder(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        RandomMessages messages = new RandomMessages(seed);
        MessageCodec codec = new MessageCodec(MAX_FRAME);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Mostly small frames, some larger than the read buffer, a few larger than the staging buffer.
            int pick = random.nextInt(20);
            sent.add(pick == 0 ? messages.appendRequest(1, 2, 3, 2, 200_000)
                    : pick < 3 ? messages.appendRequest(1, 2, 3, 3, 3_000) : messages.next(1, 2));
        }

        OutboundBuffer out = new OutboundBuffer(codec, 16 * 1024);
        ChunkedChannels.Sink sink = new ChunkedChannels.Sink(seed, 5_000);
        int batches = drain(sent, out, sink);
        assertThat(batches).as("frames are batched (seed %d)", seed).isLessThan(sent.size() / 4);

        FrameReader reader = new FrameReader(4 * 1024, MAX_FRAME);
        ChunkedChannels.Source source = new ChunkedChannels.Source(sink.written.toByteArray(), seed, 7_000);
        List<Message> received = new ArrayList<>();
        FrameReader.FrameSink collect = frame -> {
            received.add(codec.decode(frame));
            return true;
        };
        boolean open = true;
        while (open) {
            open = reader.readFrom(source, collect, 64 * 1024);
        }
        assertThat(reader.hasPartialFrame()).isFalse();
        assertThat(WireContent.of(received)).as("seed %d", seed).isEqualTo(WireContent.of(sent));
    }

    /**
     * Snapshot chunks larger than the read buffer, one larger than the retained large-frame buffer, and small frames
     * between them: every frame comes out whole and in order whether the large buffer is reused or replaced.
     */
    @ParameterizedTest
    @ValueSource(longs = {81, 82, 83})
    void snapshotChunksLargerThanTheReadBufferArriveWholeAndInOrder(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        RandomMessages messages = new RandomMessages(seed);
        int chunkBytes = 256 * 1024;
        int maxFrame = FrameReader.RETAINED_LARGE_BYTES + 1024 * 1024;
        MessageCodec codec = new MessageCodec(maxFrame);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int length = i == 11 ? FrameReader.RETAINED_LARGE_BYTES + 4096 : i % 3 == 0 ? chunkBytes : random.nextInt(
                    chunkBytes);
            sent.add(messages.installSnapshot(1, 2, 3, random.nextInt(5), length));
            sent.add(messages.next(1, 2));
        }
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        for (Message message : sent) {
            ByteBuffer frame = ByteBuffer.allocate((int) MessageCodec.frameSize(message));
            codec.encode(message, frame);
            stream.write(frame.array());
        }
        FrameReader reader = new FrameReader(16 * 1024, maxFrame);
        ChunkedChannels.Source source = new ChunkedChannels.Source(stream.toByteArray(), seed, 300_000);
        List<Message> received = new ArrayList<>();
        FrameReader.FrameSink collect = frame -> {
            received.add(codec.decode(frame));
            return true;
        };
        while (reader.readFrom(source, collect, 1 << 20)) {
            assertThat(received.size()).as("seed %d", seed).isLessThanOrEqualTo(sent.size());
        }
        assertThat(reader.hasPartialFrame()).isFalse();
        assertThat(WireContent.of(received)).as("seed %d", seed).isEqualTo(WireContent.of(sent));
    }

    /**
     * A TLS link's buffer sends large snapshot chunks by reference (header in the staging buffer, the chunk's own
     * array, the configuration block after it): through a socket that takes random amounts, the bytes that leave are
     * exactly the frames {@link MessageCodec#encode} writes, checksums included, with small frames before them in
     * the same batch.
     */
    @ParameterizedTest
    @ValueSource(longs = {91, 92, 93})
    void chunksSentByReferenceLeaveAsTheEncodedFrames(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        RandomMessages messages = new RandomMessages(seed);
        MessageCodec codec = new MessageCodec(MAX_FRAME);
        int staging = 16 * 1024;
        List<Message> sent = new ArrayList<>();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 60; i++) {
            // Chunks larger than the staging buffer (by reference), smaller ones (copied), and small frames.
            Message message = i % 3 == 0 ? messages.installSnapshot(1, 2, 3, random.nextInt(4), 100_000)
                    : i % 3 == 1 ? messages.installSnapshot(1, 2, 3, 0, staging / 2) : messages.next(1, 2);
            sent.add(message);
            ByteBuffer frame = ByteBuffer.allocate((int) MessageCodec.frameSize(message));
            codec.encode(message, frame);
            expected.write(frame.array());
        }
        OutboundBuffer out = new OutboundBuffer(codec, staging, true);
        ChunkedChannels.Sink sink = new ChunkedChannels.Sink(seed, 9_000);
        drain(sent, out, sink);
        assertThat(sink.written.toByteArray()).as("seed %d", seed).isEqualTo(expected.toByteArray());
        assertThat(sent.stream().filter(m -> MessageCodec.frameSize(m) > staging).count())
                .as("some chunks went by reference (seed %d)", seed).isGreaterThan(5);
    }

    /**
     * Sends every message through {@code out} into {@code sink} as a link does: fill a batch, seal it, write it out
     * (in as many partial writes as the sink allows); returns how many batches it took.
     */
    private static int drain(List<Message> sent, OutboundBuffer out, ChunkedChannels.Sink sink) throws IOException {
        int next = 0;
        int batches = 0;
        while (next < sent.size() || out.hasPending()) {
            if (!out.hasPending()) {
                while (next < sent.size()
                        && out.tryAppend(sent.get(next), (int) MessageCodec.frameSize(sent.get(next)))) {
                    next++;
                }
                out.seal();
                batches++;
            }
            out.writeTo(sink);
        }
        return batches;
    }

    @Test
    void hostileLengthIsRefusedBeforeAnyBufferIsAllocated() {
        FrameReader reader = new FrameReader(1024, MAX_FRAME);
        byte[] header = ByteBuffer.allocate(8).putInt(MAX_FRAME + 1).array();
        ChunkedChannels.Source source = new ChunkedChannels.Source(header, 1, 8);
        assertThatThrownBy(() -> {
            while (reader.readFrom(source, frame -> true, 1024)) {
                assertThat(source.exhausted()).as("refused by the time the header is in").isFalse();
            }
        }).isInstanceOf(FrameDecodeException.class).hasMessageContaining("frame length field " + (MAX_FRAME + 1));
    }

    @Test
    void streamEndingMidFrameLeavesAPartialFrame() throws Exception {
        MessageCodec codec = new MessageCodec(MAX_FRAME);
        ByteBuffer frame = ByteBuffer.allocate(200);
        codec.encode(Loopback.heartbeat(1, 2, 3), frame);
        byte[] truncated = java.util.Arrays.copyOf(frame.array(), frame.position() - 1);
        FrameReader reader = new FrameReader(1024, MAX_FRAME);
        ChunkedChannels.Source source = new ChunkedChannels.Source(truncated, 2, 10);
        List<ByteBuffer> frames = new ArrayList<>();
        while (reader.readFrom(source, f -> frames.add(f), 1024)) {
            assertThat(frames).isEmpty();
        }
        assertThat(reader.hasPartialFrame()).isTrue();
        assertThat(frames).isEmpty();
    }
}
