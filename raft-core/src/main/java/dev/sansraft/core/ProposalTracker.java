package dev.sansraft.core;

import java.util.Arrays;
import java.util.List;

/**
 * Proposals this node accepted as leader and whose fate is not known yet, by index. Each ends in exactly one way:
 * the entry committed at its index has the accepted term (the runtime completes it from the {@link Action.Apply}),
 * or it is reported {@link Action.ProposalDropped} because it can never be applied: another entry committed at its
 * index, or an entry of a newer term committed before it. Not thread-safe: owned by its
 * {@link RaftCore}.
 *
 * <p>A proposal is <em>not</em> dropped when this node's own copy is truncated or when it loses leadership: other
 * nodes may still hold the entry, and a later leader may commit it. Only what is committed decides.
 * So two proposals can wait on one index (one from an earlier leadership), which is why they are kept per index.
 *
 * <p>The bytes of tracked proposals drive {@code maxUncommittedBytes} back-pressure. Proposals from an earlier
 * leadership still count until resolved, which errs towards refusing work.
 *
 * <p>Layout: one record per proposal in parallel primitive arrays, slots {@code [head, tail)}, ordered by index and,
 * at one index, by acceptance. A leader accepts at ascending indexes and entries are applied in index order, so the
 * common case appends at the tail and resolves at the head without allocating; a proposal below the tail (one left
 * from an earlier leadership) is inserted in place. Invariant: {@code indexes} is non-decreasing over the slots.
 */
final class ProposalTracker {

    private static final int INITIAL_CAPACITY = 64;

