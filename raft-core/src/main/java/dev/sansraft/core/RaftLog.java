package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of its log: the entries the runtime has stored (read through a {@link LogView}) followed by a
 * recent tail held in memory: every entry the core has appended but not yet seen {@link Event.Persisted} for, and
 * also those durable but not yet applied. Keeping the latter means that applying what was just committed, and
 * replicating what was just written, does not read the storage back. Also tracks the commit index, the applied
 * index, and the log writes still to be emitted as actions.
 *
 * <p>Indexes: stored entries are read for {@code index < recentOffset}; {@code recent} holds
 * {@code recentOffset .. lastIndex}, and {@code recentOffset > min(persistedIndex, appliedIndex)} (the entries up to
 * there are released as soon as both indexes pass them, so the tail holds only what is not durable or not applied:
 * after each step the latter is what is not committed). The storage holds the same entries below
 * {@code recentOffset}, which is what makes reading either side give the same answer; it may physically hold more
 * than {@code recentOffset - 1} while a truncation is in flight, and those entries are never read.
 *
 * <p>Compaction: the core never reads at or below {@code compactedIndex} (the last index a snapshot let it discard,
 * whose term it keeps), so the storage may drop those entries whenever it executes the {@link Action.CompactLog} or
 * {@link Action.ResetLog}; the core's view of where the log starts changes at once.
 *
 * <p>Invariants: {@code compactedIndex <= appliedIndex <= commitIndex <= lastIndex};
 * {@code compactedIndex <= persistedIndex <= lastIndex}; the entries
 * the runtime must still write are {@code unflushedFrom .. lastIndex}, preceded by a truncation at
 * {@code pendingTruncate} when that is non-zero. Not thread-safe: owned by its {@link RaftCore}.
 */
final class RaftLog {

    private final LogView storage;
    private final ArrayList<LogEntry> recent = new ArrayList<>();
    private long recentOffset;
    private long persistedIndex;
    private long unflushedFrom;
    private long pendingTruncate;
    /** The epoch of the newest truncation; reports of writes from earlier epochs may describe removed entries. */
    private long truncationEpoch;
    private long commitIndex;
    private long appliedIndex;
    private long compactedIndex;
    private long compactedTerm;
    /** A reset to emit before any other write, or 0, and the term at its index. */
    private long pendingResetIndex;
    private long pendingResetTerm;

    RaftLog(LogView storage) {
        this(storage, 0);
    }

    RaftLog(LogView storage, long snapshotIndex) {
        this.storage = storage;
        long last = storage.lastIndex();
        this.recentOffset = last + 1;
        this.unflushedFrom = last + 1;
        // Everything a runtime hands the core at creation is durable: that is the restart contract.
        this.persistedIndex = last;
        this.compactedIndex = storage.firstIndex() - 1;
        this.compactedTerm = compactedIndex == 0 ? 0 : storage.term(compactedIndex);
        // The state machine starts from the snapshot; without one, from the entry before the log.
        this.commitIndex = Math.max(compactedIndex, snapshotIndex);
        this.appliedIndex = commitIndex;
    }

    long firstIndex() {
        return compactedIndex + 1;
    }

    /** The last index discarded by compaction or a reset (its term is still known), 0 if none. */
    long compactedIndex() {
        return compactedIndex;
    }

