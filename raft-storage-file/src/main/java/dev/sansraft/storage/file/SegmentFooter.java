package dev.sansraft.storage.file;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The index a segment carries once it is sealed (see {@code FORMAT.md}): the record offsets and term runs, then a
 * fixed 24-byte trailer at the very end of the file that locates and checksums them. Opening a log reads only these
 * footers (and the unsealed tail), so open time does not grow with the amount of data.
 *
 * <p>Stateless; not instantiable.
 */
final class SegmentFooter {

    static final int FOOTER_MAGIC = 0x53524958; // "SRIX"
    static final int TRAILER_MAGIC = 0x53524546; // "SREF"
    static final int TRAILER_BYTES = 24;
    private static final int FIXED_BYTES = 12;

    private SegmentFooter() {
    }

    /** What a sealed segment's footer holds: {@code offsets[0..count]} (the last is the data end) and term runs. */
    record Index(int[] offsets, int count, long[] runs, int runCount) {
    }

    /** Footer plus trailer for a segment whose data ends at {@code dataEnd}, ready to be written there. */
    static ByteBuffer encode(int[] offsets, int count, TermRuns terms, long dataEnd) {
        int runCount = terms.size();
        int footerBytes = FIXED_BYTES + 16 * runCount + 4 * (count + 1);
        ByteBuffer buf = ByteBuffer.allocate(footerBytes + TRAILER_BYTES);
        buf.putInt(FOOTER_MAGIC).putInt(count).putInt(runCount);
        for (int i = 0; i < runCount; i++) {
            buf.putLong(terms.startIndex(i)).putLong(terms.term(i));
        }
        for (int i = 0; i <= count; i++) {
            buf.putInt(offsets[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, footerBytes);
        buf.putLong(dataEnd).putInt(footerBytes).putInt((int) crc.getValue()).putInt(TRAILER_MAGIC);
        crc.reset();
        crc.update(buf.array(), footerBytes, TRAILER_BYTES - 4);
        buf.putInt((int) crc.getValue());
        return buf.flip();
    }

    /**
     * Reads the footer of a segment file of {@code fileSize} bytes.
     *
     * @return the index, or {@code null} when the file ends without a valid trailer (it was never sealed, or the
     *         seal was torn by a crash)
     * @throws CorruptLogException if the trailer is valid but the footer it points to is damaged or inconsistent
     */
    static Index read(FileChannel channel, Path file, long fileSize, SegmentHeader header) throws IOException {
        if (fileSize < SegmentHeader.BYTES + FIXED_BYTES + 4 + TRAILER_BYTES) {
            return null;
        }
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
        readFully(channel, trailer, fileSize - TRAILER_BYTES);
        CRC32C crc = new CRC32C();
        crc.update(trailer.array(), 0, TRAILER_BYTES - 4);
        if (trailer.getInt(16) != TRAILER_MAGIC || trailer.getInt(20) != (int) crc.getValue()) {
            return null;
        }
        long dataEnd = trailer.getLong(0);
        int footerBytes = trailer.getInt(8);
        if (dataEnd < SegmentHeader.BYTES || footerBytes < FIXED_BYTES
                || dataEnd + footerBytes + TRAILER_BYTES != fileSize) {
            throw new CorruptLogException(file, fileSize - TRAILER_BYTES, "trailer points to footer at " + dataEnd
                    + " of " + footerBytes + " bytes, which does not end the " + fileSize + "-byte file");
        }
        ByteBuffer footer = ByteBuffer.allocate(footerBytes);
        readFully(channel, footer, dataEnd);
        crc.reset();
        crc.update(footer.array(), 0, footerBytes);
        if ((int) crc.getValue() != trailer.getInt(12)) {
            throw new CorruptLogException(file, dataEnd, "segment index checksum mismatch");
        }
        return parse(footer, file, dataEnd, header);
    }

    private static Index parse(ByteBuffer footer, Path file, long dataEnd, SegmentHeader header)
            throws CorruptLogException {
        int count = footer.getInt(4);
        int runCount = footer.getInt(8);
        if (footer.getInt(0) != FOOTER_MAGIC || count < 0 || runCount < 0 || (count > 0) != (runCount > 0)
                || (long) FIXED_BYTES + 16L * runCount + 4L * (count + 1L) != footer.capacity()) {
            throw new CorruptLogException(file, dataEnd, "segment index header is inconsistent (entries " + count
                    + ", term runs " + runCount + ")");
        }
        footer.position(FIXED_BYTES);
        long[] runs = new long[Math.max(2, 2 * runCount)];
        long previousStart = header.firstIndex() - 1;
        for (int i = 0; i < runCount; i++) {
            long start = footer.getLong();
            long term = footer.getLong();
            boolean firstOk = i > 0 || start == header.firstIndex();
            if (!firstOk || start <= previousStart || start >= header.firstIndex() + count || term < 1) {
                throw new CorruptLogException(file, dataEnd, "term run " + i + " (" + start + ", " + term
                        + ") is out of order");
            }
            runs[2 * i] = start;
            runs[2 * i + 1] = term;
            previousStart = start;
        }
        int[] offsets = new int[count + 1];
        for (int i = 0; i <= count; i++) {
            offsets[i] = footer.getInt();
            long minimum = i == 0 ? SegmentHeader.BYTES : (long) offsets[i - 1] + RecordFormat.HEADER_BYTES;
            if ((i == 0 && offsets[0] != SegmentHeader.BYTES) || offsets[i] < minimum) {
                throw new CorruptLogException(file, dataEnd, "record offset " + i + " = " + offsets[i]
                        + " is out of order");
            }
        }
        if (offsets[count] != dataEnd) {
            throw new CorruptLogException(file, dataEnd, "segment index ends records at " + offsets[count]
                    + ", not at the footer");
        }
        return new Index(offsets, count, runs, runCount);
    }

    static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new EOFException("unexpected end of file at " + pos);
            }
            pos += n;
        }
        buf.flip();
    }
}
