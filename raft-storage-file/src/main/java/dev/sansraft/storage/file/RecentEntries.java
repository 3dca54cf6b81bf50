package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;

/**
 * The entries a {@link FileLogStore} appended most recently, kept in memory so that reads of the log's tail skip the
 * positional read, the checksum and the decoding of records written moments before. That is the common read: a
 * leader applying what just committed, after its own write made the core drop the entries from memory.
 *
 * <p>A ring of {@link #CAPACITY} slots: the entry at index {@code i} sits in slot {@code i mod CAPACITY}. Entries with
 * payloads over {@link #MAX_PAYLOAD_BYTES} are not kept (their slot is cleared), which bounds the memory to about
 * {@code CAPACITY * MAX_PAYLOAD_BYTES}.
 *
 * <p>Thread-safety: the store's single writer fills a slot before it publishes the index through the store's volatile
 * last index; any thread reads. A reader takes an entry only if it carries the index asked for, since a later append
 * may have reused the slot. An index that a truncation or reset removed is always written again before it is
 * published again, and a read that overlaps a truncation is retried by the store's epoch check, so an entry served
 * here is the one the files hold. Entries are immutable records, safe to share across threads.
 */
final class RecentEntries {

    static final int CAPACITY = 4096;
    static final int MAX_PAYLOAD_BYTES = 1024;
    private static final int MASK = CAPACITY - 1;

    private final LogEntry[] ring = new LogEntry[CAPACITY];

    /** Remembers {@code entry}, or forgets its slot if the entry is too large to keep. Writer thread only. */
    void put(LogEntry entry) {
        ring[slot(entry.index())] = entry.payload().length <= MAX_PAYLOAD_BYTES ? entry : null;
    }

    /** The entry at {@code index} if it is still here, else null. Any thread. */
    LogEntry get(long index) {
        LogEntry e = ring[slot(index)];
        return e != null && e.index() == index ? e : null;
    }

    private static int slot(long index) {
        return (int) (index & MASK);
    }
}
