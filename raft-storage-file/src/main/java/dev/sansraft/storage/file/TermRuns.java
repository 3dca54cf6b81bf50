package dev.sansraft.storage.file;

import java.util.Arrays;

/**
 * The terms of one segment's entries as runs of equal terms: {@code (startIndex, term)} pairs in index order.
 * Raft terms only grow along a log and change rarely, so a segment with a million entries usually needs one or two
 * runs, and {@link #termAt} answers from memory with a binary search over the runs.
 *
 * <p>Thread-safety: one writer thread calls {@link #add} and {@link #truncateFrom}; readers call {@link #termAt}
 * concurrently. A run becomes visible to readers when {@link #publish()} is called, and {@link FileLogStore} only
 * asks for indexes it has already published. Truncation overwrites runs readers may be using; the store's truncation
 * epoch makes such readers retry.
 */
final class TermRuns {

    /** Interleaved {@code startIndex, term} pairs; replaced (never shrunk in place) when it grows. */
    private volatile long[] runs;
    private volatile int publishedRuns;
    private int stagedRuns;

    TermRuns() {
        this.runs = new long[8];
    }

    /** Runs loaded from a sealed segment's footer, already published. */
    TermRuns(long[] runs, int runCount) {
        this.runs = runs;
        this.stagedRuns = runCount;
        this.publishedRuns = runCount;
    }

    /** Writer: records that {@code index} (the next index after all added ones) has {@code term}. */
    void add(long index, long term) {
        if (stagedRuns > 0 && runs[2 * stagedRuns - 1] == term) {
            return;
        }
        long[] r = runs;
        if (2 * stagedRuns + 2 > r.length) {
            r = Arrays.copyOf(r, r.length * 2);
            runs = r;
        }
        r[2 * stagedRuns] = index;
        r[2 * stagedRuns + 1] = term;
        stagedRuns++;
    }

    /** Writer: makes every added run visible to readers. */
    void publish() {
        publishedRuns = stagedRuns;
    }

    /** Writer: forgets the terms of {@code fromIndex} and every later index. */
    void truncateFrom(long fromIndex) {
        long[] r = runs;
        while (stagedRuns > 0 && r[2 * (stagedRuns - 1)] >= fromIndex) {
            stagedRuns--;
        }
        publishedRuns = stagedRuns;
    }

    /** The term of {@code index}, which the caller knows is held by this segment. */
    long termAt(long index) {
        int n = publishedRuns;
        long[] r = runs;
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (r[2 * mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return r[2 * lo + 1];
    }

    /** Number of published runs. */
    int size() {
        return publishedRuns;
    }

    /** Start index of run {@code i}. */
    long startIndex(int i) {
        return runs[2 * i];
    }

    /** Term of run {@code i}. */
    long term(int i) {
        return runs[2 * i + 1];
    }
}
