package dev.sansraft.storage.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Rebuilds the segment list of a log directory on open.
 *
 * <p>Sealed segments are loaded from their footers; only the last, unsealed segment is scanned record by record.
 * What a crash can leave behind is repaired: a torn final record (cut back to the last complete one), a segment file
 * whose creation was torn, segments that a compaction had already released. Zeros from the last record to the end of
 * the newest segment are its preallocated space, a clean end: cut without a warning. Everything else is corruption
 * and fails the open with a {@link CorruptLogException}: a bad record followed by a valid one, a damaged sealed
 * segment, a gap between segments. Committed entries are never dropped to make a log openable.
 *
 * <p>Not thread-safe: used once, by the opening thread, before the store is published.
 */
final class SegmentRecovery {

    private static final Logger log = LoggerFactory.getLogger(SegmentRecovery.class);

    private final Path dir;
    private final FileChannels channels;
    private final int bufferBytes;
    private final CRC32C crc = new CRC32C();
    private boolean deletedFiles;
    private long tornBytesCut;

    /**
     * Result of recovery: the live segments in index order, the id the next new segment must use, and how many bytes
     * of a torn record were cut from the newest segment (0 when it ended cleanly, preallocated zeros included).
     */
    record Result(List<Segment> segments, long nextSegmentId, long tornBytesCut) {
    }

    private SegmentRecovery(Path dir, FileChannels channels, int bufferBytes) {
        this.dir = dir;
        this.channels = channels;
        this.bufferBytes = bufferBytes;
    }

    /**
     * Recovers the segments of {@code dir} for a log whose durable state (compaction point, newest segment) is
     * {@code state}.
     */
    static Result recover(Path dir, FileChannels channels, DurableState state, int bufferBytes) throws IOException {
        return new SegmentRecovery(dir, channels, bufferBytes).run(state.firstIndex(), state.tailSegmentId(),
                state.maxSegmentId(), state.firstSegmentId());
    }

    private Result run(long firstIndex, long tailSegmentId, long maxSegmentId, long firstSegmentId)
            throws IOException {
        TreeMap<Long, Path> files = listSegmentFiles();
        dropResetLeftovers(files, firstSegmentId);
        if (tailSegmentId > 0 && !files.containsKey(tailSegmentId)) {
            throw new CorruptLogException(dir.resolve(Segment.fileName(tailSegmentId)), -1,
                    "the state file records this segment as holding the log's tail, but it is missing");
        }
        long nextId = Math.max(maxSegmentId, files.isEmpty() ? 0 : files.lastKey()) + 1;
        List<Opened> opened = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();
        try {
            openHeaders(files, opened);
            dropCompactedPrefix(opened, firstIndex);
            for (int i = 0; i < opened.size(); i++) {
                segments.add(load(opened.get(i), i == opened.size() - 1));
            }
            opened.clear();
            if (segments.size() == 1 && segments.get(0).lastIndex() < firstIndex - 1) {
                // The only segment ends before the compaction point, so the log cannot continue in it: a compaction
                // released it and crashed before the delete was durable.
                Segment only = segments.remove(0);
                only.markDeletedAndClose();
                delete(only.path(), "all of its entries are compacted");
            }
            checkChain(segments, firstIndex);
            if (deletedFiles) {
                channels.syncDirectory(dir);
            }
            return new Result(segments, nextId, tornBytesCut);
        } catch (IOException | RuntimeException e) {
            for (Opened o : opened) {
                closeQuietly(o.channel, e);
            }
            for (Segment s : segments) {
                closeQuietly(s.channel(), e);
            }
            throw e;
        }
    }

    private record Opened(Path path, FileChannel channel, SegmentHeader header, long size) {
    }

