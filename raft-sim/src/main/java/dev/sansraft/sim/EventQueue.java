package dev.sansraft.sim;

import java.util.Arrays;

/**
 * The simulator's single event queue: a binary min-heap ordered by (time, sequence). The sequence number is assigned
 * at scheduling, so events due at the same instant run in the order they were scheduled, which keeps a run a pure
 * function of its seed.
 *
 * <p>Parallel arrays rather than one object per entry, to keep the hot loop free of allocation. Not thread-safe.
 */
final class EventQueue {

    private long[] times = new long[1024];
    private long[] seqs = new long[1024];
    private SimEvent[] events = new SimEvent[1024];
    private int size;
    private long nextSeq;

    void schedule(long time, SimEvent event) {
        if (size == times.length) {
            int n = size * 2;
            times = Arrays.copyOf(times, n);
            seqs = Arrays.copyOf(seqs, n);
            events = Arrays.copyOf(events, n);
        }
        int i = size++;
        long seq = nextSeq++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(time, seq, times[parent], seqs[parent])) {
                break;
            }
            times[i] = times[parent];
            seqs[i] = seqs[parent];
            events[i] = events[parent];
            i = parent;
        }
        times[i] = time;
        seqs[i] = seq;
        events[i] = event;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The time of the earliest event; only valid when not empty. */
    long peekTime() {
        return times[0];
    }

    /** Removes and returns the earliest event. */
    SimEvent poll() {
        if (size == 0) {
            throw new IllegalStateException("event queue is empty");
        }
        SimEvent top = events[0];
        size--;
        long t = times[size];
        long s = seqs[size];
        SimEvent e = events[size];
        events[size] = null;
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(times[right], seqs[right], times[child], seqs[child])) {
                child = right;
            }
            if (!less(times[child], seqs[child], t, s)) {
                break;
            }
            times[i] = times[child];
            seqs[i] = seqs[child];
            events[i] = events[child];
            i = child;
        }
        if (size > 0) {
            times[i] = t;
            seqs[i] = s;
            events[i] = e;
        }
        return top;
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }
}
