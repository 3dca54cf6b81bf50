package dev.sansraft.storage.file;

import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.storage.file.ResetLogs.Where;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link FileLogStore#resetTo}: the log continues after a snapshot position it did not match (Raft §7). */
class ResetToTest {

    @TempDir
    Path dir;

    private FileLogStore open() throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(2048).writeBufferBytes(4096).open();
    }

    private static void assertResetTo(FileLogStore store, long index, long term, String context) {
        assertThat(store.firstIndex()).as(context + ": first index").isEqualTo(index + 1);
        assertThat(store.lastIndex()).as(context + ": last index").isEqualTo(index);
        assertThat(store.term(index)).as(context + ": term at the reset index").isEqualTo(term);
        assertThat(store.entries(index + 1, index + 1, Long.MAX_VALUE)).as(context).isEmpty();
        assertThatThrownBy(() -> store.term(index - 1)).as(context + ": nothing before the reset point")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.entries(index, index + 1, Long.MAX_VALUE)).as(context)
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void resetDiscardsEveryEntryAndTheLogContinuesAfterThePosition(Where where) throws IOException {
        InMemoryLog model = new InMemoryLog();
        try (FileLogStore store = open()) {
            ResetLogs.writeOldLog(store, model);
            long oldMaxId = Segment.parseId(LogDirs.segments(dir).get(LogDirs.segments(dir).size() - 1)
                    .getFileName().toString());
            assertThat(LogDirs.segments(dir).size()).as("the old log spans several segments").isGreaterThan(3);

            store.resetTo(where.index, where.term);
            assertResetTo(store, where.index, where.term, where.name());
            assertThat(LogDirs.segments(dir)).as("every old segment file is gone").isEmpty();

            List<LogEntry> next = batch(where.index + 1, 60, where.term, 50);
            store.append(next);
            store.sync();
            assertThat(store.entries(where.index + 1, where.index + 61, Long.MAX_VALUE)).isEqualTo(next);
            assertThat(store.term(where.index)).isEqualTo(where.term);
            List<Path> segments = LogDirs.segments(dir);
            assertThat(Segment.parseId(segments.get(0).getFileName().toString()))
                    .as("new segments get fresh ids").isGreaterThan(oldMaxId);
        }
        try (FileLogStore store = open()) {
            assertThat(store.firstIndex()).as("after reopen").isEqualTo(where.index + 1);
            assertThat(store.lastIndex()).isEqualTo(where.index + 60);
            assertThat(store.term(where.index)).isEqualTo(where.term);
            assertThat(store.entries(where.index + 1, where.index + 61, Long.MAX_VALUE))
                    .isEqualTo(batch(where.index + 1, 60, where.term, 50));
        }
    }

    @Test
    void resetIsDurableWithoutASyncAndSurvivesACrash() throws IOException {
        FileLogStore store = open();
        ResetLogs.writeOldLog(store, new InMemoryLog());
        store.resetTo(70, 7);
        store.abandon();
        try (FileLogStore reopened = open()) {
            assertResetTo(reopened, 70, 7, "after a crash right after the reset");
        }
    }

    @Test
    void anEmptyLogCanBeResetAndResetAgain() throws IOException {
        try (FileLogStore store = open()) {
            store.resetTo(5, 2);
            assertResetTo(store, 5, 2, "fresh log");
            store.resetTo(5, 2);
            assertResetTo(store, 5, 2, "same position again");
            store.resetTo(3, 1);
            assertResetTo(store, 3, 1, "an earlier position");
            store.append(List.of(entry(4, 1, 10), entry(5, 3, 0)));
            store.resetTo(1000, 8);
            assertResetTo(store, 1000, 8, "past the end");
        }
        try (FileLogStore store = open()) {
            assertResetTo(store, 1000, 8, "after reopen");
            assertThat(store.loadHardState().term()).as("the hard state is untouched").isZero();
        }
    }

    @Test
    void aCrashAfterAppendingBehindAResetKeepsTheSyncedEntries() throws IOException {
        FileLogStore store = open();
        ResetLogs.writeOldLog(store, new InMemoryLog());
        store.resetTo(70, 7);
        store.append(batch(71, 5, 7, 20));
        store.sync();
        store.abandon();
        try (FileLogStore reopened = open()) {
            assertThat(reopened.firstIndex()).isEqualTo(71);
            assertThat(reopened.lastIndex()).isEqualTo(75);
            assertThat(reopened.entries(71, 76, Long.MAX_VALUE)).isEqualTo(batch(71, 5, 7, 20));
            assertThat(reopened.term(70)).isEqualTo(7);
        }
    }

    @Test
    void truncationAndCompactionWorkOnAResetLog() throws IOException {
        InMemoryLog model = new InMemoryLog();
        try (FileLogStore store = open()) {
            ResetLogs.writeOldLog(store, model);
            store.resetTo(200, 5);
            model.resetTo(200, 5);
            List<LogEntry> next = batch(201, 80, 5, 50);
            store.append(next);
            model.append(next);
            store.truncateSuffix(260);
            model.truncateSuffix(260);
            store.compactPrefix(230);
            model.compactPrefix(230);
            assertThat(ResetLogs.sameLog(store, model)).as(ResetLogs.describe(store)).isTrue();
        }
        try (FileLogStore store = open()) {
            assertThat(ResetLogs.sameLog(store, model)).as(ResetLogs.describe(store) + " vs "
                    + ResetLogs.describe(model)).isTrue();
            assertThat(store.term(230)).isEqualTo(5);
        }
    }

    @Test
    void appendsAfterAResetMustContinueAtTheNextIndexWithoutLoweringTheTerm() throws IOException {
        try (FileLogStore store = open()) {
            ResetLogs.writeOldLog(store, new InMemoryLog());
            store.resetTo(70, 7);
            assertThatThrownBy(() -> store.append(List.of(entry(70, 7, 1)))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected index 71");
            assertThatThrownBy(() -> store.append(List.of(entry(71, 6, 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term would decrease");
            assertResetTo(store, 70, 7, "after refused appends");
        }
    }

    @Test
    void invalidPositionsAreRejectedAndLeaveTheStoreUnchanged() throws IOException {
        InMemoryLog model = new InMemoryLog();
        try (FileLogStore store = open()) {
            ResetLogs.writeOldLog(store, model);
            List<Path> filesBefore = LogDirs.segments(dir);
            byte[] stateBefore = Files.readAllBytes(dir.resolve(StateFile.NAME));
            long[][] bad = {{0, 1}, {-1, 1}, {Long.MIN_VALUE, 1}, {5, 0}, {5, -3}, {0, 0}, {Long.MAX_VALUE, 2}};
            for (long[] position : bad) {
                assertThatThrownBy(() -> store.resetTo(position[0], position[1]))
                        .as("reset to %d@%d", position[0], position[1])
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("index " + position[0]).hasMessageContaining("term " + position[1]);
            }
            assertThat(ResetLogs.sameLog(store, model)).as("the log is unchanged").isTrue();
            assertThat(LogDirs.segments(dir)).isEqualTo(filesBefore);
            assertThat(Files.readAllBytes(dir.resolve(StateFile.NAME))).as("nothing was saved").isEqualTo(stateBefore);
            store.append(List.of(entry(141, 2, 5)));
        }
        try (FileLogStore store = open()) {
            assertThat(store.lastIndex()).isEqualTo(141);
        }
    }

    @Test
    void aClosedStoreRefusesAReset() throws IOException {
        FileLogStore store = open();
        store.close();
        assertThatThrownBy(() -> store.resetTo(5, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void repeatedResetsLeaveOnlyTheCurrentSegments() throws IOException {
        try (FileLogStore store = open()) {
            long index = 0;
            for (int round = 1; round <= 30; round++) {
                store.append(batch(index + 1, 40, round, 50));
                index += round % 3 == 0 ? 10 : 500;
                store.resetTo(index, round + 1);
                assertThat(LogDirs.segments(dir)).as("round %d", round).isEmpty();
            }
            store.append(batch(index + 1, 3, 31, 10));
            assertThat(LogDirs.segments(dir)).hasSize(1);
        }
    }

    @Test
    void aStateFileOfFormatVersionOneIsStillRead() throws IOException {
        try (FileLogStore store = open()) {
            store.append(batch(1, 20, 1, 30));
            store.compactPrefix(5);
        }
        // Rewrite both slots in the version 1 layout: the same fields without the first live segment id.
        Path state = dir.resolve(StateFile.NAME);
        ByteBuffer image = ByteBuffer.wrap(Files.readAllBytes(state));
        for (int slot = 0; slot < 2; slot++) {
            int base = slot * StateFile.SLOT_BYTES;
            image.putInt(base + 4, 1);
            image.putLong(base + 64, 0);
            CRC32C crc = new CRC32C();
            crc.update(image.array(), base, 64);
            image.putInt(base + 64, (int) crc.getValue());
        }
        Files.write(state, image.array());
        try (FileLogStore store = open()) {
            assertThat(store.firstIndex()).isEqualTo(6);
            assertThat(store.entries(6, 21, Long.MAX_VALUE)).isEqualTo(batch(1, 20, 1, 30).subList(5, 20));
            store.resetTo(50, 2);
        }
        try (FileLogStore store = open()) {
            assertResetTo(store, 50, 2, "a version 1 directory after a reset");
        }
    }
}
