package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;

/** The store's in-memory tail: whatever it serves is what the files hold, across wrap-around and truncations. */
class RecentEntriesTest {

    @TempDir
    Path dir;

    @Test
    void aSlotReusedByALaterIndexIsNotServedForTheOldOne() {
        RecentEntries recent = new RecentEntries();
        LogEntry old = entry(5, 1, 10);
        recent.put(old);
        assertThat(recent.get(5)).isSameAs(old);
        recent.put(entry(5 + RecentEntries.CAPACITY, 1, 10));
        assertThat(recent.get(5)).as("slot reused").isNull();
        recent.put(entry(6, 1, RecentEntries.MAX_PAYLOAD_BYTES + 1));
        assertThat(recent.get(6)).as("too large to keep").isNull();
    }

    @Test
    void readsMatchTheWrittenLogAcrossWrapAroundTruncationAndReset() throws IOException {
        int n = 3 * RecentEntries.CAPACITY;
        // Payload sizes cycle past the largest kept one, so some slots are cleared rather than filled.
        List<LogEntry> expected = new ArrayList<>(batch(1, n, 1, RecentEntries.MAX_PAYLOAD_BYTES + 200));
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(1 << 20).open()) {
            for (int from = 0; from < n; from += 1000) {
                store.append(expected.subList(from, Math.min(n, from + 1000)));
            }
            checkReads(store, expected);

            // Truncate into the part still in memory and rewrite it in a later term.
            long cut = n - 500;
            store.truncateSuffix(cut);
            expected.subList((int) cut - 1, expected.size()).clear();
            List<LogEntry> rewritten = batch(cut, 700, 2, 300);
            store.append(rewritten);
            expected.addAll(rewritten);
            checkReads(store, expected);
            assertThat(store.term(cut)).isEqualTo(2);

            // A reset past the end, then appends: no entry from before the reset comes back.
            long reset = expected.size() + 10L;
            store.resetTo(reset, 3);
            List<LogEntry> after = batch(reset + 1, 50, 3, 100);
            store.append(after);
            assertThat(store.entries(reset + 1, reset + 51, Long.MAX_VALUE)).isEqualTo(after);
        }
    }

    /** Whole-log, tail and straddling reads, with and without a byte limit, equal the written entries. */
    private static void checkReads(FileLogStore store, List<LogEntry> expected) {
        int n = expected.size();
        assertThat(store.entries(1, n + 1, Long.MAX_VALUE)).isEqualTo(expected);
        int tail = n - 100;
        assertThat(store.entries(tail + 1, n + 1, Long.MAX_VALUE)).isEqualTo(expected.subList(tail, n));
        int straddle = n - RecentEntries.CAPACITY - 50;
        assertThat(store.entries(straddle + 1, n + 1, Long.MAX_VALUE)).isEqualTo(expected.subList(straddle, n));
        List<LogEntry> limited = store.entries(tail + 1, n + 1, 2_000);
        assertThat(limited).isNotEmpty().isEqualTo(expected.subList(tail, tail + limited.size()));
        long bytes = limited.stream().mapToLong(LogEntry::sizeBytes).sum();
        assertThat(bytes).as("byte limit kept unless one entry exceeds it").satisfiesAnyOf(
                b -> assertThat(b).isLessThanOrEqualTo(2_000), b -> assertThat(limited).hasSize(1));
        for (int i = 0; i < n; i += 97) {
            assertThat(store.term(i + 1)).isEqualTo(expected.get(i).term());
        }
    }
}
