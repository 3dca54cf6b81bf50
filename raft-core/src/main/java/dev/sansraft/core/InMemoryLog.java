package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogView} held in memory, with the mutations a runtime performs when it executes
 * {@link Action.AppendLog}, {@link Action.TruncateLog}, {@link Action.CompactLog} and {@link Action.ResetLog}. For tests, the simulator, and embedders that keep the log
 * elsewhere.
 *
 * <p>Not thread-safe: confine it to one thread or guard it externally.
 */
public final class InMemoryLog implements LogView {

    private final List<LogEntry> entries = new ArrayList<>();
    private long firstIndex = 1;
    private long termBeforeFirst = 0;

    /** An empty log starting at index 1. */
    public InMemoryLog() {
    }

    /**
     * A log holding the given entries, which must be contiguous from index 1.
     *
     * @param entries the entries, contiguous from index 1
     * @return the log
     */
    public static InMemoryLog of(List<LogEntry> entries) {
        InMemoryLog log = new InMemoryLog();
        log.append(entries);
        return log;
    }

    @Override
    public long firstIndex() {
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        return firstIndex + entries.size() - 1;
    }

    @Override
    public long term(long index) {
        if (index == firstIndex - 1) {
            return termBeforeFirst;
        }
        checkHeld(index);
        return entries.get((int) (index - firstIndex)).term();
    }

    /**
     * The entry at {@code index}.
     *
     * @param index an index in {@code [firstIndex(), lastIndex()]}
     * @return the entry
     */
    public LogEntry entry(long index) {
        checkHeld(index);
        return entries.get((int) (index - firstIndex));
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        if (fromIndex < firstIndex || toIndexExclusive > lastIndex() + 1 || fromIndex > toIndexExclusive) {
            throw new IllegalArgumentException("range [" + fromIndex + ", " + toIndexExclusive
                    + ") is outside the log [" + firstIndex + ", " + (lastIndex() + 1) + ")");
        }
        List<LogEntry> out = new ArrayList<>((int) Math.min(toIndexExclusive - fromIndex, 1024));
        long bytes = 0;
        for (long i = fromIndex; i < toIndexExclusive; i++) {
            LogEntry e = entries.get((int) (i - firstIndex));
            bytes += e.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /**
     * Appends contiguous entries right after {@link #lastIndex()}.
     *
     * @param batch the entries, contiguous from {@code lastIndex() + 1}
     */
    public void append(List<LogEntry> batch) {
        long expected = lastIndex() + 1;
        for (LogEntry e : batch) {
            if (e.index() != expected) {
                throw new IllegalArgumentException("append would leave a gap or overlap: expected index " + expected
                        + ", got " + e.index());
            }
            expected++;
        }
        entries.addAll(batch);
    }

    /**
     * Removes {@code fromIndex} and everything after it; a no-op past the end.
     *
     * @param fromIndex the first index to remove, at least {@link #firstIndex()}
     */
    public void truncateSuffix(long fromIndex) {
        if (fromIndex < firstIndex) {
            throw new IllegalArgumentException("cannot truncate from " + fromIndex + ", below the first index "
                    + firstIndex);
        }
        if (fromIndex <= lastIndex()) {
            entries.subList((int) (fromIndex - firstIndex), entries.size()).clear();
        }
    }

    /**
     * Discards every entry up to and including {@code upToIndex}, remembering its term.
     *
     * @param upToIndex the last index to discard, in {@code [firstIndex() - 1, lastIndex()]}
     */
    public void compactPrefix(long upToIndex) {
        if (upToIndex < firstIndex - 1 || upToIndex > lastIndex()) {
            throw new IllegalArgumentException("cannot compact up to " + upToIndex + ": log holds ["
                    + firstIndex + ", " + lastIndex() + "]");
        }
        if (upToIndex >= firstIndex) {
            termBeforeFirst = term(upToIndex);
            entries.subList(0, (int) (upToIndex - firstIndex + 1)).clear();
            firstIndex = upToIndex + 1;
        }
    }

    /**
     * Discards every entry and continues the log after {@code (index, term)} (see {@link Action.ResetLog}).
     *
     * @param index the index the log continues after, at least 1
     * @param term the term of {@code index}, at least 1
     */
    public void resetTo(long index, long term) {
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("reset position must be at least 1, got " + index + "@" + term);
        }
        entries.clear();
        firstIndex = index + 1;
        termBeforeFirst = term;
    }

    /** {@return an independent copy of this log, with the same first index and compaction term} */
    public InMemoryLog copy() {
        InMemoryLog c = new InMemoryLog();
        c.firstIndex = firstIndex;
        c.termBeforeFirst = termBeforeFirst;
        c.entries.addAll(entries);
        return c;
    }

    /** {@return a copy of every entry held} */
    public List<LogEntry> snapshotEntries() {
        return new ArrayList<>(entries);
    }

    private void checkHeld(long index) {
        if (index < firstIndex || index > lastIndex()) {
            throw new IllegalArgumentException("index " + index + " is outside the log [" + firstIndex + ", "
                    + lastIndex() + "]");
        }
    }
}
