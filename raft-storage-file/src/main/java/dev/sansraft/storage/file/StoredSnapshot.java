package dev.sansraft.storage.file;

import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.SnapshotMeta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One complete snapshot file that passed validation: where it is, what it covers and where its payload starts.
 *
 * <p>Immutable and thread-safe.
 *
 * @param path        the file
 * @param meta        what the header and trailer record
 * @param headerBytes offset of the payload's first byte
 */
record StoredSnapshot(Path path, SnapshotMeta meta, int headerBytes) {

    /**
     * Validates a snapshot file completely: header and trailer checksums, the file name against the header, the file
     * length against the recorded payload length, and the payload against its CRC32C, streaming it through
     * {@code buf} (whose content is overwritten) so that memory use does not depend on the snapshot's size.
     *
     * @param expectedIndex index the file name carries
     * @param expectedTerm  term the file name carries
     * @throws CorruptSnapshotException locating the first problem found
     * @throws IOException              if the file cannot be read at all
     */
    static StoredSnapshot verify(Path path, long expectedIndex, long expectedTerm, FileChannels channels,
                                 ByteBuffer buf) throws IOException {
        String name = path.toString();
        try (FileChannel ch = channels.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            int minimum = SnapshotFraming.headerBytes(1) + SnapshotFraming.TRAILER_BYTES;
            if (size < minimum) {
                throw new CorruptSnapshotException(name, -1, "file is " + size + " bytes, shorter than the smallest "
                        + "possible snapshot (" + minimum + " bytes)");
            }
            buf.clear().limit(SnapshotFraming.HEADER_FIXED_BYTES);
            readFully(ch, buf, 0, name);
            buf.flip();
            int headerBytes = SnapshotFraming.decodeHeaderBytes(buf, path);
            if (size < headerBytes + SnapshotFraming.TRAILER_BYTES) {
                throw new CorruptSnapshotException(name, -1, "file is " + size + " bytes, too short for a header of "
                        + headerBytes + " bytes and a trailer");
            }
            buf.clear().limit(headerBytes);
            readFully(ch, buf, 0, name);
            buf.flip();
            SnapshotFraming.Header header = SnapshotFraming.decodeHeader(buf, path);
            if (header.index() != expectedIndex || header.term() != expectedTerm) {
                throw new CorruptSnapshotException(name, 8, "header holds index " + header.index() + " term "
                        + header.term() + " but the file name says index " + expectedIndex + " term "
                        + expectedTerm);
            }
            long trailerOffset = size - SnapshotFraming.TRAILER_BYTES;
            buf.clear().limit(SnapshotFraming.TRAILER_BYTES);
            readFully(ch, buf, trailerOffset, name);
            buf.flip();
            SnapshotFraming.Trailer trailer = SnapshotFraming.decodeTrailer(buf, path, trailerOffset);
            if (trailer.payloadBytes() != trailerOffset - headerBytes) {
                throw new CorruptSnapshotException(name, trailerOffset, "trailer records a payload of "
                        + trailer.payloadBytes() + " bytes but the file holds " + (trailerOffset - headerBytes));
            }
            long actual = payloadCrc(ch, headerBytes, trailer.payloadBytes(), buf, name);
            if (actual != trailer.payloadCrc()) {
                throw new CorruptSnapshotException(name, -1, "payload CRC32C " + Long.toHexString(actual)
                        + " differs from recorded " + Long.toHexString(trailer.payloadCrc()));
            }
            SnapshotMeta meta;
            try {
                meta = new SnapshotMeta(header.index(), header.term(), header.membership(), trailer.payloadBytes(),
                        trailer.payloadCrc());
            } catch (IllegalArgumentException e) {
                // Checksums matched, so these bytes were written like this: still not a snapshot we can serve.
                throw new CorruptSnapshotException(name, 8, "header holds an invalid position: " + e.getMessage());
            }
            return new StoredSnapshot(path, meta, headerBytes);
        }
    }

    private static long payloadCrc(FileChannel ch, long from, long length, ByteBuffer buf, String name)
            throws IOException {
        CRC32C crc = new CRC32C();
        long position = from;
        long end = from + length;
        while (position < end) {
            buf.clear();
            if (end - position < buf.capacity()) {
                buf.limit((int) (end - position));
            }
            readFully(ch, buf, position, name);
            buf.flip();
            position += buf.remaining();
            crc.update(buf);
        }
        return crc.getValue();
    }

    /** Fills {@code buf} from {@code position}, failing if the file ends first. */
    static void readFully(FileChannel ch, ByteBuffer buf, long position, String name) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new CorruptSnapshotException(name, at, "file ends early");
            }
            at += n;
        }
    }
}