    private TreeMap<Long, Path> listSegmentFiles() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                long id = Segment.parseId(name);
                if (id > 0) {
                    files.put(id, p);
                } else if (!name.equals(DirectoryLock.NAME) && !name.equals(StateFile.NAME)
                        && !name.equals(StateFile.TEMP_NAME)) {
                    log.warn("ignoring unexpected file {} in log directory {}", name, dir);
                }
            }
        }
        return files;
    }

    private void openHeaders(TreeMap<Long, Path> files, List<Opened> opened) throws IOException {
        Long lastId = files.isEmpty() ? null : files.lastKey();
        for (var e : files.entrySet()) {
            Path path = e.getValue();
            FileChannel channel = channels.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean last = e.getKey().equals(lastId);
            long size = -1;
            SegmentHeader header;
            try {
                size = channel.size();
                if (size < SegmentHeader.BYTES) {
                    throw new CorruptLogException(path, size, "segment file is shorter than its header");
                }
                ByteBuffer buf = ByteBuffer.allocate(SegmentHeader.BYTES);
                SegmentFooter.readFully(channel, buf, 0);
                header = SegmentHeader.decode(buf, path);
            } catch (CorruptLogException bad) {
                channel.close();
                if (last && size <= SegmentHeader.BYTES) {
                    // A crash while creating the newest segment: its header was never forced, and no record can
                    // have been written after it.
                    delete(path, "its creation was torn (" + size + " bytes)");
                    continue;
                }
                throw bad;
            } catch (IOException | RuntimeException other) {
                closeQuietly(channel, other);
                throw other;
            }
            opened.add(new Opened(path, channel, header, size));
            if (header.segmentId() != e.getKey()) {
                throw new CorruptLogException(path, 8, "header holds segment id " + header.segmentId()
                        + " but the file name says " + e.getKey());
            }
        }
    }

    /**
     * Deletes every segment with an id below {@code firstSegmentId}: a reset discarded them once its new start was
     * durable, and crashed (or lost the directory update) before their deletions were. Their indexes may overlap the
     * new log's, so they are dropped by id, never by index.
     */
    private void dropResetLeftovers(TreeMap<Long, Path> files, long firstSegmentId) throws IOException {
        while (!files.isEmpty() && files.firstKey() < firstSegmentId) {
            delete(files.pollFirstEntry().getValue(), "a reset discarded it (live segments start at id "
                    + firstSegmentId + ")");
        }
    }

    /** Deletes leading segments that only hold entries below {@code firstIndex} (a compaction crashed mid-way). */
    private void dropCompactedPrefix(List<Opened> opened, long firstIndex) throws IOException {
        while (opened.size() >= 2 && opened.get(1).header.firstIndex() <= firstIndex) {
            Opened o = opened.remove(0);
            o.channel.close();
            delete(o.path, "every entry in it is below the compaction point " + firstIndex);
        }
    }

    private Segment load(Opened o, boolean last) throws IOException {
        SegmentFooter.Index index;
        try {
            index = SegmentFooter.read(o.channel, o.path, o.size, o.header);
        } catch (CorruptLogException e) {
            if (!last) {
                throw e;
            }
            // Only the newest segment can have been sealed while the crash happened; its records are still
            // verified one by one below.
            log.warn("ignoring the damaged index of the newest segment and scanning it instead: {}", e.getMessage());
            index = null;
        }
        if (index != null) {
            return Segment.recovered(o.path, o.header, o.channel, index, true);
        }
        if (!last) {
            throw new CorruptLogException(o.path, o.size, "segment is not sealed but a later segment exists");
        }
        return Segment.recovered(o.path, o.header, o.channel, scanTail(o), false);
    }

    private void checkChain(List<Segment> segments, long firstIndex) throws CorruptLogException {
        if (segments.isEmpty()) {
            return;
        }
        Segment first = segments.get(0);
        if (first.firstIndex() > firstIndex) {
            throw new CorruptLogException(first.path(), -1, "entries " + firstIndex + ".." + (first.firstIndex() - 1)
                    + " are missing: the log starts at " + firstIndex + " but its first segment at "
                    + first.firstIndex());
        }
        for (int i = 1; i < segments.size(); i++) {
            Segment prev = segments.get(i - 1);
            Segment next = segments.get(i);
            if (next.firstIndex() != prev.lastIndex() + 1) {
                throw new CorruptLogException(next.path(), -1, "segment starts at index " + next.firstIndex()
                        + " but the previous segment " + prev.path().getFileName() + " ends at " + prev.lastIndex()
                        + " (a segment file is missing or does not belong here)");
            }
        }
    }

    /** Scans the unsealed tail, cutting a torn final record; fails if a bad record is followed by a valid one. */
    private SegmentFooter.Index scanTail(Opened o) throws IOException {
        Window w = new Window(o.channel, o.size, bufferBytes);
        int[] offsets = new int[1024];
        long[] runs = new long[8];
        int count = 0;
        int runCount = 0;
        long pos = SegmentHeader.BYTES;
        offsets[0] = (int) pos;
        long expected = o.header.firstIndex();
        int flaw = 0;
        while (pos < o.size) {
            int size = w.check(pos, expected, crc);
            if (size < 0) {
                flaw = size;
                break;
            }
            long term = w.term(pos);
            if (runCount == 0 || runs[2 * runCount - 1] != term) {
                if (2 * runCount + 2 > runs.length) {
                    runs = Arrays.copyOf(runs, runs.length * 2);
                }
                runs[2 * runCount] = expected;
                runs[2 * runCount + 1] = term;
                runCount++;
            }
            pos += size;
            if (count + 2 > offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
            }
            offsets[++count] = (int) pos;
            expected++;
        }
        if (pos < o.size) {
            // Only zeros, up to the end of the file: the writer's preallocated space (FORMAT.md), a clean end. A
            // zero length is never a record (it is below LENGTH_OVERHEAD), but one zero field proves nothing about
            // what follows, so every byte is checked: any non-zero byte makes this a torn or damaged tail, judged by
            // the rules below exactly as without preallocation.
            if (w.isZero(pos, o.size)) {
                log.debug("{} ends at offset {} after index {}, followed by {} preallocated zero bytes", o.path, pos,
                        expected - 1, o.size - pos);
            } else {
                long valid = findValidRecordAfter(w, pos, expected, o.size);
                if (valid >= 0) {
                    throw new CorruptLogException(o.path, pos, RecordFormat.Flaw.describe(flaw)
                            + ", but a valid record follows at offset " + valid + "; refusing to drop it");
                }
                log.warn("cutting a torn tail of {} bytes from {} at offset {} ({}); last index is now {}",
                        o.size - pos, o.path, pos, RecordFormat.Flaw.describe(flaw), expected - 1);
                tornBytesCut = o.size - pos;
            }
            // Both are cut, so that an open file always ends at its data end: the writer preallocates again from
            // there, and never inherits space it did not write (a zero tail of any length is accepted here).
            o.channel.truncate(pos);
            o.channel.force(false);
        }
        return new SegmentFooter.Index(offsets, count, runs, runCount);
    }

    /**
     * Looks for any checksum-valid record starting after a bad record at {@code badPos}: its index must be at least
     * the expected one and can only be ahead of it by as many records as fit in between. Zero-filled or torn bytes
     * never pass; a later valid record proves the bad one is damage, not a torn append.
     */
    private long findValidRecordAfter(Window w, long badPos, long expected, long fileSize) throws IOException {
        for (long q = badPos + 1; q + RecordFormat.HEADER_BYTES <= fileSize; q++) {
            long index = w.indexAt(q);
            if (index < expected || index > expected + (q - badPos) / RecordFormat.HEADER_BYTES + 1) {
                continue;
            }
            if (w.check(q, index, crc) > 0) {
                return q;
            }
        }
        return -1;
    }

    private void delete(Path path, String why) throws IOException {
        log.warn("deleting segment {}: {}", path, why);
        Files.deleteIfExists(path);
        deletedFiles = true;
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    /** A sliding read window over one file, so that scanning costs one read per buffer, not per record. */
    private static final class Window {
        private final FileChannel channel;
        private final long fileSize;
        private ByteBuffer buf;
        private long start;

        Window(FileChannel channel, long fileSize, int bytes) {
            this.channel = channel;
            this.fileSize = fileSize;
            this.buf = ByteBuffer.allocateDirect(bytes);
            this.buf.limit(0);
            this.start = 0;
        }

        /** Ensures {@code [pos, pos + len)} is in the window; false if the file ends first. */
        private boolean ensure(long pos, int len) throws IOException {
            if (pos + len > fileSize) {
                return false;
            }
            if (pos >= start && pos + len <= start + buf.limit()) {
                return true;
            }
            if (len > buf.capacity()) {
                buf = ByteBuffer.allocate(len);
            }
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), fileSize - pos));
            long p = pos;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, p);
                if (n < 0) {
                    break;
                }
                p += n;
            }
            buf.flip();
            start = pos;
            return buf.limit() >= len;
        }

        int check(long pos, long expectedIndex, CRC32C crc) throws IOException {
            if (!ensure(pos, RecordFormat.HEADER_BYTES)) {
                return RecordFormat.Flaw.SHORT;
            }
            int length = buf.getInt((int) (pos - start));
            if (length < RecordFormat.LENGTH_OVERHEAD
                    || length > RecordFormat.LENGTH_OVERHEAD + RecordFormat.MAX_PAYLOAD_BYTES) {
                return RecordFormat.Flaw.BAD_LENGTH;
            }
            if (!ensure(pos, length + 8)) {
                return RecordFormat.Flaw.SHORT;
            }
            return RecordFormat.check(buf, (int) (pos - start), expectedIndex, crc);
        }

        /** Whether every byte in {@code [from, to)} is zero; reads only what the window does not already hold. */
        boolean isZero(long from, long to) throws IOException {
            long p = from;
            while (p < to) {
                if (p < start || p >= start + buf.limit()) {
                    if (!ensure(p, (int) Math.min(buf.capacity(), to - p))) {
                        throw new IOException("file shorter than its size " + fileSize + " at offset " + p);
                    }
                }
                int i = (int) (p - start);
                int end = (int) Math.min(buf.limit(), to - start);
                while (i + Long.BYTES <= end && buf.getLong(i) == 0) {
                    i += Long.BYTES;
                }
                while (i < end && buf.get(i) == 0) {
                    i++;
                }
                if (i < end) {
                    return false;
                }
                p = start + end;
            }
            return true;
        }

        long term(long pos) {
            return RecordFormat.term(buf, (int) (pos - start));
        }

        long indexAt(long pos) throws IOException {
            ensure(pos, RecordFormat.HEADER_BYTES);
            return buf.getLong((int) (pos - start) + 8);
        }
    }
}
