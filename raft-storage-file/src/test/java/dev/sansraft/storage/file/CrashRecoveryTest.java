package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class CrashRecoveryTest {

    @TempDir
    Path tmp;

    private FileLogStore open(Path dir) throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(2048).writeBufferBytes(4096).open();
    }

    /** What follows the cut: nothing, preallocated zeros, or garbage from a torn write. */
    enum TailFill { NOTHING, ZEROS, GARBAGE }

    @ParameterizedTest
    @EnumSource(TailFill.class)
    void cutAtEveryByteOffsetOfTheLastBatchRecoversTheLastCompleteRecord(TailFill fill) throws IOException {
        Path original = tmp.resolve("original");
        List<LogEntry> model = new ArrayList<>(batch(1, 12, 1, 40));
        List<LogEntry> lastBatch = List.of(entry(13, 2, 0), entry(14, 2, 17), entry(15, 2, 1), entry(16, 2, 30));
        FileLogStore writer = FileLogStore.builder(original).segmentSizeBytes(64 * 1024).open();
        writer.append(model);
        writer.sync();
        writer.append(lastBatch);
        writer.sync();
        writer.abandon();
        model.addAll(lastBatch);
        Path segment = LogDirs.segments(original).get(0);
        long[] recordEnds = TestEntries.recordEnds(model);
        long batchStart = recordEnds[12];
        // The writer keeps the file preallocated past its data end: nothing but zeros follows the last record.
        byte[] written = Files.readAllBytes(segment);
        assertThat(written.length).as("preallocated past the data end").isGreaterThan((int) recordEnds[16]);
        assertThat(Arrays.copyOfRange(written, (int) recordEnds[16], written.length)).containsOnly(0);
        Random random = new Random(42);
        Path crashed = tmp.resolve("crashed");
        // Every byte offset for a plain cut; the filled variants sample every third offset to keep the suite fast.
        int step = fill == TailFill.NOTHING ? 1 : 3;
        for (long cut = batchStart; cut <= recordEnds[16]; cut += step) {
            LogDirs.copy(original, crashed);
            Path file = crashed.resolve(segment.getFileName());
            LogDirs.truncate(file, cut);
            if (fill == TailFill.ZEROS) {
                LogDirs.extend(file, new byte[4096]);
            } else if (fill == TailFill.GARBAGE && cut < recordEnds[16]) {
                byte[] garbage = new byte[(int) (recordEnds[16] - cut)];
                random.nextBytes(garbage);
                LogDirs.extend(file, garbage);
            }
            int complete = 0;
            while (complete < model.size() && recordEnds[complete + 1] <= cut) {
                complete++;
            }
            try (FileLogStore store = open(crashed)) {
                assertThat(store.lastIndex()).as("cut at %d (%s)", cut, fill).isEqualTo(complete);
                assertThat(store.entries(1, complete + 1, Long.MAX_VALUE)).as("cut at %d (%s)", cut, fill)
                        .isEqualTo(model.subList(0, complete));
                assertThat(Files.size(file)).as("torn bytes are cut").isEqualTo(recordEnds[complete]);
                if (cut % 5 != 0) {
                    continue;
                }
                store.append(List.of(entry(complete + 1, 3, 9)));
                store.sync();
            }
            // Every fifth cut also checks that the recovered log takes new appends that survive a reopen.
            try (FileLogStore store = open(crashed)) {
                assertThat(store.lastIndex()).as("appends after recovery persist, cut %d", cut)
                        .isEqualTo(complete + 1);
                assertThat(store.term(complete + 1)).isEqualTo(3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void bitFlipsInSealedSegmentsAreDetected(long seed) throws IOException {
        Path original = tmp.resolve("original");
        List<LogEntry> model = new ArrayList<>(batch(1, 60, 1, 50));
        model.addAll(batch(61, 40, 2, 50));
        try (FileLogStore store = open(original)) {
            store.append(model.subList(0, 60));
            store.append(model.subList(60, 100));
        }
        List<Path> segments = LogDirs.segments(original);
        assertThat(segments.size()).isGreaterThan(2);
        Random random = new Random(seed);
        for (int round = 0; round < 10; round++) {
            Path damaged = tmp.resolve("damaged");
            LogDirs.copy(original, damaged);
            Path victim = damaged.resolve(segments.get(random.nextInt(segments.size() - 1)).getFileName());
            long offset = (long) (random.nextDouble() * Files.size(victim));
            LogDirs.flipBit(victim, offset, random.nextInt(8));
            String where = "seed " + seed + " round " + round + ": bit flip in " + victim.getFileName() + " at "
                    + offset;
            Throwable thrown = catchThrowable(() -> {
                try (FileLogStore store = open(damaged)) {
                    List<LogEntry> read = store.entries(1, 101, Long.MAX_VALUE);
                    assertThat(read).as(where).isEqualTo(model);
                }
            });
            assertThat(thrown).as(where).isNotNull();
            Throwable corrupt = thrown instanceof UncheckedIOException ? thrown.getCause() : thrown;
            assertThat(corrupt).as(where).isInstanceOf(CorruptLogException.class);
            assertThat(((CorruptLogException) corrupt).file().getFileName()).as(where)
                    .isEqualTo(victim.getFileName());
        }
    }

    @Test
    void aSealTornAtAnyOffsetKeepsEveryRecord() throws IOException {
        Path original = tmp.resolve("original");
        List<LogEntry> model = batch(1, 30, 1, 40);
        try (FileLogStore store = FileLogStore.builder(original).segmentSizeBytes(64 * 1024).open()) {
            store.append(model);
        }
        Path segment = LogDirs.segments(original).get(0);
        long dataEnd = SegmentHeader.BYTES;
        for (LogEntry e : model) {
            dataEnd += RecordFormat.recordBytes(e);
        }
        long sealedSize = Files.size(segment);
        assertThat(sealedSize).as("close sealed the segment").isGreaterThan(dataEnd);
        Path crashed = tmp.resolve("crashed");
        for (long cut = dataEnd; cut < sealedSize; cut += 3) {
            LogDirs.copy(original, crashed);
            LogDirs.truncate(crashed.resolve(segment.getFileName()), cut);
            try (FileLogStore store = open(crashed)) {
                assertThat(store.entries(1, 31, Long.MAX_VALUE)).as("seal cut at %d", cut).isEqualTo(model);
            }
        }
    }

    @Test
    void openReadsOnlyIndexesSoADamagedSealedRecordIsCaughtWhenRead() throws IOException {
        Path dir = tmp.resolve("log");
        List<LogEntry> model = batch(1, 100, 1, 50);
        try (FileLogStore store = open(dir)) {
            store.append(model);
        }
        Path sealed = LogDirs.segments(dir).get(1);
        // A bit of the term field of the first record in the second (sealed) segment.
        LogDirs.flipBit(sealed, SegmentHeader.BYTES + 16, 0);
        try (FileLogStore store = open(dir)) {
            assertThat(store.lastIndex()).as("open did not read the damaged record").isEqualTo(100);
            Throwable thrown = catchThrowable(() -> store.entries(1, 101, Long.MAX_VALUE));
            assertThat(thrown).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(CorruptLogException.class);
            CorruptLogException corrupt = (CorruptLogException) thrown.getCause();
            assertThat(corrupt.file()).isEqualTo(sealed);
            assertThat(corrupt.offset()).isEqualTo(SegmentHeader.BYTES);
            assertThat(store.entries(1, 2, Long.MAX_VALUE)).as("undamaged entries are still served")
                    .isEqualTo(model.subList(0, 1));
            assertThat(store.entries(100, 101, Long.MAX_VALUE)).isEqualTo(model.subList(99, 100));
        }
    }

    @Test
    void aBadRecordFollowedByValidOnesFailsTheOpenNamingFileAndOffset() throws IOException {
        Path dir = tmp.resolve("log");
        FileLogStore writer = FileLogStore.builder(dir).segmentSizeBytes(64 * 1024).open();
        writer.append(batch(1, 10, 1, 40));
        writer.sync();
        writer.abandon();
        Path segment = LogDirs.segments(dir).get(0);
        long secondRecord = SegmentHeader.BYTES + RecordFormat.recordBytes(entry(1, 1, 31));
        LogDirs.flipBit(segment, secondRecord + 30, 3);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segment.toString()).hasMessageContaining("offset " + secondRecord)
                .hasMessageContaining("valid record follows");
        assertThat(Files.size(segment)).as("nothing was cut").isGreaterThan(secondRecord + 100);
    }

    @Test
    void aMissingMiddleSegmentFailsTheOpen() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
        }
        List<Path> segments = LogDirs.segments(dir);
        Files.delete(segments.get(1));
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segments.get(2).getFileName().toString())
                .hasMessageContaining("missing");
    }

    @Test
    void aMissingFirstSegmentFailsTheOpen() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
        }
        Files.delete(LogDirs.segments(dir).get(0));
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining("entries 1..").hasMessageContaining("missing");
    }

    @Test
    void aMissingNewestSegmentFailsTheOpenInsteadOfShorteningTheLog() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
        }
        List<Path> segments = LogDirs.segments(dir);
        Path newest = segments.get(segments.size() - 1);
        Files.delete(newest);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(newest.getFileName().toString()).hasMessageContaining("missing");
    }

    @Test
    void aForeignSegmentFileFailsTheOpen() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
        }
        Path foreign = dir.resolve(Segment.fileName(999));
        Files.copy(LogDirs.segments(dir).get(0), foreign);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(foreign.getFileName().toString());
    }

    @Test
    void strayFilesAreIgnoredAndCompactedLeftoversDeleted() throws IOException {
        Path dir = tmp.resolve("log");
        Path saved = tmp.resolve("saved");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
            store.sync();
            LogDirs.copy(dir, saved);
            store.compactPrefix(60);
        }
        // A compaction that crashed before its deletions were durable leaves the old segments behind.
        for (Path old : LogDirs.segments(saved)) {
            if (!Files.exists(dir.resolve(old.getFileName()))
                    && Segment.parseId(old.getFileName().toString()) < 3) {
                Files.copy(old, dir.resolve(old.getFileName()));
            }
        }
        Files.writeString(dir.resolve("notes.txt"), "operator notes");
        int before = LogDirs.segments(dir).size();
        try (FileLogStore store = open(dir)) {
            assertThat(store.firstIndex()).isEqualTo(61);
            assertThat(store.entries(61, 101, Long.MAX_VALUE)).isEqualTo(batch(1, 100, 1, 50).subList(60, 100));
        }
        assertThat(LogDirs.segments(dir).size()).isLessThan(before);
        assertThat(dir.resolve("notes.txt")).exists();
    }

    @Test
    void aTornSegmentCreationIsRemoved() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 100, 1, 50));
        }
        List<Path> segments = LogDirs.segments(dir);
        long nextId = Segment.parseId(segments.get(segments.size() - 1).getFileName().toString()) + 1;
        Path torn = dir.resolve(Segment.fileName(nextId));
        Files.write(torn, new byte[13]);
        try (FileLogStore store = open(dir)) {
            assertThat(store.lastIndex()).isEqualTo(100);
            store.append(List.of(entry(101, 1, 5)));
        }
        assertThat(torn).doesNotExist();
        try (FileLogStore store = open(dir)) {
            assertThat(store.lastIndex()).isEqualTo(101);
        }
    }

    @Test
    void aMissingStateFileNextToSegmentsFailsTheOpen() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.append(batch(1, 5, 1, 20));
            store.saveHardState(new HardState(3, 2));
        }
        Files.delete(dir.resolve(StateFile.NAME));
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining("state file is missing");
    }

    @Test
    void aTornHardStateSlotFallsBackToThePreviousSave() throws IOException {
        Path dir = tmp.resolve("log");
        try (FileLogStore store = open(dir)) {
            store.saveHardState(new HardState(1, 1));
            store.saveHardState(new HardState(2, 3));
        }
        // Sequence 1 is the file's initial state in slot 0, so saves 2 and 3 went to slots 1 and 0; tear the newest.
        LogDirs.flipBit(dir.resolve(StateFile.NAME), 20, 0);
        try (FileLogStore store = open(dir)) {
            assertThat(store.loadHardState()).isEqualTo(new HardState(1, 1));
        }
        LogDirs.flipBit(dir.resolve(StateFile.NAME), StateFile.SLOT_BYTES + 20, 0);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(StateFile.NAME);
    }
}
