package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The newest segment's preallocated tail: zeros written and forced ahead of the data end so that appends and their
 * fdatasync never change the file size. Recovery takes the zeros as a clean end, yet still cuts torn records inside
 * them and still refuses damage that a valid record follows; sealing and truncating leave the layout they always had.
 */
class PreallocationTest {

    private static final int CHUNK = 4096;

    @TempDir
    Path tmp;

    private static FileLogStoreBuilder builder(Path dir) {
        // Chunks cut at multiples of CHUNK, so that the expected sizes below are plain to compute.
        return FileLogStore.builder(dir).segmentSizeBytes(64 * 1024).preallocateBytes(CHUNK)
                .preallocationOffsetBytes(0);
    }

    private static long dataEnd(List<LogEntry> entries) {
        long end = SegmentHeader.BYTES;
        for (LogEntry e : entries) {
            end += RecordFormat.recordBytes(e);
        }
        return end;
    }

    private static void assertZerosFrom(Path file, long from) throws IOException {
        byte[] all = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(all, (int) from, all.length)).as("%s after offset %d", file, from)
                .containsOnly(0);
    }

    @Test
    void aPreallocatedTailReopensAsACleanEndAndKeepsTakingAppends() throws IOException {
        Path dir = tmp.resolve("log");
        List<LogEntry> model = new ArrayList<>(batch(1, 100, 1, 90));
        FileLogStore writer = builder(dir).open();
        writer.append(model);
        writer.sync();
        writer.abandon();
        Path segment = LogDirs.segments(dir).get(0);
        long end = dataEnd(model);
        long size = Files.size(segment);
        assertThat(size).as("preallocated to the next chunk boundary past the data end %d", end)
                .isGreaterThan(end).isEqualTo((end / CHUNK + 1) * CHUNK);
        assertZerosFrom(segment, end);

        try (FileLogStore store = builder(dir).open()) {
            assertThat(store.tornBytesCutOnOpen()).as("zeros after the last record are no torn record").isZero();
            assertThat(store.lastIndex()).isEqualTo(100);
            assertThat(store.entries(1, 101, Long.MAX_VALUE)).isEqualTo(model);
            List<LogEntry> more = batch(101, 40, 2, 90);
            store.append(more);
            store.sync();
            model.addAll(more);
            assertThat(Files.size(segment)).as("appends continue at the data end, preallocated again")
                    .isEqualTo((dataEnd(model) / CHUNK + 1) * CHUNK);
            store.abandon();
        }
        try (FileLogStore store = builder(dir).open()) {
            assertThat(store.tornBytesCutOnOpen()).isZero();
            assertThat(store.entries(1, 141, Long.MAX_VALUE)).isEqualTo(model);
        }
    }

    /** What the lost part of the last write reads as: zeros (pages never written back) or garbage. */
    enum Lost { ZEROS, GARBAGE }

    @ParameterizedTest
    @EnumSource(Lost.class)
    void aTornRecordInsidePreallocatedSpaceIsCutBackToTheLastCompleteRecord(Lost lost) throws IOException {
        Path original = tmp.resolve("original");
        List<LogEntry> model = new ArrayList<>(batch(1, 12, 1, 40));
        List<LogEntry> lastBatch = List.of(entry(13, 2, 0), entry(14, 2, 17), entry(15, 2, 1), entry(16, 2, 30));
        FileLogStore writer = builder(original).open();
        writer.append(model);
        writer.sync();
        writer.append(lastBatch);
        writer.abandon();
        model.addAll(lastBatch);
        long[] recordEnds = TestEntries.recordEnds(model);
        Path segment = LogDirs.segments(original).get(0);
        long fileSize = Files.size(segment);
        assertThat(fileSize).as("the whole batch went into preallocated space").isGreaterThan(recordEnds[16]);
        Random random = new Random(7);
        Path crashed = tmp.resolve("crashed");
        for (long cut = recordEnds[12]; cut <= recordEnds[16]; cut++) {
            LogDirs.copy(original, crashed);
            Path file = crashed.resolve(segment.getFileName());
            byte[] bytes = Files.readAllBytes(file);
            for (int i = (int) cut; i < recordEnds[16]; i++) {
                bytes[i] = lost == Lost.ZEROS ? 0 : (byte) (random.nextInt(255) + 1);
            }
            Files.write(file, bytes);
            int complete = 0;
            while (complete < model.size() && recordEnds[complete + 1] <= cut) {
                complete++;
            }
            boolean torn = false;
            for (int i = (int) recordEnds[complete]; i < recordEnds[16]; i++) {
                torn |= bytes[i] != 0;
            }
            String context = "bytes lost from " + cut + " (" + lost + ")";
            try (FileLogStore store = builder(crashed).open()) {
                assertThat(store.lastIndex()).as(context).isEqualTo(complete);
                assertThat(store.entries(1, complete + 1, Long.MAX_VALUE)).as(context)
                        .isEqualTo(model.subList(0, complete));
                assertThat(Files.size(file)).as(context + ": cut back to the last complete record")
                        .isEqualTo(recordEnds[complete]);
                assertThat(store.tornBytesCutOnOpen()).as(context + ": reported as torn")
                        .isEqualTo(torn ? fileSize - recordEnds[complete] : 0);
                if (cut % 5 != 0) {
                    continue;
                }
                store.append(List.of(entry(complete + 1, 3, 9)));
                store.sync();
            }
            try (FileLogStore store = builder(crashed).open()) {
                assertThat(store.lastIndex()).as(context + ": appends after recovery persist").isEqualTo(complete + 1);
                assertThat(store.term(complete + 1)).isEqualTo(3);
            }
        }
    }

    /** How record 9 of 10 is damaged inside a preallocated file while record 10 stays valid. */
    enum Damage {
        /** The whole record reads as zeros, as if it were still preallocated space. */
        ZEROED_RECORD,
        /** Only its length field reads as zero. */
        ZEROED_LENGTH,
        /** Random bytes. */
        GARBAGE
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void damageFollowedByAValidRecordInAPreallocatedFileIsCorruption(Damage damage) throws IOException {
        Path dir = tmp.resolve("log");
        List<LogEntry> model = batch(1, 10, 1, 40);
        FileLogStore writer = builder(dir).open();
        writer.append(model);
        writer.sync();
        writer.abandon();
        Path segment = LogDirs.segments(dir).get(0);
        long ninth = dataEnd(model.subList(0, 8));
        long tenth = dataEnd(model.subList(0, 9));
        byte[] bytes = Files.readAllBytes(segment);
        assertThat(bytes.length).as("preallocated").isGreaterThan((int) dataEnd(model));
        Random random = new Random(11);
        int damagedEnd = damage == Damage.ZEROED_LENGTH ? (int) ninth + 4 : (int) tenth;
        for (int i = (int) ninth; i < damagedEnd; i++) {
            bytes[i] = damage == Damage.GARBAGE ? (byte) random.nextInt(256) : 0;
        }
        Files.write(segment, bytes);
        assertThatThrownBy(() -> builder(dir).open()).as(damage.name()).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segment.toString()).hasMessageContaining("offset " + ninth)
                .hasMessageContaining("valid record follows at offset " + tenth);
        assertThat(Files.readAllBytes(segment)).as("nothing was cut").isEqualTo(bytes);
    }

    @Test
    void sealingCutsThePreallocatedSpaceSoEverySealedSegmentEndsAtItsTrailer() throws IOException {
        Path dir = tmp.resolve("log");
        List<LogEntry> model = new ArrayList<>();
        FileLogStoreBuilder small = FileLogStore.builder(dir).segmentSizeBytes(16 * 1024).preallocateBytes(CHUNK)
                .preallocationOffsetBytes(0);
        try (FileLogStore store = small.open()) {
            for (int from = 1; from <= 600; from += 50) {
                List<LogEntry> b = batch(from, 50, 1 + from / 200, 90);
                store.append(b);
                model.addAll(b);
            }
            List<Path> files = LogDirs.segments(dir);
            assertThat(files.size()).as("several rolls").isGreaterThan(2);
            for (Path sealed : files.subList(0, files.size() - 1)) {
                assertSealedExactly(sealed);
            }
            Path tail = files.get(files.size() - 1);
            assertThat(Files.size(tail)).as("the tail is preallocated in chunks").isEqualTo(CHUNK * (Files.size(tail)
                    / CHUNK)).isLessThanOrEqualTo(16 * 1024);
        }
        for (Path sealed : LogDirs.segments(dir)) {
            assertSealedExactly(sealed);
        }
        try (FileLogStore store = small.open()) {
            assertThat(store.tornBytesCutOnOpen()).isZero();
            assertThat(store.entries(1, 601, Long.MAX_VALUE)).isEqualTo(model);
            store.append(List.of(entry(601, 9, 5)));
        }
        try (FileLogStore store = small.open()) {
            assertThat(store.lastIndex()).as("the closed tail was sealed, the append went to a new segment")
                    .isEqualTo(601);
        }
    }

    /** The file is header, records, footer and trailer, nothing more: the layout sealed segments always had. */
    private static void assertSealedExactly(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(SegmentHeader.BYTES);
            SegmentFooter.readFully(ch, head, 0);
            SegmentHeader header = SegmentHeader.decode(head, file);
            SegmentFooter.Index index = SegmentFooter.read(ch, file, size, header);
            assertThat(index).as("%s has a footer found from its end", file).isNotNull();
            long footerBytes = 12 + 16L * index.runCount() + 4L * (index.count() + 1);
            assertThat(size).as("%s is data + footer + trailer", file)
                    .isEqualTo(index.offsets()[index.count()] + footerBytes + SegmentFooter.TRAILER_BYTES);
        }
    }

    @Test
    void aTruncationSurvivesACrashAtEveryLaterStepWithoutResurrectingCutRecords() throws IOException {
        Path dir = tmp.resolve("log");
        StepChannels channels = new StepChannels();
        List<LogEntry> old = batch(1, 120, 1, 90);
        List<Path> images = new ArrayList<>();
        FileLogStore store = builder(dir).channels(channels).open();
        store.append(old);
        store.sync();
        assertThat(dataEnd(old)).as("the cut records span chunks").isGreaterThan(2L * CHUNK);
        store.truncateSuffix(21);
        channels.hook = what -> {
            Path image = tmp.resolve("image-" + images.size());
            LogDirs.copy(dir, image);
            images.add(image);
        };
        // Shorter records than the cut ones, so that stale bytes would sit right behind the new data end.
        List<LogEntry> next = new ArrayList<>();
        for (long i = 21; i <= 40; i++) {
            LogEntry e = entry(i, 2, 3);
            store.append(List.of(e));
            next.add(e);
            if (i % 4 == 0) {
                store.sync();
            }
        }
        store.sync();
        channels.hook = null;
        store.abandon();
        images.add(dir);
        assertThat(images.size()).as("crash points").isGreaterThan(5);
        for (int k = 0; k < images.size(); k++) {
            try (FileLogStore reopened = builder(images.get(k)).open()) {
                String context = "crash image " + k;
                long last = reopened.lastIndex();
                assertThat(last).as(context).isBetween(20L, 40L);
                List<LogEntry> read = reopened.entries(1, last + 1, Long.MAX_VALUE);
                assertThat(read.subList(0, 20)).as(context).isEqualTo(old.subList(0, 20));
                assertThat(read.subList(20, read.size())).as(context + ": only new records after the cut")
                        .isEqualTo(next.subList(0, (int) last - 20));
            }
        }
        try (FileLogStore reopened = builder(dir).open()) {
            assertThat(reopened.lastIndex()).isEqualTo(40);
        }
    }

    /** Records, per segment file, the file size at every force, so that a test can count the forces that grew it. */
    private static final class SizeAtForce implements FileChannels {
        final Map<Path, Long> lastForcedSize = new HashMap<>();
        int forces;
        int forcesThatChangedTheSize;

        @Override
        public FileChannel open(Path path, OpenOption... options) throws IOException {
            FileChannel real = FileChannel.open(path, options);
            if (Segment.parseId(path.getFileName().toString()) < 0) {
                return real;
            }
            return new ForwardingFileChannel(real) {
                @Override
                public void force(boolean metaData) throws IOException {
                    synchronized (SizeAtForce.this) {
                        long size = size();
                        Long before = lastForcedSize.put(path, size);
                        forces++;
                        if (before == null || before != size) {
                            forcesThatChangedTheSize++;
                        }
                    }
                    super.force(metaData);
                }
            };
        }
    }

    @Test
    void appendsAndSyncsGrowTheFileOnlyOncePerChunkAcrossManyChunksAndRolls() throws IOException {
        int segmentBytes = 32 * 1024;
        int appends = 1500;
        SizeAtForce withPreallocation = new SizeAtForce();
        List<LogEntry> model = appendOneBySyncingEach(tmp.resolve("on"), withPreallocation, CHUNK, segmentBytes,
                appends);
        long bytes = dataEnd(model);
        int segments = LogDirs.segments(tmp.resolve("on")).size();
        assertThat(segments).as("rolled").isGreaterThan(2);
        assertThat(withPreallocation.forces).as("one force per sync at least").isGreaterThanOrEqualTo(appends);
        // Per segment: its creation, its seal, and one extension per chunk it spans (plus one partial chunk).
        long bound = bytes / CHUNK + 3L * segments;
        assertThat((long) withPreallocation.forcesThatChangedTheSize)
                .as("forces that had to commit a size change, of %d", withPreallocation.forces)
                .isGreaterThan(bytes / CHUNK).isLessThanOrEqualTo(bound);

        SizeAtForce without = new SizeAtForce();
        appendOneBySyncingEach(tmp.resolve("off"), without, 0, segmentBytes, appends);
        assertThat(without.forcesThatChangedTheSize).as("without preallocation every sync grows the file")
                .isGreaterThanOrEqualTo(appends);
    }

    private static List<LogEntry> appendOneBySyncingEach(Path dir, FileChannels channels, int preallocate,
                                                         int segmentBytes, int appends) throws IOException {
        List<LogEntry> model = batch(1, appends, 1, 90);
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(segmentBytes)
                .preallocateBytes(preallocate).preallocationOffsetBytes(0).channels(channels).open()) {
            for (LogEntry e : model) {
                store.append(List.of(e));
                store.sync();
                List<Path> files = LogDirs.segments(dir);
                long tailSize = Files.size(files.get(files.size() - 1));
                assertThat(tailSize).as("after index %d", e.index()).isLessThanOrEqualTo(segmentBytes);
                if (preallocate > 0) {
                    assertThat(tailSize % preallocate == 0 || tailSize == segmentBytes)
                            .as("tail size %d after index %d is a chunk boundary", tailSize, e.index()).isTrue();
                }
            }
        }
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(segmentBytes).open()) {
            assertThat(store.entries(1, appends + 1, Long.MAX_VALUE)).isEqualTo(model);
        }
        return model;
    }

    @Test
    void aLargeBatchGrowsTheFileItselfAndTheNextSmallBatchPreallocatesAgain() throws IOException {
        Path dir = tmp.resolve("log");
        int chunk = 1 << 20;
        // 40 records of 4 KiB: above the large-write threshold, and written in one buffer.
        List<LogEntry> large = new ArrayList<>();
        for (long i = 1; i <= 40; i++) {
            large.add(entry(i, 1, 4096));
        }
        assertThat(dataEnd(large)).isGreaterThan(FileLogStore.LARGE_WRITE_BYTES);
        try (FileLogStore store = FileLogStore.builder(dir).preallocateBytes(chunk).preallocationOffsetBytes(0)
                .open()) {
            Path segment = LogDirs.segments(dir).isEmpty() ? null : LogDirs.segments(dir).get(0);
            assertThat(segment).as("no segment before the first append").isNull();
            store.append(large);
            store.sync();
            segment = LogDirs.segments(dir).get(0);
            assertThat(Files.size(segment)).as("no zeros after a large batch: they would double its writes")
                    .isEqualTo(dataEnd(large));
            List<LogEntry> all = new ArrayList<>(large);
            all.add(entry(41, 1, 100));
            store.append(all.subList(40, 41));
            store.sync();
            assertThat(Files.size(segment)).as("a small batch preallocates to the next chunk boundary")
                    .isEqualTo(chunk);
            assertThat(store.entries(1, 42, Long.MAX_VALUE)).isEqualTo(all);
        }
    }

    @Test
    void withPreallocationOffTheTailEndsAtItsData() throws IOException {
        Path dir = tmp.resolve("log");
        List<LogEntry> model = batch(1, 50, 1, 90);
        FileLogStore writer = builder(dir).preallocateBytes(0).open();
        writer.append(model);
        writer.sync();
        writer.abandon();
        assertThat(Files.size(LogDirs.segments(dir).get(0))).isEqualTo(dataEnd(model));
    }

    @Test
    void builderRejectsAnOutOfRangePreallocationChunk() {
        for (int bad : new int[] {-1, 1, 4095, (64 << 20) + 1}) {
            assertThatThrownBy(() -> FileLogStore.builder(tmp).preallocateBytes(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("preallocateBytes must be 0 (off) or in [4096, 67108864], got " + bad);
        }
        FileLogStore.builder(tmp).preallocateBytes(0).preallocateBytes(4096).preallocateBytes(64 << 20);
    }

    @Test
    void aChunkLargerThanTheSegmentStopsAtTheSegmentSize() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(8192).preallocateBytes(1 << 20)
                .preallocationOffsetBytes(0).open()) {
            store.append(batch(1, 10, 1, 20));
            store.sync();
            assertThat(Files.size(LogDirs.segments(dir).get(0))).isEqualTo(8192);
        }
    }

    @Test
    void chunksAreCutAtTheStoresOwnOffsetTakenModuloTheChunk() throws IOException {
        for (long offset : new long[] {1000, CHUNK + 1000L}) {
            Path dir = tmp.resolve("log-" + offset);
            List<LogEntry> model = new ArrayList<>(batch(1, 5, 1, 40));
            try (FileLogStore store = builder(dir).preallocationOffsetBytes(offset).open()) {
                store.append(model);
                store.sync();
                Path segment = LogDirs.segments(dir).get(0);
                assertThat(dataEnd(model)).isLessThan(1000);
                assertThat(Files.size(segment)).as("offset %d: zeros up to the first cut", offset).isEqualTo(1000);
                List<LogEntry> more = batch(6, 20, 1, 90);
                store.append(more);
                store.sync();
                model.addAll(more);
                assertThat(dataEnd(model)).isGreaterThan(1000).isLessThan(1000 + CHUNK);
                assertThat(Files.size(segment)).as("offset %d: then one chunk further", offset)
                        .isEqualTo(1000 + CHUNK);
                assertZerosFrom(segment, dataEnd(model));
            }
            try (FileLogStore store = builder(dir).open()) {
                assertThat(store.entries(1, 26, Long.MAX_VALUE)).isEqualTo(model);
            }
        }
    }

    @Test
    void storesDrawTheirOwnOffsetSoThatNodesDoNotPauseForTheSameEntries() throws IOException {
        List<LogEntry> model = batch(1, 5, 1, 40);
        Set<Long> sizes = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            Path dir = tmp.resolve("node-" + i);
            try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(64 * 1024).preallocateBytes(CHUNK)
                    .open()) {
                store.append(model);
                store.sync();
                long size = Files.size(LogDirs.segments(dir).get(0));
                assertThat(size).as("store %d preallocates past its data, at most one chunk", i)
                        .isGreaterThan(dataEnd(model)).isLessThanOrEqualTo(dataEnd(model) + CHUNK);
                sizes.add(size);
            }
        }
        // Eight draws from 4,096 offsets all equal with probability 4096^-7: this cannot fail by chance.
        assertThat(sizes).as("the same records, preallocated to different cuts").hasSizeGreaterThan(1);
    }

    @Test
    void builderRejectsANegativePreallocationOffset() {
        assertThatThrownBy(() -> FileLogStore.builder(tmp).preallocationOffsetBytes(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("preallocationOffsetBytes must be at least 0, got -1");
    }
}
