package dev.sansraft.storage.file;

import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.util.List;

import static dev.sansraft.storage.file.TestEntries.batch;

/** Shared set-up for the {@code resetTo} tests: an old log spread over several segments, and reset positions. */
final class ResetLogs {

    private ResetLogs() {
    }

    /** Where the reset position lies relative to the old log [31, 140]. */
    enum Where {
        /** Below the compaction point: the snapshot is older than anything the log holds. */
        BEFORE(10, 3),
        /** Inside, with a term the log does not have there. */
        INSIDE(70, 7),
        /** At the last entry, with another term. */
        AT_LAST(140, 9),
        /** Past the end. */
        PAST(500, 4);

        final long index;
        final long term;

        Where(long index, long term) {
            this.index = index;
            this.term = term;
        }
    }

    /** Entries 1..140 (terms 1 and 2), compacted up to 30, synced; the model mirrors it. */
    static void writeOldLog(FileLogStore store, InMemoryLog model) throws IOException {
        List<LogEntry> first = batch(1, 100, 1, 50);
        List<LogEntry> second = batch(101, 40, 2, 50);
        store.append(first);
        store.append(second);
        model.append(first);
        model.append(second);
        store.compactPrefix(30);
        model.compactPrefix(30);
        store.sync();
    }

    /** Whether {@code store} holds exactly {@code model}'s log: bounds, the term before the first entry, entries. */
    static boolean sameLog(FileLogStore store, InMemoryLog model) {
        return store.firstIndex() == model.firstIndex() && store.lastIndex() == model.lastIndex()
                && store.term(model.firstIndex() - 1) == model.term(model.firstIndex() - 1)
                && store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE)
                .equals(model.entries(model.firstIndex(), model.lastIndex() + 1, Long.MAX_VALUE));
    }

    /** A readable description of {@code store}'s log for assertion messages. */
    static String describe(FileLogStore store) {
        long first = store.firstIndex();
        return "[" + first + ".." + store.lastIndex() + "], term(" + (first - 1) + ")=" + store.term(first - 1);
    }

    /** The same for a model. */
    static String describe(InMemoryLog model) {
        long first = model.firstIndex();
        return "[" + first + ".." + model.lastIndex() + "], term(" + (first - 1) + ")=" + model.term(first - 1);
    }
}