    private long[] correlationIds = new long[INITIAL_CAPACITY];
    private long[] indexes = new long[INITIAL_CAPACITY];
    private long[] terms = new long[INITIAL_CAPACITY];
    private long[] sizes = new long[INITIAL_CAPACITY];
    private int head;
    private int tail;
    private long bytes;
    /**
     * How many pending proposals each term has, so the common case (nothing from older terms) costs nothing; a
     * handful of terms at most, so a short unsorted array.
     */
    private long[] countedTerms = new long[4];
    private int[] termCounts = new int[4];
    private int termsCounted;

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return head == tail;
    }

    void accepted(long correlationId, LogEntry entry) {
        long index = entry.index();
        int slot;
        if (head == tail || index >= indexes[tail - 1]) {
            makeRoomAtTail();
            slot = tail;
        } else {
            // Below a proposal of an earlier leadership: after every one at or below its index, before the rest.
            makeRoomAtTail();
            slot = upperBound(index);
            int moved = tail - slot;
            System.arraycopy(correlationIds, slot, correlationIds, slot + 1, moved);
            System.arraycopy(indexes, slot, indexes, slot + 1, moved);
            System.arraycopy(terms, slot, terms, slot + 1, moved);
            System.arraycopy(sizes, slot, sizes, slot + 1, moved);
        }
        correlationIds[slot] = correlationId;
        indexes[slot] = index;
        terms[slot] = entry.term();
        sizes[slot] = entry.sizeBytes();
        tail++;
        countTerm(entry.term(), 1);
        bytes += entry.sizeBytes();
    }

    /**
     * An entry of {@code commitTerm} is committed at {@code commitIndex}. Terms never decrease along a log, so no log
     * that holds that committed entry (every future leader's, by Leader Completeness, Raft §5.4) can hold an entry of
     * an older term after it: proposals of older terms at later indexes can never commit, and are dropped now rather
     * than held, with their bytes, until something else is committed at their index.
     */
    void committed(long commitIndex, long commitTerm, List<Action> out) {
        if (!hasTermBelow(commitTerm)) {
            return;
        }
        int kept = upperBound(commitIndex);
        for (int i = kept; i < tail; i++) {
            if (terms[i] < commitTerm) {
                forget(i);
                out.add(new Action.ProposalDropped(correlationIds[i], indexes[i], terms[i]));
            } else {
                moveSlot(i, kept++);
            }
        }
        tail = kept;
        resetIfEmpty();
    }

    /**
     * This node installed a snapshot ending at {@code (snapshotIndex, snapshotTerm)} in place of a log that did not
     * contain it, so the entries up to there will never be applied here one by one. A proposal there of a newer term
     * than the snapshot's last entry cannot be in it (terms never decrease along a log) and is dropped; for the
     * others this node cannot tell whether they took effect, and reports so.
     */
    void coveredBySnapshot(long snapshotIndex, long snapshotTerm, List<Action> out) {
        while (head < tail && indexes[head] <= snapshotIndex) {
            forget(head);
            out.add(terms[head] > snapshotTerm
                    ? new Action.ProposalDropped(correlationIds[head], indexes[head], terms[head])
                    : new Action.ProposalUnknown(correlationIds[head], indexes[head], terms[head]));
            head++;
        }
        resetIfEmpty();
    }

    /** Resolves the proposals at the indexes of {@code applied}: those whose term differs were dropped. */
    void applied(List<LogEntry> applied, List<Action> out) {
        if (head == tail) {
            return;
        }
        long first = applied.get(0).index();
        long last = applied.get(applied.size() - 1).index();
        while (head < tail && indexes[head] <= last) {
            long index = indexes[head];
            forget(head);
            if (index < first) {
                throw new IllegalStateException("proposal " + correlationIds[head] + " at " + index
                        + " was skipped by an apply starting at " + first);
            }
            if (applied.get((int) (index - first)).term() != terms[head]) {
                out.add(new Action.ProposalDropped(correlationIds[head], index, terms[head]));
            }
            head++;
        }
        resetIfEmpty();
    }

    private void forget(int slot) {
        bytes -= sizes[slot];
        countTerm(terms[slot], -1);
    }

    /** The first slot whose index is above {@code index}, or {@code tail}. */
    private int upperBound(long index) {
        int lo = head;
        int hi = tail;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (indexes[mid] <= index) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void moveSlot(int from, int to) {
        if (from != to) {
            correlationIds[to] = correlationIds[from];
            indexes[to] = indexes[from];
            terms[to] = terms[from];
            sizes[to] = sizes[from];
        }
    }

    /** Ensures slot {@code tail} exists: slides the slots down to 0 when the head has freed half, else grows. */
    private void makeRoomAtTail() {
        if (tail < indexes.length) {
            return;
        }
        int count = tail - head;
        if (head >= indexes.length / 2) {
            System.arraycopy(correlationIds, head, correlationIds, 0, count);
            System.arraycopy(indexes, head, indexes, 0, count);
            System.arraycopy(terms, head, terms, 0, count);
            System.arraycopy(sizes, head, sizes, 0, count);
        } else {
            int capacity = indexes.length * 2;
            correlationIds = Arrays.copyOfRange(correlationIds, head, head + capacity);
            indexes = Arrays.copyOfRange(indexes, head, head + capacity);
            terms = Arrays.copyOfRange(terms, head, head + capacity);
            sizes = Arrays.copyOfRange(sizes, head, head + capacity);
        }
        head = 0;
        tail = count;
    }

    private void resetIfEmpty() {
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }

    private boolean hasTermBelow(long term) {
        for (int i = 0; i < termsCounted; i++) {
            if (countedTerms[i] < term) {
                return true;
            }
        }
        return false;
    }

    private void countTerm(long term, int delta) {
        for (int i = 0; i < termsCounted; i++) {
            if (countedTerms[i] == term) {
                termCounts[i] += delta;
                if (termCounts[i] == 0) {
                    termsCounted--;
                    countedTerms[i] = countedTerms[termsCounted];
                    termCounts[i] = termCounts[termsCounted];
                }
                return;
            }
        }
        if (delta < 0) {
            throw new IllegalStateException("no pending proposal of term " + term + " to forget");
        }
        if (termsCounted == countedTerms.length) {
            countedTerms = Arrays.copyOf(countedTerms, termsCounted * 2);
            termCounts = Arrays.copyOf(termCounts, termsCounted * 2);
        }
        countedTerms[termsCounted] = term;
        termCounts[termsCounted] = delta;
        termsCounted++;
    }
}
