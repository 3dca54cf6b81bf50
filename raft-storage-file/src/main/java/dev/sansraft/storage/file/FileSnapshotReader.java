package dev.sansraft.storage.file;

import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot file's payload through a fixed direct buffer, checking the CRC32C again as it goes (the file
 * may have been damaged since the store validated it).
 *
 * <p>Not thread-safe: owned by one reading thread.
 */
final class FileSnapshotReader extends SnapshotReader {

    private final StoredSnapshot snapshot;
    private final FileChannel channel;
    private final ByteBuffer buf;
    private final CRC32C crc = new CRC32C();
    private final long end;
    private long position;
    private boolean verified;

    private FileSnapshotReader(StoredSnapshot snapshot, FileChannel channel, int chunkBytes) {
        this.snapshot = snapshot;
        this.channel = channel;
        this.buf = ByteBuffer.allocateDirect(chunkBytes).flip();
        this.position = snapshot.headerBytes();
        this.end = snapshot.headerBytes() + snapshot.meta().sizeBytes();
    }

    static FileSnapshotReader open(StoredSnapshot snapshot, FileChannels channels, int chunkBytes)
            throws IOException {
        return new FileSnapshotReader(snapshot, channels.open(snapshot.path(), StandardOpenOption.READ), chunkBytes);
    }

    @Override
    public SnapshotMeta meta() {
        return snapshot.meta();
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        int b = buf.get() & 0xFF;
        crc.update(b);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buf.remaining());
        buf.get(b, off, n);
        crc.update(b, off, n);
        return n;
    }

    @Override
    public int readAt(long offset, byte[] dst, int off, int len) throws IOException {
        // Written as a subtraction so that a huge len cannot overflow past the check.
        if (offset < 0 || off < 0 || len < 0 || len > dst.length - off) {
            throw new IndexOutOfBoundsException("readAt offset " + offset + " into [" + off + ", +" + len + ") of "
                    + dst.length);
        }
        long size = snapshot.meta().sizeBytes();
        if (offset >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - offset);
        ByteBuffer target = ByteBuffer.wrap(dst, off, n);
        StoredSnapshot.readFully(channel, target, snapshot.headerBytes() + offset, snapshot.path().toString());
        return n;
    }

    @Override
    public int available() {
        return buf.remaining();
    }

    /** Makes sure the buffer holds bytes; false at the end of a payload whose checksum matched. */
    private boolean fill() throws IOException {
        if (buf.hasRemaining()) {
            return true;
        }
        if (position >= end) {
            if (!verified) {
                if (crc.getValue() != snapshot.meta().checksum()) {
                    throw new CorruptSnapshotException(snapshot.path().toString(), -1, "payload CRC32C "
                            + Long.toHexString(crc.getValue()) + " differs from recorded "
                            + Long.toHexString(snapshot.meta().checksum()) + " (damaged after the store opened)");
                }
                verified = true;
            }
            return false;
        }
        buf.clear();
        if (end - position < buf.capacity()) {
            buf.limit((int) (end - position));
        }
        StoredSnapshot.readFully(channel, buf, position, snapshot.path().toString());
        buf.flip();
        position += buf.remaining();
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
