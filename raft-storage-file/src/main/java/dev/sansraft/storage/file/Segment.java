package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * One segment file and its in-memory index: the byte offset of every record (so that finding an entry is O(1)) and
 * its term runs (so that {@code term(index)} never touches the disk).
 *
 * <p>Thread-safety: one writer thread stages records with {@link #stage} and makes them visible with
 * {@link #publish()}; readers use only published state ({@link #count()}, {@link #offset}) and positional reads on
 * {@link #channel()}, which never move a shared file position. Arrays are replaced, never shrunk, when they grow, so
 * a reader holding an older array still finds every published offset in it.
 *
 * <p>While the segment is the writable tail, its file may run past the data end into preallocated space: zeros
 * that were written and forced ahead of the records ({@link #preallocate}), so that appending a record and forcing it
 * with {@code force(false)} (fdatasync) never changes the file size and never has to commit file-system metadata.
 * Sealing and truncating cut the file back, so a sealed segment ends exactly at its trailer.
 */
final class Segment {

    private static final Pattern NAME = Pattern.compile("segment-(\\d{20})\\.log");

    private final Path path;
    private final SegmentHeader header;
    private final FileChannel channel;
    private final TermRuns terms;
    /** {@code offsets[i]} is where record {@code firstIndex + i} starts; {@code offsets[count]} is the data end. */
    private volatile int[] offsets;
    private volatile int count;
    private int stagedCount;
    private volatile boolean sealed;
    private volatile boolean deleted;
    /**
     * Writer: the file is zero-filled and forced up to here, so records written below it change no file size (see
     * {@link #preallocate}). At least the data end while the segment is writable.
     */
    private long allocatedEnd;

    private Segment(Path path, SegmentHeader header, FileChannel channel, SegmentFooter.Index index, boolean sealed) {
        this.path = path;
        this.header = header;
        this.channel = channel;
        this.offsets = index.offsets();
        this.count = index.count();
        this.stagedCount = index.count();
        this.terms = new TermRuns(index.runs(), index.runCount());
        this.sealed = sealed;
        // A recovered unsealed file ends at its data end: recovery cuts whatever follows the last record.
        this.allocatedEnd = index.offsets()[index.count()];
    }

    /** The file name of segment {@code id}; ids are zero-padded so that names sort like ids. */
    static String fileName(long id) {
        return String.format("segment-%020d.log", id);
    }

    /** The id encoded in a segment file name, or {@code -1} if the name is not a segment's. */
    static long parseId(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates a new, empty segment file and forces its header. The caller must sync the directory before relying on
     * the file's existence.
     */
    static Segment create(Path dir, long id, long firstIndex, FileChannels channels) throws IOException {
        SegmentHeader header = new SegmentHeader(id, firstIndex);
        Path path = dir.resolve(fileName(id));
        FileChannel channel = channels.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer buf = ByteBuffer.allocateDirect(SegmentHeader.BYTES);
            header.encode(buf);
            buf.flip();
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        int[] offsets = new int[64];
        offsets[0] = SegmentHeader.BYTES;
        return new Segment(path, header, channel, new SegmentFooter.Index(offsets, 0, new long[8], 0), false);
    }

    /** A segment recovered from disk with the given index. */
    static Segment recovered(Path path, SegmentHeader header, FileChannel channel, SegmentFooter.Index index,
                             boolean sealed) {
        return new Segment(path, header, channel, index, sealed);
    }

    Path path() {
        return path;
    }

    long id() {
        return header.segmentId();
    }

    long firstIndex() {
        return header.firstIndex();
    }

    FileChannel channel() {
        return channel;
    }

    /** Published number of records. */
    int count() {
        return count;
    }

    /** Published last index; {@code firstIndex() - 1} when empty. */
    long lastIndex() {
        return header.firstIndex() + count - 1;
    }

    boolean isSealed() {
        return sealed;
    }

    boolean isDeleted() {
        return deleted;
    }

    /** Start offset of the record at {@code index}, or the data end when {@code index == lastIndex() + 1}. */
    int offset(long index) {
        return offsets[(int) (index - header.firstIndex())];
    }

    long termAt(long index) {
        return terms.termAt(index);
    }

    /** Reads and verifies the published records {@code [from, to)}, appending them to {@code out}. */
    void readRecords(long from, long to, List<LogEntry> out) throws IOException {
        if (from == to) {
            return;
        }
        int start = offset(from);
        int end = offset(to);
        ByteBuffer buf = ByteBuffer.allocate(end - start);
        long pos = start;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new CorruptLogException(path, pos, "file ends before the indexed record end " + end);
            }
            pos += n;
        }
        CRC32C readCrc = new CRC32C();
        int p = 0;
        for (long index = from; index < to; index++) {
            int size = RecordFormat.check(buf, p, index, readCrc);
            int expectedSize = offset(index + 1) - offset(index);
            if (size != expectedSize) {
                throw new CorruptLogException(path, start + p, (size < 0 ? RecordFormat.Flaw.describe(size)
                        : "record size " + size + " differs from the index's " + expectedSize)
                        + " while reading index " + index);
            }
            out.add(RecordFormat.decode(buf, p));
            p += size;
        }
    }

    /** Writer: where the next record will start. */
    int stagedEnd() {
        return offsets[stagedCount];
    }

    /** Writer: number of records including unpublished ones. */
    int stagedCount() {
        return stagedCount;
    }

    /** Writer: notes a record for {@code index} that ends at {@code endOffset}; visible after {@link #publish()}. */
    void stage(long index, long term, int endOffset) {
        int[] o = offsets;
        if (stagedCount + 2 > o.length) {
            o = Arrays.copyOf(o, o.length * 2);
            offsets = o;
        }
        o[stagedCount + 1] = endOffset;
        terms.add(index, term);
        stagedCount++;
    }

    /** Writer: makes every staged record visible to readers. */
    void publish() {
        terms.publish();
        count = stagedCount;
    }

    /**
     * Writer: drops {@code fromIndex} and every later record, cutting the file (and any footer) after the last kept
     * record, and forces the cut. A sealed segment becomes the writable tail again.
     *
     * <p>The cut is forced at once (truncations are rare) so that records appended afterwards can never be followed,
     * after a crash, by stale records the cut had removed: recovery would take such a mix for corruption.
     */
    void truncateFrom(long fromIndex) throws IOException {
        int keep = (int) (fromIndex - header.firstIndex());
        stagedCount = keep;
        count = keep;
        terms.truncateFrom(fromIndex);
        sealed = false;
        // Truncating (rather than zeroing the cut records in place) makes the cut durable through the file size, as
        // before preallocation existed: nothing past the cut survives a crash, whatever pages were written back.
        // The preallocated space goes with it; the next write past the cut preallocates afresh. Truncations are
        // rare (a new leader overwriting a follower's uncommitted suffix), so the extra zero write does not matter.
        channel.truncate(offsets[keep]);
        channel.force(false);
        allocatedEnd = offsets[keep];
    }

    /** Writer: the end of the zero-filled, forced space (at least the data end while writable). */
    long allocatedEnd() {
        return allocatedEnd;
    }

    /**
     * Writer: zero-fills the file from {@code from} (where the data just written ends, at or past the current
     * allocated end) to {@code to} in one write, then forces data and size together, so that later records written
     * below {@code to} and their fdatasync do not change the file size. Real zeros, not a sparse extension or an
     * unwritten-extent {@code fallocate}: either would leave block allocation or extent conversion (file-system
     * metadata) for the first write into each block.
     *
     * @param zeros a direct buffer of zeros, at least {@code to - from} bytes; its position and limit are reset
     */
    void preallocate(long from, long to, ByteBuffer zeros) throws IOException {
        if (from < allocatedEnd || to <= from || to - from > zeros.capacity() || to > Integer.MAX_VALUE) {
            throw new IllegalStateException("cannot preallocate " + path + " from " + from + " to " + to
                    + " (allocated to " + allocatedEnd + ", zero buffer " + zeros.capacity()
                    + " bytes; offsets must stay below " + Integer.MAX_VALUE + ")");
        }
        zeros.clear().limit((int) (to - from));
        long pos = from;
        while (zeros.hasRemaining()) {
            pos += channel.write(zeros, pos);
        }
        channel.force(false);
        allocatedEnd = to;
    }

    /**
     * Writer: writes the footer after the last record, cuts the file right after its trailer (dropping any
     * preallocated zeros, since recovery finds the trailer at the end of the file) and forces both, making the
     * segment read-only. A crash before the force leaves at worst a footer followed by zeros or a torn footer,
     * which recovery treats as a torn tail after the last record.
     */
    void seal() throws IOException {
        int end = offsets[stagedCount];
        ByteBuffer footer = SegmentFooter.encode(offsets, stagedCount, terms, end);
        long pos = end;
        while (footer.hasRemaining()) {
            pos += channel.write(footer, pos);
        }
        channel.truncate(pos);
        channel.force(false);
        allocatedEnd = pos;
        sealed = true;
    }

    /** Marks the segment deleted (so that racing readers and syncs know why its channel closed) and closes it. */
    void markDeletedAndClose() throws IOException {
        deleted = true;
        channel.close();
    }

    void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return path.getFileName() + "[" + firstIndex() + ".." + lastIndex() + (sealed ? ", sealed]" : "]");
    }
}