    long lastIndex() {
        return recentOffset + recent.size() - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    long commitIndex() {
        return commitIndex;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    long persistedIndex() {
        return persistedIndex;
    }

    /** The term at {@code index}; 0 for index 0. */
    long term(long index) {
        if (index >= recentOffset) {
            if (index > lastIndex()) {
                throw new IllegalArgumentException("term asked for index " + index + " past the last index "
                        + lastIndex());
            }
            return recent.get((int) (index - recentOffset)).term();
        }
        if (index == compactedIndex) {
            return compactedTerm;
        }
        if (index < compactedIndex) {
            throw new IllegalArgumentException("term asked for index " + index + ", compacted away (log starts after "
                    + compactedIndex + ")");
        }
        return storage.term(index);
    }

    /** Whether the log holds an entry at {@code index} with {@code term} (index 0 always matches term 0). */
    boolean matchTerm(long index, long term) {
        if (index > lastIndex() || index < firstIndex() - 1) {
            return false;
        }
        return term(index) == term;
    }

    /** Raft §5.4.1: whether a log ending at {@code (lastIndex, lastTerm)} is at least as up-to-date as this one. */
    boolean isUpToDate(long otherLastIndex, long otherLastTerm) {
        long myLastTerm = lastTerm();
        return otherLastTerm > myLastTerm || (otherLastTerm == myLastTerm && otherLastIndex >= lastIndex());
    }

    /**
     * Entries in {@code [from, toExclusive)}, at most {@code maxCount} of them and at most {@code maxBytes} of them
     * (but at least one when the range is non-empty). The list is immutable and exactly sized, so the records that
     * carry it ({@link Message.AppendRequest}, {@link Action.Apply}) keep it without copying it again.
     */
    List<LogEntry> entries(long from, long toExclusive, int maxCount, long maxBytes) {
        long end = Math.min(toExclusive, from + maxCount);
        if (from >= end) {
            return List.of();
        }
        if (from <= compactedIndex) {
            throw new IllegalArgumentException("entries asked from " + from + ", compacted away (log starts after "
                    + compactedIndex + ")");
        }
        List<LogEntry> stored = List.of();
        long bytes = 0;
        if (from < recentOffset) {
            long storedEnd = Math.min(end, recentOffset);
            stored = storage.entries(from, storedEnd, maxBytes);
            for (LogEntry e : stored) {
                bytes += e.sizeBytes();
            }
            if (from + stored.size() < storedEnd) {
                return List.copyOf(stored); // the byte limit stopped the stored part
            }
        }
        int firstRecent = (int) (Math.max(from, recentOffset) - recentOffset);
        int limitRecent = (int) (end - recentOffset);
        int endRecent = firstRecent;
        while (endRecent < limitRecent) {
            bytes += recent.get(endRecent).sizeBytes();
            if ((!stored.isEmpty() || endRecent > firstRecent) && bytes > maxBytes) {
                break;
            }
            endRecent++;
        }
        if (endRecent == firstRecent) {
            return List.copyOf(stored);
        }
        LogEntry[] out = new LogEntry[stored.size() + endRecent - firstRecent];
        int n = 0;
        for (LogEntry e : stored) {
            out[n++] = e;
        }
        for (int i = firstRecent; i < endRecent; i++) {
            out[n++] = recent.get(i);
        }
        return List.of(out);
    }

    /** Appends one entry the leader created. */
    void appendLocal(LogEntry entry) {
        if (entry.index() != lastIndex() + 1) {
            throw new IllegalStateException("leader append at " + entry.index() + " does not follow last index "
                    + lastIndex());
        }
        recent.add(entry);
    }

    /**
     * Raft §5.3 receiver rule 3 and 4 for entries already known to follow a matching {@code prevLogIndex}: skips the
     * entries this log already has, truncates at the first conflict, and appends the rest.
     *
     * @return the index of the first entry whose term conflicted and that was removed, or 0
     */
    long appendFromLeader(List<LogEntry> entries, long epoch) {
        int i = 0;
        long removedFrom = 0;
        for (; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.index() > lastIndex()) {
                break;
            }
            if (term(e.index()) != e.term()) {
                if (e.index() <= commitIndex) {
                    throw new IllegalStateException("leader entry " + e.index() + "@" + e.term()
                            + " conflicts with committed entry of term " + term(e.index())
                            + " (commitIndex " + commitIndex + ")");
                }
                truncateFrom(e.index(), epoch);
                removedFrom = e.index();
                break;
            }
        }
        for (; i < entries.size(); i++) {
            recent.add(entries.get(i));
        }
        return removedFrom;
    }

    private void truncateFrom(long index, long epoch) {
        if (index >= recentOffset) {
            recent.subList((int) (index - recentOffset), recent.size()).clear();
        } else {
            recent.clear();
            recentOffset = index;
        }
        if (index < unflushedFrom) {
            // Storage holds entries at or after index: they must go before the new ones are written.
            pendingTruncate = pendingTruncate == 0 ? index : Math.min(pendingTruncate, index);
            unflushedFrom = index;
        }
        truncationEpoch = epoch;
        persistedIndex = Math.min(persistedIndex, index - 1);
    }

    /**
     * The log writes to hand to the runtime, in order, and marks them handed over: a truncation first if one is
     * pending, then the entries not yet written.
     */
    void flushWrites(List<Action> out, long epoch) {
        if (pendingResetIndex != 0) {
            out.add(new Action.ResetLog(pendingResetIndex, pendingResetTerm));
            pendingResetIndex = 0;
        }
        if (pendingTruncate != 0) {
            out.add(new Action.TruncateLog(pendingTruncate));
            pendingTruncate = 0;
        }
        if (unflushedFrom <= lastIndex()) {
            out.add(new Action.AppendLog(
                    recent.subList((int) (unflushedFrom - recentOffset), recent.size()), epoch));
            unflushedFrom = lastIndex() + 1;
        }
    }

    /**
     * The runtime reports writes up to {@code index} durable with {@code term} at {@code index}, the newest of them
     * requested in {@code epoch}. A report about an entry since replaced (different term) is ignored, and so is a
     * report from before the newest truncation: entries can be truncated and written back with the same index and
     * term while a write is in flight. Within one epoch a follower never truncates what it wrote in that epoch
     * (it follows one leader, whose entries never conflict with each other), so a report from the newest
     * truncation's epoch or later describes entries that stay.
     *
     * @return whether the persisted index advanced
     */
    boolean persisted(long index, long term, long epoch) {
        if (epoch < truncationEpoch || index <= persistedIndex || index > lastIndex() || index >= unflushedFrom
                || index < firstIndex() || term(index) != term) {
            return false;
        }
        persistedIndex = index;
        releaseDurableAndApplied();
        return true;
    }

    /** Drops from memory the entries both durable and applied: the storage serves them from now on. */
    private void releaseDurableAndApplied() {
        long upTo = Math.min(persistedIndex, appliedIndex);
        if (upTo >= recentOffset) {
            recent.subList(0, (int) (upTo - recentOffset + 1)).clear();
            recentOffset = upTo + 1;
        }
    }

    /**
     * Discards the entries up to and including {@code index}, which a durable snapshot covers; the caller emits the
     * {@link Action.CompactLog}. Only applied, persisted entries may go.
     */
    void compactTo(long index) {
        if (index <= compactedIndex) {
            return;
        }
        if (index > appliedIndex || index > persistedIndex) {
            throw new IllegalStateException("compaction to " + index + " past the applied index " + appliedIndex
                    + " or the persisted index " + persistedIndex);
        }
        compactedTerm = term(index);
        compactedIndex = index;
    }

    /**
     * Raft §7 receiver rule 7: discards the whole log, which did not contain the installed snapshot's last entry,
     * and continues it after {@code (index, term)}. The snapshot is durable, so the log counts as persisted,
     * committed and applied up to {@code index}; a {@link Action.ResetLog} is emitted ahead of any later write.
     */
    void resetTo(long index, long snapshotTerm, long epoch) {
        if (index <= commitIndex) {
            throw new IllegalStateException("reset to " + index + " at or below the commit index " + commitIndex);
        }
        recent.clear();
        recentOffset = index + 1;
        unflushedFrom = index + 1;
        pendingTruncate = 0;
        pendingResetIndex = index;
        pendingResetTerm = snapshotTerm;
        truncationEpoch = epoch;
        compactedIndex = index;
        compactedTerm = snapshotTerm;
        persistedIndex = index;
        commitIndex = index;
        appliedIndex = index;
    }

    /** Moves the commit index forward; it never moves back. */
    void commitTo(long index) {
        if (index <= commitIndex) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit index " + index + " past last index " + lastIndex());
        }
        commitIndex = index;
    }

    /** Committed entries not yet handed out for applying, up to {@code maxBytes}; marks them applied. */
    List<LogEntry> takeCommitted(long maxBytes) {
        if (appliedIndex >= commitIndex) {
            return List.of();
        }
        List<LogEntry> batch = entries(appliedIndex + 1, commitIndex + 1, Integer.MAX_VALUE, maxBytes);
        appliedIndex = batch.get(batch.size() - 1).index();
        releaseDurableAndApplied();
        return batch;
    }

    /**
     * The fast-backtracking hint (the scheme etcd's raft uses): the last index at or below {@code index} whose term is
     * at most {@code term}. Every entry above it has a larger term and so cannot match a log whose entry at
     * {@code index} has {@code term}.
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i >= firstIndex() && term(i) > term) {
            i--;
        }
        return Math.max(i, firstIndex() - 1);
    }
}
