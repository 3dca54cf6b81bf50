package dev.sansraft.storage.file;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;

import java.util.ArrayList;
import java.util.List;

/** Deterministic test entries whose payload is a function of index and term, so any read can be checked alone. */
final class TestEntries {

    private TestEntries() {
    }

    /** The payload an entry at {@code index} in {@code term} carries in these tests. */
    static byte[] payload(long index, long term, int size) {
        byte[] p = new byte[size];
        long x = index * 0x9E3779B97F4A7C15L ^ term * 0xC2B2AE3D27D4EB4FL;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            p[i] = (byte) x;
        }
        return p;
    }

    static LogEntry entry(long index, long term, int size) {
        EntryKind kind = size == 0 ? EntryKind.NOOP : (index % 7 == 0 ? EntryKind.CONFIG : EntryKind.NORMAL);
        return new LogEntry(index, term, kind, payload(index, term, size));
    }

    /** Entries {@code from .. from + count - 1}, all in {@code term}, with payload sizes cycling up to maxSize. */
    static List<LogEntry> batch(long from, int count, long term, int maxSize) {
        List<LogEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long index = from + i;
            out.add(entry(index, term, (int) ((index * 31) % (maxSize + 1))));
        }
        return out;
    }

    /** Whether {@code e} is exactly what {@link #entry} produces for its index and term. */
    static boolean isGenuine(LogEntry e) {
        return e.equals(entry(e.index(), e.term(), e.payload().length));
    }

    /**
     * Where each record of {@code entries}, written from the start of a fresh segment, ends: element {@code i} is the
     * end of the first {@code i} records, element 0 the end of the segment header.
     */
    static long[] recordEnds(List<LogEntry> entries) {
        long[] ends = new long[entries.size() + 1];
        ends[0] = SegmentHeader.BYTES;
        for (int i = 0; i < entries.size(); i++) {
            ends[i + 1] = ends[i] + RecordFormat.recordBytes(entries.get(i));
        }
        return ends;
    }
}
