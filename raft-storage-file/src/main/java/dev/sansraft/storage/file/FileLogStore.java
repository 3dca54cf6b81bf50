package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import dev.sansraft.node.LogStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * A {@link LogStore} kept in checksummed segment files in one directory; the format is described in
 * {@code FORMAT.md}. Open one with {@link #open(Path)}, or with options through {@link #builder(Path)}
 * ({@link FileLogStoreBuilder}).
 *
 * <p>Contract, beyond {@link LogStore}'s:
 * <ul>
 *   <li>{@link #append} and {@link #truncateSuffix} write to the OS page cache and are visible to readers at once;
 *       {@link #sync()} forces them with {@code FileChannel.force}. File creations and deletions are followed by a
 *       directory fsync before the store relies on them.</li>
 *   <li>Preallocation: the newest segment's file is kept zero-filled and forced ahead of its data, one chunk
 *       ({@link FileLogStoreBuilder#preallocateBytes}) at a time, so that the force of a {@code sync()} never has to
 *       commit a file-size change; sealed segments end exactly at their footer.</li>
 *   <li>Group commit: concurrent {@code sync()} callers share one force; a caller whose writes a finished force
 *       already covered returns without forcing again.</li>
 *   <li>Fail-stop: after any I/O error on a write or a force, every later write and sync throws. A failed force is
 *       never retried, since the kernel may have dropped the dirty pages it failed to write.</li>
 *   <li>Recovery on open cuts a torn final record (and, silently, the preallocated zeros after the last record) but
 *       fails with {@link CorruptLogException} on damage a crash cannot explain; the store holds its directory's
 *       lock ({@link StoreLockedException}) until closed.</li>
 *   <li>{@link #compactPrefix} first syncs the log, then durably records the new first index and the term before
 *       it, then deletes the segments that only held compacted entries.</li>
 *   <li>{@link #resetTo} durably records the new start and the id below which every segment file is dead, then
 *       deletes every segment; it is durable when it returns, and a crash at any point recovers either the whole
 *       old log or the empty reset one.</li>
 *   <li>Terms must not decrease along the log, and a saved hard state must not move its term backwards or change a
 *       vote already cast in the same term (Raft §5.2): both are rejected with {@link IllegalArgumentException}.</li>
 * </ul>
 *
 * <p>Thread-safety: one writer thread calls the mutating methods; any number of threads may call the
 * {@link dev.sansraft.core.LogView} methods and {@link #sync()} concurrently. Readers take no lock: they see
 * published indexes through volatile fields and read with positional reads; a truncation or compaction bumps a
 * sequence counter so that a reader racing it retries. Read failures surface as {@link UncheckedIOException}
 * (wrapping a {@link CorruptLogException} when a checksum fails), because {@code LogView} declares no checked
 * exceptions.
 */
public final class FileLogStore implements LogStore {

    private static final Logger log = LoggerFactory.getLogger(FileLogStore.class);
    /** Largest single positional read used to serve {@link #entries}; bigger ranges are read in pieces. */
    private static final int MAX_READ_BYTES = 1 << 20;
    /**
     * A batch that writes at least this many bytes into a segment grows the file itself rather than preallocating
     * after it. Zeros cost write bandwidth (every preallocated byte is written twice), while what they save is one
     * journal commit per sync: worth it for small writes, a loss for large ones (measured on ext4: 1 MiB batches, each
     * synced, ran at 60% of their throughput with a zero chunk after every batch). About 128 KiB is where writing the
     * zeros (at ~1 GB/s) costs as much as the journal commit they save (~0.1-0.3 ms).
     */
    static final int LARGE_WRITE_BYTES = 128 << 10;

    private final Path dir;
    private final long segmentSizeBytes;
    private final FileChannels channels;
    private final DirectoryLock lock;
    private final StateFile stateFile;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Package-private so that tests can see callers queued behind an in-flight force. */
    final ReentrantLock syncLock = new ReentrantLock();
    private final ByteBuffer writeBuffer;
    /** Zeros written ahead of the tail's data end, one chunk at a time; {@code null} when preallocation is off. */
    private final ByteBuffer preallocationZeros;
    /** Preallocation chunks end at this offset plus a multiple of the chunk ({@link #preallocateAfter}). */
    private final long preallocationPhase;
    /** Bytes of a torn record (not preallocated zeros) that recovery cut from the newest segment on open. */
    private final long tornBytesCutOnOpen;
    private final CRC32C crc = new CRC32C();
    private final RecentEntries recent = new RecentEntries();

    private volatile Segment[] segments;
    private volatile long firstIndex;
    private volatile long lastIndex;
    private volatile long termBeforeFirst;
    /** Odd while a truncation, compaction or reset rewrites published state; readers that see it change retry. */
    private volatile long epoch;
    /** Bumped after every change to the log's files; {@link #durableSeq} is the value the last force covered. */
    private volatile long writeSeq;
    private volatile long durableSeq;
    private volatile IOException failure;
    private volatile boolean closed;
    private long nextSegmentId;
    /** Writer: the file position of {@code writeBuffer}'s first byte. */
    private long bufferFilePosition;

    FileLogStore(FileLogStoreBuilder b, DirectoryLock lock, StateFile stateFile, SegmentRecovery.Result recovered) {
        this.dir = b.dir();
        this.segmentSizeBytes = b.segmentSizeBytes();
        this.channels = b.channels();
        this.lock = lock;
        this.stateFile = stateFile;
        this.writeBuffer = ByteBuffer.allocateDirect(b.writeBufferBytes());
        // A chunk never exceeds the segment size, so that preallocation never runs past it (and offsets stay ints).
        int chunk = (int) Math.min(b.preallocateBytes(), b.segmentSizeBytes());
        this.preallocationZeros = chunk == 0 ? null : ByteBuffer.allocateDirect(chunk);
        long offset = b.preallocationOffsetBytes();
        this.preallocationPhase = chunk == 0 ? 0
                : offset < 0 ? ThreadLocalRandom.current().nextLong(chunk) : offset % chunk;
        this.tornBytesCutOnOpen = recovered.tornBytesCut();
        this.segments = recovered.segments().toArray(new Segment[0]);
        this.nextSegmentId = recovered.nextSegmentId();
        DurableState state = stateFile.current();
        this.firstIndex = state.firstIndex();
        this.termBeforeFirst = state.termBeforeFirst();
        Segment[] segs = segments;
        this.lastIndex = segs.length == 0 ? state.firstIndex() - 1 : segs[segs.length - 1].lastIndex();
    }

    /**
     * Opens (creating if needed) the log in {@code dir} with default options.
     *
     * @param dir the directory the log lives in; created with its parents if missing
     * @return the open store, recovered to the last durable record
     * @throws StoreLockedException if another store owns {@code dir}
     * @throws CorruptLogException if {@code dir} holds damage that recovery must not repair
     * @throws IOException if the directory cannot be created, read or locked
     */
    public static FileLogStore open(Path dir) throws IOException {
        return builder(dir).open();
    }

    /**
     * A builder for a store in {@code dir}.
     *
     * @param dir the directory the log lives in; must not be null
     * @return a builder with the default options, not yet touching the disk
     */
    public static FileLogStoreBuilder builder(Path dir) {
        if (dir == null) {
            throw new IllegalArgumentException("log directory is null");
        }
        return new FileLogStoreBuilder(dir);
    }

    /** {@return the directory this store owns} */
    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------- LogView (any thread)

    @Override
    public long firstIndex() {
        checkOpen();
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        checkOpen();
        return lastIndex;
    }

    @Override
    public long term(long index) {
        checkOpen();
        if (index == 0) {
            return 0;
        }
        for (int spins = 0; ; spins++) {
            long e = epoch;
            if ((e & 1) != 0) {
                backOff(spins);
                continue;
            }
            long first = firstIndex;
            long last = lastIndex;
            long result = -1;
            RuntimeException error = null;
            try {
                if (index == first - 1) {
                    result = termBeforeFirst;
                } else if (index < first || index > last) {
                    error = new IllegalArgumentException("index " + index + " is outside the log [" + first + ", "
                            + last + "] in " + dir);
                } else {
                    LogEntry cached = recent.get(index);
                    result = cached != null ? cached.term() : find(segments, index).termAt(index);
                }
            } catch (RuntimeException x) {
                error = x;
            }
            if (epoch == e) {
                if (error != null) {
                    throw error;
                }
                return result;
            }
        }
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        checkOpen();
        for (int spins = 0; ; spins++) {
            long e = epoch;
            if ((e & 1) != 0) {
                backOff(spins);
                continue;
            }
            List<LogEntry> result = null;
            RuntimeException error = null;
            try {
                result = readEntries(fromIndex, toIndexExclusive, maxBytes);
            } catch (IOException x) {
                error = new UncheckedIOException(x);
            } catch (RuntimeException x) {
                error = x;
            }
            if (epoch == e) {
                if (error != null) {
                    throw error;
                }
                return result;
            }
        }
    }

    private List<LogEntry> readEntries(long from, long to, long maxBytes) throws IOException {
        long first = firstIndex;
        long last = lastIndex;
        if (from < first || to > last + 1 || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is outside the log [" + first
                    + ", " + (last + 1) + ") in " + dir);
        }
        Segment[] segs = segments;
        List<LogEntry> out = new ArrayList<>((int) Math.min(to - from, 1024));
        long bytes = 0;
        long i = from;
        // The tail the writer appended recently is served from memory, as long as it is there.
        LogEntry cached;
        while (i < to && (cached = recent.get(i)) != null) {
            if (!out.isEmpty() && bytes + cached.sizeBytes() > maxBytes) {
                return out;
            }
            bytes += cached.sizeBytes();
            out.add(cached);
            i++;
        }
        while (i < to) {
            Segment seg = find(segs, i);
            long segEnd = Math.min(to, seg.lastIndex() + 1);
            long j = i;
            long chunkBytes = 0;
            boolean full = false;
            while (j < segEnd) {
                long recordBytes = (long) seg.offset(j + 1) - seg.offset(j);
                long entryBytes = recordBytes - RecordFormat.HEADER_BYTES + LogEntry.OVERHEAD_BYTES;
                if (!(out.isEmpty() && j == from) && bytes + entryBytes > maxBytes) {
                    full = true;
                    break;
                }
                if (j > i && chunkBytes + recordBytes > MAX_READ_BYTES) {
                    break;
                }
                bytes += entryBytes;
                chunkBytes += recordBytes;
                j++;
            }
            seg.readRecords(i, j, out);
            i = j;
            if (full) {
                break;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- writes (one writer thread)

    @Override
    public void append(List<LogEntry> entries) throws IOException {
        if (entries == null) {
            throw new IllegalArgumentException("entries is null");
        }
        writeLock.lock();
        try {
            checkWritable();
            if (entries.isEmpty()) {
                return;
            }
            validateAppend(entries);
            try {
                writeBatch(entries);
            } catch (IOException | RuntimeException e) {
                throw fail("append", e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void validateAppend(List<LogEntry> entries) {
        long expected = lastIndex + 1;
        long previousTerm = term(lastIndex);
        for (LogEntry e : entries) {
            if (e == null) {
                throw new IllegalArgumentException("null entry in append batch at index " + expected);
            }
            if (e.index() != expected) {
                throw new IllegalArgumentException("append would leave a gap or overlap: expected index " + expected
                        + ", got " + e.index() + " (log ends at " + lastIndex + ")");
            }
            if (e.term() < previousTerm) {
                throw new IllegalArgumentException("term would decrease along the log: index " + e.index()
                        + " has term " + e.term() + " after term " + previousTerm);
            }
            if (e.payload().length > RecordFormat.MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("entry " + e.index() + " has a " + e.payload().length
                        + "-byte payload; the limit is " + RecordFormat.MAX_PAYLOAD_BYTES);
            }
            previousTerm = e.term();
            expected++;
        }
    }

    private void writeBatch(List<LogEntry> entries) throws IOException {
        Segment seg = writableTail();
        writeBuffer.clear();
        bufferFilePosition = seg.stagedEnd();
        long batchStart = bufferFilePosition;
        for (LogEntry e : entries) {
            int recordBytes = RecordFormat.recordBytes(e);
            long start = bufferFilePosition + writeBuffer.position();
            if (seg.stagedCount() > 0 && start + recordBytes > segmentSizeBytes) {
                flush(seg);
                seg = roll(seg);
                bufferFilePosition = seg.stagedEnd();
                batchStart = bufferFilePosition;
            }
            if (writeBuffer.remaining() < RecordFormat.HEADER_BYTES) {
                flush(seg);
            }
            RecordFormat.putHeader(writeBuffer, e, crc);
            recent.put(e);
            byte[] payload = e.payload();
            int copied = 0;
            while (copied < payload.length) {
                if (!writeBuffer.hasRemaining()) {
                    flush(seg);
                }
                int n = Math.min(writeBuffer.remaining(), payload.length - copied);
                writeBuffer.put(payload, copied, n);
                copied += n;
            }
            seg.stage(e.index(), e.term(), (int) (bufferFilePosition + writeBuffer.position()));
        }
        flush(seg);
        // Once per batch, after its last write: never after a flush that a roll (whose seal cuts the zeros) follows.
        if (bufferFilePosition - batchStart < LARGE_WRITE_BYTES) {
            preallocateAfter(seg, bufferFilePosition);
        }
    }

    /** Writes the buffer at its file position, then publishes every record staged so far. */
    private void flush(Segment seg) throws IOException {
        writeBuffer.flip();
        long pos = bufferFilePosition;
        while (writeBuffer.hasRemaining()) {
            pos += seg.channel().write(writeBuffer, pos);
        }
        bufferFilePosition = pos;
        writeBuffer.clear();
        seg.publish();
        writeSeq++;
        lastIndex = seg.lastIndex();
    }

    /**
     * Keeps the tail's file zero-filled and forced ahead of its data end {@code dataEnd}, so that an append and its
     * {@code force(false)} write into blocks the file already has and change no file size: then the fdatasync of a
     * {@link #sync()} writes the data only, instead of also committing the file-system journal for the size change.
     *
     * <p>Called once after each batch: only a batch that ended past the preallocated end pays, once per chunk: zeros
     * from {@code dataEnd} to the next chunk boundary (at most one chunk, in one write; the boundaries sit at this
     * store's own offset, see {@link FileLogStoreBuilder#preallocationOffsetBytes}), then one force, which also
     * makes the just-written data durable. A large batch ({@link #LARGE_WRITE_BYTES}) is not followed by zeros: its
     * sync's size change is cheap next to its data, and the next small batch preallocates again. Preallocation stops
     * at the segment size: records beyond it (only a single oversized record in an otherwise empty segment) grow the
     * file as they are written, and the segment is sealed right after.
     */
    private void preallocateAfter(Segment seg, long dataEnd) throws IOException {
        ByteBuffer zeros = preallocationZeros;
        if (zeros == null || dataEnd <= seg.allocatedEnd() || dataEnd >= segmentSizeBytes) {
            return;
        }
        long chunk = zeros.capacity();
        long boundary = preallocationPhase + (Math.floorDiv(dataEnd - preallocationPhase, chunk) + 1) * chunk;
        long to = Math.min(segmentSizeBytes, boundary);
        seg.preallocate(dataEnd, to, zeros);
    }

    /** Bytes of a torn record that recovery cut from the newest segment when this store opened (0: a clean end). */
    long tornBytesCutOnOpen() {
        return tornBytesCutOnOpen;
    }

    /** The segment new records go to, creating one when the log has none or its newest is sealed. */
    private Segment writableTail() throws IOException {
        Segment[] segs = segments;
        if (segs.length > 0 && !segs[segs.length - 1].isSealed()) {
            return segs[segs.length - 1];
        }
        return createSegment(segs, lastIndex + 1);
    }

    /** Seals the full segment (forcing its data and footer) and starts the next one. */
    private Segment roll(Segment full) throws IOException {
        full.seal();
        return createSegment(segments, full.lastIndex() + 1);
    }

    private Segment createSegment(Segment[] segs, long first) throws IOException {
        Segment created = Segment.create(dir, nextSegmentId++, first, channels);
        channels.syncDirectory(dir);
        // Recorded so that recovery can tell a lost newest segment from a log that ends earlier.
        stateFile.save(stateFile.current().withTailSegment(created.id()));
        Segment[] next = Arrays.copyOf(segs, segs.length + 1);
        next[segs.length] = created;
        segments = next;
        return created;
    }

    @Override
    public void truncateSuffix(long fromIndex) throws IOException {
        writeLock.lock();
        try {
            checkWritable();
            if (fromIndex < firstIndex) {
                throw new IllegalArgumentException("cannot truncate from " + fromIndex + ", below the first index "
                        + firstIndex + " (entries before it are compacted) in " + dir);
            }
            if (fromIndex > lastIndex) {
                return;
            }
            epoch++;
            try {
                Segment[] segs = segments;
                int k = indexOf(segs, fromIndex);
                if (k < segs.length - 1) {
                    stateFile.save(stateFile.current().withTailSegment(segs[k].id()));
                }
                // Newest first, so that a crash part-way leaves a contiguous run of segments.
                for (int i = segs.length - 1; i > k; i--) {
                    segs[i].markDeletedAndClose();
                    Files.delete(segs[i].path());
                }
                if (k < segs.length - 1) {
                    // The deletions must be durable before new records reuse these indexes.
                    channels.syncDirectory(dir);
                }
                segs[k].truncateFrom(fromIndex);
                segments = Arrays.copyOf(segs, k + 1);
                lastIndex = fromIndex - 1;
                writeSeq++;
            } catch (IOException | RuntimeException e) {
                throw fail("truncate", e);
            } finally {
                epoch++;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the reset is durable before this returns: the new start and the id below which every segment file is
     * dead are saved in the {@code state} file (one forced slot write, the commit point), and only then are the old
     * segments deleted and the directory forced. A crash before the commit point recovers the old log whole; after
     * it, recovery deletes whatever old segment survived, whatever indexes it holds, so the two logs never mix.
     */
    @Override
    public void resetTo(long index, long term) throws IOException {
        if (index < 1 || index == Long.MAX_VALUE || term < 1) {
            throw new IllegalArgumentException("cannot reset the log to index " + index + " term " + term
                    + ": both must be at least 1 (and the index below " + Long.MAX_VALUE + ") in " + dir);
        }
        writeLock.lock();
        try {
            checkWritable();
            Segment[] segs = segments;
            long firstLiveSegmentId = nextSegmentId;
            try {
                stateFile.save(stateFile.current().withReset(index, term, firstLiveSegmentId));
            } catch (IOException | RuntimeException e) {
                throw fail("reset", e);
            }
            epoch++;
            try {
                termBeforeFirst = term;
                firstIndex = index + 1;
                lastIndex = index;
                segments = new Segment[0];
                writeSeq++;
                // Any order is safe: recovery drops every segment below the recorded id, whatever survives.
                for (Segment s : segs) {
                    s.markDeletedAndClose();
                    Files.deleteIfExists(s.path());
                }
                if (segs.length > 0) {
                    channels.syncDirectory(dir);
                }
            } catch (IOException | RuntimeException e) {
                throw fail("reset", e);
            } finally {
                epoch++;
            }
            log.debug("reset log store {} to continue after index {} term {}; deleted {} segments", dir, index, term,
                    segs.length);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void compactPrefix(long upToIndex) throws IOException {
        checkWritable();
        checkCompactable(upToIndex);
        if (upToIndex == firstIndex - 1) {
            return;
        }
        // The snapshot covers these entries, but the entries after them must not end up older than the compaction
        // point after a crash: make the whole log durable first.
        sync();
        writeLock.lock();
        try {
            checkWritable();
            checkCompactable(upToIndex);
            long termAtCompaction = term(upToIndex);
            Segment[] segs = segments;
            int released = 0;
            while (released < segs.length && segs[released].lastIndex() <= upToIndex) {
                released++;
            }
            long tailId = released == segs.length ? 0 : segs[segs.length - 1].id();
            try {
                stateFile.save(stateFile.current().withCompaction(upToIndex + 1, termAtCompaction, tailId));
            } catch (IOException | RuntimeException e) {
                throw fail("compaction", e);
            }
            epoch++;
            try {
                termBeforeFirst = termAtCompaction;
                firstIndex = upToIndex + 1;
                segments = Arrays.copyOfRange(segs, released, segs.length);
                // Oldest first, so that a crash part-way leaves a contiguous run; open deletes the rest.
                for (int i = 0; i < released; i++) {
                    segs[i].markDeletedAndClose();
                    Files.delete(segs[i].path());
                }
                if (released > 0) {
                    channels.syncDirectory(dir);
                }
            } catch (IOException | RuntimeException e) {
                throw fail("compaction", e);
            } finally {
                epoch++;
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void checkCompactable(long upToIndex) {
        long first = firstIndex;
        long last = lastIndex;
        if (upToIndex < first - 1 || upToIndex > last) {
            throw new IllegalArgumentException("cannot compact up to " + upToIndex + ": the log holds [" + first
                    + ", " + last + "] in " + dir);
        }
    }

    // ---------------------------------------------------------------- durability (any thread)

    @Override
    public void sync() throws IOException {
        checkOpen();
        throwIfFailed();
        long target = writeSeq;
        if (durableSeq >= target) {
            return;
        }
        syncLock.lock();
        try {
            throwIfFailed();
            if (durableSeq >= target) {
                // A force that started after our writes already covered them: group commit.
                return;
            }
            long covering;
            Segment tail;
            writeLock.lock();
            try {
                covering = writeSeq;
                Segment[] segs = segments;
                tail = segs.length == 0 ? null : segs[segs.length - 1];
            } finally {
                writeLock.unlock();
            }
            // Only the tail can hold unforced data: rolling forces a segment before sealing it, and truncation or
            // compaction sync the directory themselves. Appends may continue while this force runs.
            if (tail != null) {
                try {
                    tail.channel().force(false);
                } catch (ClosedChannelException e) {
                    if (!tail.isDeleted()) {
                        throw fail("sync", e);
                    }
                } catch (IOException | RuntimeException e) {
                    throw fail("sync", e);
                }
            }
            durableSeq = covering;
        } finally {
            syncLock.unlock();
        }
    }

    @Override
    public HardState loadHardState() throws IOException {
        checkOpen();
        return stateFile.current().hardState();
    }

    @Override
    public void saveHardState(HardState state) throws IOException {
        if (state == null) {
            throw new IllegalArgumentException("hard state is null");
        }
        writeLock.lock();
        try {
            checkWritable();
            DurableState current = stateFile.current();
            HardState previous = current.hardState();
            if (state.term() < previous.term()) {
                throw new IllegalArgumentException("hard state term would move backwards from " + previous.term()
                        + " to " + state.term() + " in " + dir);
            }
            if (state.term() == previous.term() && previous.votedFor() != HardState.NO_VOTE
                    && state.votedFor() != previous.votedFor()) {
                throw new IllegalArgumentException("vote in term " + state.term() + " would change from "
                        + previous.votedFor() + " to " + state.votedFor() + " (Raft §5.2: one vote per term) in "
                        + dir);
            }
            try {
                stateFile.save(current.withHardState(state));
            } catch (IOException | RuntimeException e) {
                throw fail("hard state save", e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Forces outstanding writes and seals the newest segment (unless the store has failed), then releases every file
     * and the lock. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        IOException error = null;
        try {
            if (failure == null) {
                sync();
            }
        } catch (IOException e) {
            error = e;
        }
        syncLock.lock();
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            Segment[] segs = segments;
            Segment tail = segs.length == 0 ? null : segs[segs.length - 1];
            if (failure == null && error == null && tail != null && !tail.isSealed() && tail.stagedCount() > 0) {
                // Sealing the tail on a clean close lets the next open read only indexes, never scan records;
                // the next append starts a new segment.
                try {
                    tail.seal();
                } catch (IOException | RuntimeException e) {
                    error = fail("seal on close", e);
                }
            }
            for (Segment s : segs) {
                error = closeCollecting(s::close, error);
            }
            error = closeCollecting(stateFile::close, error);
            error = closeCollecting(lock::close, error);
            log.info("closed log store dir={} firstIndex={} lastIndex={}", dir, firstIndex, lastIndex);
        } finally {
            writeLock.unlock();
            syncLock.unlock();
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * Test hook: releases every file and the lock without forcing or sealing anything, leaving the directory as a
     * process crash would (apart from page-cache loss, which the tests simulate by cutting files).
     */
    void abandon() throws IOException {
        syncLock.lock();
        writeLock.lock();
        try {
            closed = true;
            IOException error = null;
            for (Segment s : segments) {
                error = closeCollecting(s::close, error);
            }
            error = closeCollecting(stateFile::close, error);
            error = closeCollecting(lock::close, error);
            if (error != null) {
                throw error;
            }
        } finally {
            writeLock.unlock();
            syncLock.unlock();
        }
    }

    interface Closer {
        void close() throws IOException;
    }

    static IOException closeCollecting(Closer closer, IOException error) {
        try {
            closer.close();
            return error;
        } catch (IOException e) {
            if (error == null) {
                return e;
            }
            error.addSuppressed(e);
            return error;
        }
    }

    // ---------------------------------------------------------------- helpers

    private IOException fail(String operation, Exception cause) {
        IOException io = cause instanceof IOException ? (IOException) cause
                : new IOException(operation + " failed unexpectedly", cause);
        if (failure == null) {
            failure = io;
            log.error("log store {} failed during {} and now refuses every write (fail-stop)", dir, operation, io);
        }
        return io;
    }

    private void throwIfFailed() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw new IOException("log store " + dir + " refuses writes after an earlier I/O failure (fail-stop): "
                    + f.getMessage(), f);
        }
    }

    private void checkWritable() throws IOException {
        checkOpen();
        throwIfFailed();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("log store " + dir + " is closed");
        }
    }

    private static void backOff(int spins) {
        if (spins < 100) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(10_000);
        }
    }

    /** The segment holding {@code index}, which the caller knows is in the log. */
    private static Segment find(Segment[] segs, long index) {
        return segs[indexOf(segs, index)];
    }

    private static int indexOf(Segment[] segs, long index) {
        int lo = 0;
        int hi = segs.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segs[mid].firstIndex() <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public String toString() {
        return "FileLogStore[" + dir + ", " + firstIndex + ".." + lastIndex + ", " + segments.length + " segments]";
    }
}
