package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileLogStoreTest {

    @TempDir
    Path dir;

    private FileLogStore openSmall() throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(2048).writeBufferBytes(4096).open();
    }

    private static long segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Segment.parseId(p.getFileName().toString()) > 0).count();
        }
    }

    @Test
    void emptyLogStartsAtIndexOneWithTermZero() throws IOException {
        try (FileLogStore store = FileLogStore.open(dir)) {
            assertThat(store.firstIndex()).isEqualTo(1);
            assertThat(store.lastIndex()).isZero();
            assertThat(store.term(0)).isZero();
            assertThat(store.entries(1, 1, 100)).isEmpty();
            assertThat(store.loadHardState()).isEqualTo(HardState.INITIAL);
        }
    }

    @Test
    void appendedEntriesAreReadableAtOnceAndSurviveReopen() throws IOException {
        List<LogEntry> written = new ArrayList<>(batch(1, 50, 1, 90));
        written.addAll(batch(51, 50, 3, 90));
        try (FileLogStore store = openSmall()) {
            store.append(written.subList(0, 50));
            store.append(written.subList(50, 100));
            assertThat(store.entries(1, 101, Long.MAX_VALUE)).isEqualTo(written);
            store.sync();
        }
        assertThat(segmentFiles(dir)).as("2 KiB segments roll").isGreaterThan(2);
        try (FileLogStore store = openSmall()) {
            assertThat(store.lastIndex()).isEqualTo(100);
            assertThat(store.entries(1, 101, Long.MAX_VALUE)).isEqualTo(written);
            assertThat(store.term(50)).isEqualTo(1);
            assertThat(store.term(51)).isEqualTo(3);
            assertThat(store.term(100)).isEqualTo(3);
            store.append(List.of(entry(101, 4, 10)));
            assertThat(store.term(101)).isEqualTo(4);
        }
    }

    @Test
    void aCleanCloseSealsTheTailSoTheNextOpenReadsOnlyIndexes() throws IOException {
        try (FileLogStore store = FileLogStore.open(dir)) {
            store.append(batch(1, 20, 1, 40));
        }
        Path only = LogDirs.segments(dir).get(0);
        try (FileChannel ch = FileChannel.open(only)) {
            SegmentHeader header = new SegmentHeader(1, 1);
            assertThat(SegmentFooter.read(ch, only, ch.size(), header)).as("sealed on close").isNotNull();
        }
        try (FileLogStore store = FileLogStore.open(dir)) {
            store.append(batch(21, 5, 2, 40));
            assertThat(LogDirs.segments(dir)).as("appends after reopen go to a new segment").hasSize(2);
            store.sync();
        }
        try (FileLogStore store = FileLogStore.open(dir)) {
            List<LogEntry> expected = new ArrayList<>(batch(1, 20, 1, 40));
            expected.addAll(batch(21, 5, 2, 40));
            assertThat(store.entries(1, 26, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void entriesStopAtTheByteLimitButReturnAtLeastOne() throws IOException {
        try (FileLogStore store = openSmall()) {
            List<LogEntry> written = new ArrayList<>();
            for (long i = 1; i <= 10; i++) {
                written.add(entry(i, 1, 76)); // 100 bytes each with the 24-byte overhead
            }
            store.append(written);
            assertThat(store.entries(1, 11, 350)).isEqualTo(written.subList(0, 3));
            assertThat(store.entries(4, 11, 1)).as("at least one entry").isEqualTo(written.subList(3, 4));
            assertThat(store.entries(2, 5, Long.MAX_VALUE)).isEqualTo(written.subList(1, 4));
        }
    }

    @Test
    void truncateSuffixAcrossSegmentsThenAppendNewTerm() throws IOException {
        try (FileLogStore store = openSmall()) {
            store.append(batch(1, 100, 1, 60));
            store.sync();
            long filesBefore = segmentFiles(dir);
            store.truncateSuffix(20);
            assertThat(store.lastIndex()).isEqualTo(19);
            assertThat(segmentFiles(dir)).isLessThan(filesBefore);
            store.append(batch(20, 30, 2, 60));
            store.sync();
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.lastIndex()).isEqualTo(49);
            assertThat(store.term(19)).isEqualTo(1);
            assertThat(store.term(20)).isEqualTo(2);
            List<LogEntry> expected = new ArrayList<>(batch(1, 19, 1, 60));
            expected.addAll(batch(20, 30, 2, 60));
            assertThat(store.entries(1, 50, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void truncateIntoASealedSegmentReopensItForAppends() throws IOException {
        try (FileLogStore store = openSmall()) {
            store.append(batch(1, 100, 1, 60));
            assertThat(segmentFiles(dir)).isGreaterThan(1);
            store.truncateSuffix(3);
            store.append(batch(3, 5, 2, 60));
            store.sync();
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.lastIndex()).isEqualTo(7);
            assertThat(store.entries(3, 8, Long.MAX_VALUE)).isEqualTo(batch(3, 5, 2, 60));
            assertThat(segmentFiles(dir)).isEqualTo(1);
        }
    }

    @Test
    void compactPrefixDeletesReleasedSegmentsAndKeepsTheTermBeforeFirst() throws IOException {
        try (FileLogStore store = openSmall()) {
            store.append(batch(1, 60, 1, 60));
            store.append(batch(61, 40, 2, 60));
            long before = segmentFiles(dir);
            store.compactPrefix(70);
            assertThat(store.firstIndex()).isEqualTo(71);
            assertThat(store.term(70)).isEqualTo(2);
            assertThat(segmentFiles(dir)).isLessThan(before);
            assertThatThrownBy(() -> store.term(69)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.entries(70, 71, 10)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside the log");
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.firstIndex()).isEqualTo(71);
            assertThat(store.term(70)).isEqualTo(2);
            assertThat(store.entries(71, 101, Long.MAX_VALUE)).isEqualTo(batch(71, 30, 2, 60));
        }
    }

    @Test
    void compactingEverythingLeavesAnEmptyLogThatContinuesAfterTheSnapshot() throws IOException {
        long highestId;
        try (FileLogStore store = openSmall()) {
            store.append(batch(1, 30, 5, 60));
            List<Path> files = LogDirs.segments(dir);
            highestId = Segment.parseId(files.get(files.size() - 1).getFileName().toString());
            store.compactPrefix(30);
            assertThat(segmentFiles(dir)).isZero();
            assertThat(store.lastIndex()).isEqualTo(30);
            assertThat(store.firstIndex()).isEqualTo(31);
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.firstIndex()).isEqualTo(31);
            assertThat(store.lastIndex()).isEqualTo(30);
            assertThat(store.term(30)).isEqualTo(5);
            store.append(batch(31, 3, 6, 60));
            assertThat(store.entries(31, 34, Long.MAX_VALUE)).isEqualTo(batch(31, 3, 6, 60));
        }
        assertThat(Segment.parseId(LogDirs.segments(dir).get(0).getFileName().toString()))
                .as("segment ids are never reused").isGreaterThan(highestId);
    }

    @Test
    void hardStateIsSavedDurablyAndGuardedAgainstGoingBackwards() throws IOException {
        try (FileLogStore store = openSmall()) {
            store.saveHardState(new HardState(3, 2));
            store.saveHardState(new HardState(4, 0));
            store.saveHardState(new HardState(4, 1));
            assertThatThrownBy(() -> store.saveHardState(new HardState(2, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 4 to 2");
            assertThatThrownBy(() -> store.saveHardState(new HardState(4, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 1 to 3");
            assertThat(store.loadHardState()).isEqualTo(new HardState(4, 1));
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.loadHardState()).isEqualTo(new HardState(4, 1));
        }
    }

    @Test
    void invalidArgumentsAreRejectedAndLeaveTheStoreUnchanged() throws IOException {
        try (FileLogStore store = openSmall()) {
            store.append(batch(1, 10, 2, 30));
            store.compactPrefix(3);
            List<LogEntry> before = store.entries(4, 11, Long.MAX_VALUE);

            assertThatThrownBy(() -> store.append(List.of(entry(12, 2, 5))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected index 11, got 12");
            assertThatThrownBy(() -> store.append(List.of(entry(10, 2, 5))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gap or overlap");
            assertThatThrownBy(() -> store.append(List.of(entry(11, 2, 5), entry(13, 2, 5))))
                    .as("a bad entry late in the batch rejects the whole batch")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.append(List.of(entry(11, 1, 5))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term would decrease");
            assertThatThrownBy(() -> store.append(null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.truncateSuffix(3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below the first index 4");
            assertThatThrownBy(() -> store.compactPrefix(11))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds [4, 10]");
            assertThatThrownBy(() -> store.compactPrefix(1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.entries(5, 12, 100))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[5, 12)");
            assertThatThrownBy(() -> store.entries(6, 5, 100)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.term(11)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("index 11 is outside the log [4, 10]");
            assertThatThrownBy(() -> store.saveHardState(null)).isInstanceOf(IllegalArgumentException.class);

            assertThat(store.firstIndex()).isEqualTo(4);
            assertThat(store.lastIndex()).isEqualTo(10);
            assertThat(store.entries(4, 11, Long.MAX_VALUE)).isEqualTo(before);
            store.append(List.of(entry(11, 2, 5)));
            assertThat(store.lastIndex()).as("still writable after rejected input").isEqualTo(11);
        }
    }

    @Test
    void builderRejectsOutOfRangeOptions() {
        assertThatThrownBy(() -> FileLogStore.builder(dir).segmentSizeBytes(100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segmentSizeBytes");
        assertThatThrownBy(() -> FileLogStore.builder(dir).segmentSizeBytes(2L << 30))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileLogStore.builder(dir).writeBufferBytes(10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeBufferBytes");
        assertThatThrownBy(() -> FileLogStore.builder(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClosedStoreRefusesUse() throws IOException {
        FileLogStore store = openSmall();
        store.close();
        store.close();
        assertThatThrownBy(store::lastIndex).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.append(List.of(entry(1, 1, 1)))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void entriesLargerThanTheWriteBufferAndTheSegmentRoundTrip() throws IOException {
        List<LogEntry> big = List.of(entry(1, 1, 10_000), entry(2, 1, 3), entry(3, 1, 20_000));
        try (FileLogStore store = openSmall()) {
            store.append(big);
            assertThat(store.entries(1, 4, Long.MAX_VALUE)).isEqualTo(big);
        }
        try (FileLogStore store = openSmall()) {
            assertThat(store.entries(1, 4, Long.MAX_VALUE)).isEqualTo(big);
        }
    }
}
