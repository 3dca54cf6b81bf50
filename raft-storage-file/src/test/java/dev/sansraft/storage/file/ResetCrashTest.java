package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.storage.file.ResetLogs.Where;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A crash, or an I/O error, at every step of {@link FileLogStore#resetTo} (and of the first appends after it) must
 * leave either the complete old log or the reset log, never a mix and never a log that claims entries it lacks.
 *
 * <p>Crash images are copies of the directory taken just before each step that can change the disk. Since no step
 * has run yet when an image is taken, every image is also what a power loss would leave if that step and the unforced
 * ones before it had not reached the disk; the deletions of old segments are covered because images are taken before
 * each of them (the files still exist, as after a lost directory update).
 */
class ResetCrashTest {

    private static final long RESET_APPEND_COUNT = 30;

    @TempDir
    Path tmp;

    private static FileLogStore open(Path dir, FileChannels channels) throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(2048).writeBufferBytes(4096).channels(channels).open();
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aCrashAtAnyStepRecoversTheOldLogOrTheResetLog(Where where) throws IOException {
        Path dir = tmp.resolve("log");
        StepChannels channels = new StepChannels();
        InMemoryLog oldLog = new InMemoryLog();
        List<Path> images = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        List<LogEntry> next = batch(where.index + 1, (int) RESET_APPEND_COUNT, where.term, 60);
        try (FileLogStore store = open(dir, channels)) {
            ResetLogs.writeOldLog(store, oldLog);
            store.saveHardState(new HardState(where.term, 2));
            channels.hook = what -> {
                Path image = tmp.resolve("image-" + images.size());
                LogDirs.copy(dir, image);
                images.add(image);
                steps.add(what);
            };
            store.resetTo(where.index, where.term);
            // The first appends after the reset create new segments: crashes there must not revive old entries.
            store.append(next.subList(0, 10));
            store.sync();
            store.append(next.subList(10, next.size()));
            store.sync();
            channels.hook = null;
        }
        assertThat(images.size()).as("steps seen: %s", steps).isGreaterThan(10);
        InMemoryLog resetLog = new InMemoryLog();
        resetLog.resetTo(where.index, where.term);
        boolean committed = false;
        int oldImages = 0;
        for (int k = 0; k < images.size(); k++) {
            String context = where + ": crash before step " + k + " (" + steps.get(k) + ")";
            try (FileLogStore store = open(images.get(k), FileChannels.DEFAULT)) {
                assertThat(store.loadHardState()).as(context).isEqualTo(new HardState(where.term, 2));
                if (ResetLogs.sameLog(store, oldLog)) {
                    assertThat(committed).as(context + ": the old log came back after a reset image").isFalse();
                    oldImages++;
                } else {
                    committed = true;
                    assertIsResetLogWithAPrefixOf(store, where, next, context);
                    assertThat(LogDirs.segments(images.get(k)).size()).as(context + ": old segments are deleted")
                            .isLessThanOrEqualTo(1 + (int) (store.lastIndex() - where.index) / 20);
                }
                // Whatever was recovered takes new appends that survive a reopen.
                long last = store.lastIndex();
                store.append(List.of(entry(last + 1, 20, 7)));
            }
            try (FileLogStore store = open(images.get(k), FileChannels.DEFAULT)) {
                assertThat(store.lastIndex()).as(context + ": after append and reopen").isGreaterThan(0);
                assertThat(store.term(store.lastIndex())).as(context).isEqualTo(20);
            }
        }
        assertThat(oldImages).as("the images before the state save hold the old log").isGreaterThan(0);
        assertThat(committed).as("the images after the state save hold the reset log").isTrue();
    }

    private static void assertIsResetLogWithAPrefixOf(FileLogStore store, Where where, List<LogEntry> next,
                                                      String context) {
        assertThat(store.firstIndex()).as(context + ": neither the old nor the reset log: " + ResetLogs.describe(store))
                .isEqualTo(where.index + 1);
        assertThat(store.term(where.index)).as(context).isEqualTo(where.term);
        long count = store.lastIndex() - where.index;
        assertThat(count).as(context + ": last index " + store.lastIndex()).isBetween(0L, (long) next.size());
        assertThat(store.entries(where.index + 1, store.lastIndex() + 1, Long.MAX_VALUE)).as(context)
                .isEqualTo(next.subList(0, (int) count));
    }

    /**
     * A torn save of the state slot that commits the reset (the power failed mid-write): the other slot, one save
     * older, wins, and the old segments are all still there.
     */
    @ParameterizedTest
    @EnumSource(Where.class)
    void aTornStateSaveRecoversTheOldLog(Where where) throws IOException {
        Path dir = tmp.resolve("log");
        StepChannels channels = new StepChannels();
        InMemoryLog oldLog = new InMemoryLog();
        Path beforeForce = tmp.resolve("before-force");
        byte[][] stateBeforeWrite = new byte[1][];
        try (FileLogStore store = open(dir, channels)) {
            ResetLogs.writeOldLog(store, oldLog);
            channels.hook = what -> {
                if (what.equals("write " + StateFile.NAME) && stateBeforeWrite[0] == null) {
                    stateBeforeWrite[0] = Files.readAllBytes(dir.resolve(StateFile.NAME));
                } else if (what.equals("force " + StateFile.NAME) && !Files.exists(beforeForce)) {
                    LogDirs.copy(dir, beforeForce);
                }
            };
            store.resetTo(where.index, where.term);
            channels.hook = null;
        }
        byte[] written = Files.readAllBytes(beforeForce.resolve(StateFile.NAME));
        int changed = 0;
        while (written[changed] == stateBeforeWrite[0][changed]) {
            changed++;
        }
        // Damage the slot the reset wrote (its first changed byte is the sequence number or a field after it).
        LogDirs.flipBit(beforeForce.resolve(StateFile.NAME), changed, 0);
        try (FileLogStore store = open(beforeForce, FileChannels.DEFAULT)) {
            assertThat(ResetLogs.sameLog(store, oldLog)).as(where + ": " + ResetLogs.describe(store)).isTrue();
        }
    }

    /** An I/O error at step k of the reset: the store stops, and the directory reopens as the old or reset log. */
    @ParameterizedTest
    @EnumSource(Where.class)
    void anIoErrorAtAnyStepStopsTheStoreAndReopensAsOneOfTheTwoLogs(Where where) throws IOException {
        int totalSteps = countResetSteps(where);
        assertThat(totalSteps).as("a reset has steps to fail").isGreaterThan(3);
        for (int failAt = 0; failAt < totalSteps; failAt++) {
            Path dir = tmp.resolve("fail-" + failAt);
            StepChannels channels = new StepChannels();
            InMemoryLog oldLog = new InMemoryLog();
            FileLogStore store = open(dir, channels);
            ResetLogs.writeOldLog(store, oldLog);
            int[] seen = {0};
            int target = failAt;
            channels.hook = what -> {
                if (seen[0]++ == target) {
                    throw new IOException("injected failure at step " + target + " (" + what + ")");
                }
            };
            String context = where + ": failure at step " + failAt;
            assertThatThrownBy(() -> store.resetTo(where.index, where.term)).as(context)
                    .isInstanceOf(IOException.class).hasMessageContaining("injected failure");
            channels.hook = null;
            boolean oldInMemory = ResetLogs.sameLog(store, oldLog);
            if (!oldInMemory) {
                assertIsResetLogWithAPrefixOf(store, where, List.of(), context + " (in memory)");
            }
            FailStopTest.assertRefusesEveryWrite(store);
            assertThatThrownBy(() -> store.resetTo(where.index, where.term)).as(context)
                    .isInstanceOf(IOException.class).hasMessageContaining("fail-stop");
            store.close();
            try (FileLogStore reopened = open(dir, FileChannels.DEFAULT)) {
                if (!ResetLogs.sameLog(reopened, oldLog)) {
                    assertIsResetLogWithAPrefixOf(reopened, where, List.of(), context + " (reopened)");
                } else {
                    assertThat(oldInMemory).as(context + ": the reset was published, so it must be durable").isTrue();
                }
            }
        }
    }

    private int countResetSteps(Where where) throws IOException {
        Path dir = tmp.resolve("count");
        StepChannels channels = new StepChannels();
        int[] steps = {0};
        try (FileLogStore store = open(dir, channels)) {
            ResetLogs.writeOldLog(store, new InMemoryLog());
            channels.hook = what -> steps[0]++;
            store.resetTo(where.index, where.term);
            channels.hook = null;
        }
        return steps[0];
    }
}
