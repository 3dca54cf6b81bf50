package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import dev.sansraft.node.SnapshotSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link KvStateMachine#captureSnapshot()}: an O(1) capture on the apply thread that another thread streams later,
 * byte for byte what {@link KvStateMachine#writeSnapshot} gives at the capture point, however much is applied in
 * between or meanwhile.
 */
class KvSnapshotCaptureTest {

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();

    /** Small session limits, so that expiry, eviction and dropped responses happen between capture and stream. */
    private static KvStateMachine machine() {
        return KvStateMachine.builder().maxResponsesPerSession(8).sessionExpiryEntries(3000).maxSessions(6).build();
    }

    /** Applies {@code count} seeded random commands (with occasional corrupt payloads) from {@code fromIndex}. */
    private void feed(KvStateMachine sm, RandomCommands gen, long fromIndex, int count) {
        for (long i = fromIndex; i < fromIndex + count; i++) {
            sm.apply(LogEntry.normal(i, 1, randomPayload(gen)));
        }
    }

    private byte[] randomPayload(RandomCommands gen) {
        byte[] payload = codec.encode(gen.command());
        if (gen.random().nextInt(50) == 0) {
            payload[gen.random().nextInt(payload.length)] ^= 0x55;
        }
        return payload;
    }

    private static byte[] written(KvStateMachine sm) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.writeSnapshot(out);
        return out.toByteArray();
    }

    private static byte[] streamed(SnapshotSource source) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        source.writeTo(out);
        return out.toByteArray();
    }

    private static KvStateMachine restored(byte[] snapshot) throws IOException {
        KvStateMachine sm = machine();
        sm.restoreSnapshot(new ByteArrayInputStream(snapshot));
        return sm;
    }

    private byte[] apply(KvStateMachine sm, long index, KvCommand command) {
        return sm.apply(LogEntry.normal(index, 1, codec.encode(command)));
    }

    private static Bytes b(String s) {
        return Bytes.ofUtf8(s);
    }

    @Test
    void aCaptureStreamsTheStateOfItsMomentNotTheWritesThatFollow() throws IOException {
        KvStateMachine sm = machine();
        KvCommand put = new KvCommand.Put(new SessionTag(7, 1, 1), b("a"), b("1"));
        byte[] firstResponse = apply(sm, 1, put);
        apply(sm, 2, new KvCommand.Put(null, b("b"), b("2")));
        apply(sm, 3, new KvCommand.Put(null, b("c"), b("3")));
        long digestAtCapture = sm.digest();
        SnapshotSource source = sm.captureSnapshot().orElseThrow();

        apply(sm, 4, new KvCommand.Put(null, b("a"), b("overwritten")));
        apply(sm, 5, new KvCommand.Delete(null, b("b")));
        apply(sm, 6, new KvCommand.CompareAndSet(null, b("c"), b("3"), b("swapped")));
        apply(sm, 7, new KvCommand.Put(null, b("d"), b("new")));
        // The client acknowledges sequence 1 and writes 2: its captured session must still hold response 1.
        apply(sm, 8, new KvCommand.Put(new SessionTag(7, 2, 2), b("e"), b("5")));
        assertThat(sm.get(b("a"))).isEqualTo(b("overwritten"));

        KvStateMachine restored = restored(streamed(source));
        assertThat(restored.digest()).as("digest of the captured state").isEqualTo(digestAtCapture);
        assertThat(restored.lastAppliedIndex()).isEqualTo(3);
        assertThat(restored.get(b("a"))).isEqualTo(b("1"));
        assertThat(restored.get(b("b"))).isEqualTo(b("2"));
        assertThat(restored.get(b("c"))).isEqualTo(b("3"));
        assertThat(restored.get(b("d"))).isNull();
        assertThat(restored.get(b("e"))).isNull();
        assertThat(apply(restored, 4, put)).as("a retry of sequence 1 gets the response saved at the capture")
                .isEqualTo(firstResponse);
        assertThat(restored.get(b("a"))).as("and is not applied again").isEqualTo(b("1"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void randomWritesAfterTheCaptureDoNotShowInItsStream(long seed) throws IOException {
        KvStateMachine sm = machine();
        RandomCommands gen = new RandomCommands(seed, 300, 48, 8);
        feed(sm, gen, 1, 2000);
        long digestAtCapture = sm.digest();
        byte[] expected = written(sm);
        SnapshotSource source = sm.captureSnapshot().orElseThrow();
        feed(sm, gen, 2001, 4000);
        assertThat(sm.digest()).as("seed %d: the later writes changed the state", seed).isNotEqualTo(digestAtCapture);
        long digestNow = sm.digest();

        byte[] bytes = streamed(source);
        assertThat(bytes).as("seed %d: the capture streams what writeSnapshot wrote at its point", seed)
                .isEqualTo(expected);
        KvStateMachine restored = restored(bytes);
        assertThat(restored.digest()).as("seed %d", seed).isEqualTo(digestAtCapture);
        assertThat(restored.lastAppliedIndex()).as("seed %d", seed).isEqualTo(2000);
        assertThat(restored(written(sm)).digest()).as("seed %d: the live state is intact", seed).isEqualTo(digestNow);
    }

    @Test
    void writeSnapshotAndACaptureAtTheSamePointGiveTheDocumentedBytes() throws IOException {
        KvStateMachine sm = machine();
        apply(sm, 1, new KvCommand.Put(null, b("b"), b("2")));
        byte[] response = apply(sm, 2, new KvCommand.Put(new SessionTag(7, 1, 1), b("a"), b("1")));
        apply(sm, 3, new KvCommand.Delete(null, b("c")));

        SnapshotImage image = new SnapshotImage(3, 2);
        image.entry("a", "1");
        image.entry("b", "2");
        image.sessionCount(1);
        image.session("7", 2, 1, new long[]{1}, new byte[][]{response});
        byte[] documented = image.finish();

        assertThat(written(sm)).as("writeSnapshot, keys in unsigned byte order").isEqualTo(documented);
        assertThat(streamed(sm.captureSnapshot().orElseThrow())).as("capture").isEqualTo(documented);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void capturesStreamOnOtherThreadsWhileTheApplyThreadApplies(long seed) throws Exception {
        KvStateMachine sm = machine();
        RandomCommands gen = new RandomCommands(seed, 5_000, 64, 8);
        long index = 0;
        for (; index < 5_000; ) {
            sm.apply(LogEntry.normal(++index, 1, randomPayload(gen)));
        }
        ExecutorService streamers = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                // Two overlapping captures per round, with gates that force the interleaving whatever the
                // scheduler does: stream A writes its first chunk, then waits until capture B was taken (after
                // 300 more applies); stream B writes its first chunk, then waits for 300 applies after B.
                String context = "seed " + seed + " round " + round;
                byte[] expectedA = written(sm);
                long digestA = sm.digest();
                long indexA = index;
                SnapshotSource a = sm.captureSnapshot().orElseThrow();
                AtomicBoolean bCaptured = new AtomicBoolean();
                Future<byte[]> streamA = streamers.submit(() -> streamGated(a, bCaptured::get));
                for (int i = 0; i < 300; i++) {
                    sm.apply(LogEntry.normal(++index, 1, randomPayload(gen)));
                }
                byte[] expectedB = written(sm);
                long digestB = sm.digest();
                long indexB = index;
                SnapshotSource b = sm.captureSnapshot().orElseThrow();
                bCaptured.set(true);
                AtomicLong appliedSinceB = new AtomicLong();
                Future<byte[]> streamB = streamers.submit(() -> streamGated(b, () -> appliedSinceB.get() >= 300));
                // Apply on while both stream, up to a bound (a stream may finish at any point after its gate).
                while ((!streamA.isDone() || !streamB.isDone() || appliedSinceB.get() < 300)
                        && appliedSinceB.get() < 50_000) {
                    sm.apply(LogEntry.normal(++index, 1, randomPayload(gen)));
                    appliedSinceB.incrementAndGet();
                }
                byte[] bytesA = streamA.get(60, TimeUnit.SECONDS);
                byte[] bytesB = streamB.get(60, TimeUnit.SECONDS);
                assertThat(bytesA).as("%s capture at %d", context, indexA).isEqualTo(expectedA);
                assertThat(bytesB).as("%s capture at %d", context, indexB).isEqualTo(expectedB);
                assertThat(restored(bytesA).digest()).as("%s capture at %d", context, indexA).isEqualTo(digestA);
                assertThat(restored(bytesB).digest()).as("%s capture at %d", context, indexB).isEqualTo(digestB);
                assertThat(restored(written(sm)).digest()).as("%s live state intact", context)
                        .isEqualTo(sm.digest());
            }
        } finally {
            streamers.shutdownNow();
            assertThat(streamers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * Streams on this thread in 4 KiB pieces, yielding the processor after each; after the first piece it waits
     * for {@code gate}, so that the apply thread is known to have run while the stream was part way.
     */
    private static byte[] streamGated(SnapshotSource source, BooleanSupplier gate) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream gated = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                for (int at = off; at < off + len; at += 4096) {
                    boolean first = bytes.size() == 0;
                    bytes.write(b, at, Math.min(4096, off + len - at));
                    if (first) {
                        Poll.until("the apply thread to pass the gate", 30_000, gate);
                    }
                    Thread.yield();
                }
            }
        };
        source.writeTo(gated);
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22})
    void corruptOrTruncatedCapturedStreamsAreRejectedAndLeaveTheStateUnchanged(long seed) throws IOException {
        KvStateMachine source = machine();
        RandomCommands gen = new RandomCommands(seed, 50, 16, 4);
        feed(source, gen, 1, 300);
        SnapshotSource capture = source.captureSnapshot().orElseThrow();
        feed(source, gen, 301, 100);
        byte[] bytes = streamed(capture);
        KvStateMachine target = machine();
        feed(target, new RandomCommands(seed + 100, 50, 16, 4), 1, 50);
        long before = target.digest();
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            byte[] bad;
            if (i % 4 == 0) {
                bad = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            } else {
                bad = bytes.clone();
                int at = random.nextInt(bad.length);
                bad[at] = (byte) (bad[at] ^ (1 + random.nextInt(255)));
            }
            try {
                target.restoreSnapshot(new ByteArrayInputStream(bad));
                fail("seed " + seed + " case " + i + ": corrupt snapshot accepted");
            } catch (KvSnapshotException expected) {
                assertThat(expected.getMessage()).as("seed %d case %d", seed, i).startsWith("corrupt kv snapshot: ")
                        .contains("(at byte ");
                assertThat(expected.offset()).as("seed %d case %d", seed, i).isBetween(0L, (long) bytes.length);
            }
            assertThat(target.digest()).as("seed %d case %d", seed, i).isEqualTo(before);
        }
    }

    @Test
    void sessionsWithEqualLastSeenIndexesAreRejectedBecauseTheirOrderWouldBeAmbiguous() {
        SnapshotImage image = new SnapshotImage(10, 0);
        image.sessionCount(2);
        image.session("1", 5, 1, new long[0], new byte[0][]);
        image.session("2", 5, 1, new long[0], new byte[0][]);
        byte[] tie = image.finish();
        KvStateMachine target = machine();
        assertThatThrownBy(() -> target.restoreSnapshot(new ByteArrayInputStream(tie)))
                .isInstanceOf(KvSnapshotException.class)
                .hasMessageContaining("session last-seen index 5 out of order (previous 5");
        assertThat(target.lastAppliedIndex()).isZero();
    }

    @Test
    void aCaptureSurvivesARestoreOfTheLiveStateMachine() throws IOException {
        KvStateMachine sm = machine();
        feed(sm, new RandomCommands(31, 100, 16, 3), 1, 500);
        long digestAtCapture = sm.digest();
        byte[] expected = written(sm);
        SnapshotSource capture = sm.captureSnapshot().orElseThrow();
        KvStateMachine other = machine();
        feed(other, new RandomCommands(32, 100, 16, 3), 1, 900);
        sm.restoreSnapshot(new ByteArrayInputStream(written(other)));
        assertThat(sm.digest()).isEqualTo(other.digest());

        byte[] bytes = streamed(capture);
        assertThat(bytes).as("the capture still streams the state it captured").isEqualTo(expected);
        assertThat(restored(bytes).digest()).isEqualTo(digestAtCapture);
    }

    @Test
    void aCaptureStreamsOnceAndThenReleasesItsState() throws IOException {
        KvStateMachine sm = machine();
        apply(sm, 1, new KvCommand.Put(null, b("a"), b("1")));
        KvSnapshotCapture capture = sm.capture();
        assertThat(capture.isReleased()).isFalse();
        assertThat(capture.lastAppliedIndex()).isEqualTo(1);
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        };
        assertThatThrownBy(() -> capture.writeTo(failing)).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThat(capture.isReleased()).as("released even though the stream failed").isTrue();
        assertThatThrownBy(() -> capture.writeTo(new ByteArrayOutputStream()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applied index 1 was already streamed");
    }

    /** Builds snapshot bytes field by field from raft-kv/FORMAT.md, independently of the code under test. */
    private static final class SnapshotImage {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        SnapshotImage(long lastAppliedIndex, long entryCount) {
            io(() -> {
                out.write("SRKV".getBytes(StandardCharsets.US_ASCII));
                out.writeByte(2);
                out.writeLong(lastAppliedIndex);
                out.writeLong(entryCount);
            });
        }

        void entry(String key, String value) {
            io(() -> {
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                byte[] v = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(k.length);
                out.write(k);
                out.writeInt(v.length);
                out.write(v);
            });
        }

        void sessionCount(int count) {
            io(() -> out.writeInt(count));
        }

        void session(String clientId, long lastSeenIndex, long floor, long[] sequences, byte[][] responses) {
            io(() -> {
                byte[] id = clientId.getBytes(StandardCharsets.US_ASCII);
                out.writeByte(id.length);
                out.write(id);
                out.writeLong(lastSeenIndex);
                out.writeLong(floor);
                out.writeInt(sequences.length);
                for (int i = 0; i < sequences.length; i++) {
                    out.writeLong(sequences[i]);
                    out.writeInt(responses[i].length);
                    out.write(responses[i]);
                }
            });
        }

        byte[] finish() {
            io(() -> {
                out.write("END!".getBytes(StandardCharsets.US_ASCII));
                CRC32C crc = new CRC32C();
                crc.update(bytes.toByteArray());
                out.writeInt((int) crc.getValue());
            });
            return bytes.toByteArray();
        }

        private interface Write {
            void run() throws IOException;
        }

        private static void io(Write write) {
            try {
                write.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
