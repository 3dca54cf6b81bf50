package dev.sansraft.storage.file;

import dev.sansraft.core.Membership;

import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot into its temporary file: the header, then the payload through one fixed direct buffer of the
 * store's chunk size (one positional write per full chunk, so memory use never depends on the snapshot's size), then
 * the trailer. {@link #commit()} forces the file and hands it to the store, which renames it into place and forces
 * the directory.
 *
 * <p>Not thread-safe: owned by one writing thread. Any I/O failure discards the temporary file; the writer then only
 * throws.
 */
final class FileSnapshotWriter extends SnapshotWriter {

    private static final Logger log = LoggerFactory.getLogger(FileSnapshotWriter.class);

    private enum State { OPEN, COMMITTED, ABORTED, FAILED }

    private final FileSnapshotStore store;
    private final Path tempPath;
    private final long index;
    private final long term;
    private final Membership membership;
    private final int headerBytes;
    private final FileChannel channel;
    /** Lent by the store for this writer's lifetime (one writer at a time); never grows. */
    private final ByteBuffer buf;
    private final CRC32C crc = new CRC32C();
    private long filePosition;
    private long payloadBytes;
    private int maxBufferedBytes;
    private State state = State.OPEN;
    private IOException failure;

    FileSnapshotWriter(FileSnapshotStore store, Path tempPath, FileChannel channel, ByteBuffer buf, long index,
                       long term, Membership membership) {
        this.store = store;
        this.tempPath = tempPath;
        this.channel = channel;
        this.buf = buf;
        this.index = index;
        this.term = term;
        this.membership = membership;
        this.headerBytes = SnapshotFraming.headerBytes(membership);
        buf.clear();
        SnapshotFraming.encodeHeader(buf, index, term, membership);
    }

    long index() {
        return index;
    }

    /** The temporary file being written; for tests that watch the payload reach the disk. */
    Path tempPath() {
        return tempPath;
    }

    /** The most bytes ever held in the buffer before a write to the file. */
    int maxBufferedBytes() {
        return maxBufferedBytes;
    }

    private void checkOpen() throws IOException {
        if (state == State.FAILED) {
            throw new IOException("snapshot write at index " + index + " failed earlier", failure);
        }
        if (state != State.OPEN) {
            throw new IllegalStateException("snapshot writer at index " + index + " is already " + state);
        }
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        if (!buf.hasRemaining()) {
            flush();
        }
        buf.put((byte) b);
        crc.update(b);
        payloadBytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        crc.update(b, off, len);
        int at = off;
        int left = len;
        while (left > 0) {
            if (!buf.hasRemaining()) {
                flush();
            }
            int n = Math.min(left, buf.remaining());
            buf.put(b, at, n);
            at += n;
            left -= n;
        }
        payloadBytes += len;
    }

    /** Writes the buffered bytes to the file. Does not force. */
    @Override
    public void flush() throws IOException {
        checkOpen();
        maxBufferedBytes = Math.max(maxBufferedBytes, buf.position());
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                filePosition += channel.write(buf, filePosition);
            }
        } catch (IOException e) {
            fail(e);
            throw e;
        } finally {
            buf.clear();
        }
    }

    @Override
    public SnapshotMeta commit() throws IOException {
        checkOpen();
        if (buf.remaining() < SnapshotFraming.TRAILER_BYTES) {
            flush();
        }
        SnapshotFraming.encodeTrailer(buf, payloadBytes, crc.getValue());
        flush();
        SnapshotMeta meta = new SnapshotMeta(index, term, membership, payloadBytes, crc.getValue());
        try {
            // The data must be durable before the rename can make it visible (the rename itself is made durable by
            // the store's directory force).
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            fail(e);
            throw e;
        }
        state = State.COMMITTED;
        return store.publish(this, tempPath, new StoredSnapshot(
                tempPath.resolveSibling(SnapshotFraming.fileName(index, term)), meta, headerBytes));
    }

    @Override
    public void abort() {
        if (state == State.OPEN) {
            state = State.ABORTED;
            discard();
        }
    }

    private void fail(IOException e) {
        state = State.FAILED;
        failure = e;
        discard();
    }

    private void discard() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing abandoned snapshot file {} failed: {}", tempPath, e.toString());
        }
        try {
            Files.deleteIfExists(tempPath);
        } catch (IOException e) {
            // Harmless: the next open deletes leftover temporary files.
            log.warn("deleting abandoned snapshot file {} failed: {}", tempPath, e.toString());
        }
        store.release(this);
    }
}
