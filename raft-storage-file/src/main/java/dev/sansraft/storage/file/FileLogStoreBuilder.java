package dev.sansraft.storage.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Options for a {@link FileLogStore}, from {@link FileLogStore#builder}; every setter validates its argument and throws
 * {@link IllegalArgumentException} with the allowed range. Not thread-safe; use from one thread.
 */
public final class FileLogStoreBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(FileLogStore.class);

    /** Smallest segment size accepted; tiny segments only make sense in tests. */
    public static final long MIN_SEGMENT_SIZE_BYTES = 1024;
    /** Largest segment size accepted, so that every record offset fits an {@code int}. */
    public static final long MAX_SEGMENT_SIZE_BYTES = 1L << 30;

    private final Path dir;
    private long segmentSizeBytes = 64L << 20;
    private int writeBufferBytes = 1 << 20;
    private int preallocateBytes = 1 << 20;
    /** Negative: drawn at random when the store opens. */
    private long preallocationOffsetBytes = -1;
    private FileChannels channels = FileChannels.DEFAULT;

    FileLogStoreBuilder(Path dir) {
        this.dir = dir;
    }

    /**
     * Size at which a segment is sealed and a new one started; default 64 MiB.
     *
     * @param bytes the segment size in bytes, in [{@value #MIN_SEGMENT_SIZE_BYTES}, {@value #MAX_SEGMENT_SIZE_BYTES}]
     * @return this builder
     */
    public FileLogStoreBuilder segmentSizeBytes(long bytes) {
        if (bytes < MIN_SEGMENT_SIZE_BYTES || bytes > MAX_SEGMENT_SIZE_BYTES) {
            throw new IllegalArgumentException("segmentSizeBytes must be in [" + MIN_SEGMENT_SIZE_BYTES + ", "
                    + MAX_SEGMENT_SIZE_BYTES + "], got " + bytes);
        }
        this.segmentSizeBytes = bytes;
        return this;
    }

    /**
     * Size of the direct buffer records are encoded into; one write call per buffer. Default 1 MiB.
     *
     * @param bytes the buffer size in bytes, in [4096, 64 MiB]
     * @return this builder
     */
    public FileLogStoreBuilder writeBufferBytes(int bytes) {
        if (bytes < 4096 || bytes > (64 << 20)) {
            throw new IllegalArgumentException("writeBufferBytes must be in [4096, " + (64 << 20) + "], got "
                    + bytes);
        }
        this.writeBufferBytes = bytes;
        return this;
    }

    /**
     * Chunk by which the newest segment's file is zero-filled and forced ahead of its data, so that appends and their
     * {@code sync()} (fdatasync) never change the file size and never pay for a file-system journal commit; 0
     * disables it (for example on copy-on-write file systems, where overwriting zeros allocates new blocks anyway).
     * Default 1 MiB: one extension writes at most this many zeros and forces once, a short pause on the write path
     * every chunk instead of a journal commit on every sync. A chunk larger than the segment size is cut to it.
     *
     * @param bytes the chunk in bytes: 0, or in [4096, 64 MiB]
     * @return this builder
     */
    public FileLogStoreBuilder preallocateBytes(int bytes) {
        if (bytes != 0 && (bytes < 4096 || bytes > (64 << 20))) {
            throw new IllegalArgumentException("preallocateBytes must be 0 (off) or in [4096, " + (64 << 20)
                    + "], got " + bytes);
        }
        this.preallocateBytes = bytes;
        return this;
    }

    /**
     * Where the preallocation chunks are cut: the file is zero-filled up to the next offset of the form
     * {@code offset + k * chunk} past the data end (taken modulo the chunk). Default: drawn at random when the store
     * opens. The nodes of a cluster hold the same records at the same file offsets, so with one fixed offset every
     * node would pause to write and force its next chunk of zeros (a few milliseconds per MiB) for the very same
     * entries, and the quorum would wait for the pause; with offsets of their own, the nodes pause at different
     * entries and a quorum rarely has to wait for one. Pin it only to make a file's layout reproducible (tests).
     *
     * @param bytes the offset in bytes, at least 0
     * @return this builder
     */
    public FileLogStoreBuilder preallocationOffsetBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("preallocationOffsetBytes must be at least 0, got " + bytes);
        }
        this.preallocationOffsetBytes = bytes;
        return this;
    }

    /** Test hook: how files are opened, so that I/O failures can be injected. */
    FileLogStoreBuilder channels(FileChannels fileChannels) {
        if (fileChannels == null) {
            throw new IllegalArgumentException("channels is null");
        }
        this.channels = fileChannels;
        return this;
    }

    /**
     * Opens the store, creating the directory if needed, taking its lock and recovering its contents.
     *
     * @return the open store, recovered to the last durable record
     * @throws StoreLockedException if another store owns the directory
     * @throws CorruptLogException  if the directory holds damage that recovery must not repair
     */
    public FileLogStore open() throws IOException {
        long started = System.nanoTime();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                channels.syncDirectory(parent);
            }
        }
        DirectoryLock dirLock = DirectoryLock.acquire(dir, channels);
        StateFile state = null;
        try {
            state = StateFile.open(dir, channels);
            SegmentRecovery.Result recovered = SegmentRecovery.recover(dir, channels, state.current(), writeBufferBytes);
            List<Segment> live = recovered.segments();
            long tailId = live.isEmpty() ? 0 : live.get(live.size() - 1).id();
            if (state.current().tailSegmentId() != tailId) {
                // Recovery removed a torn or released newest segment: record the tail that remains.
                state.save(state.current().withTailSegment(tailId));
            }
            FileLogStore store = new FileLogStore(this, dirLock, state, recovered);
            LOG.info("opened log store dir={} firstIndex={} lastIndex={} segments={} in {} ms", dir,
                    store.firstIndex(), store.lastIndex(), recovered.segments().size(),
                    (System.nanoTime() - started) / 1_000_000);
            return store;
        } catch (IOException | RuntimeException e) {
            IOException closing = state == null ? null : FileLogStore.closeCollecting(state::close, null);
            closing = FileLogStore.closeCollecting(dirLock::close, closing);
            if (closing != null) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The offset chunks are cut at, or negative to draw one when the store opens. */
    long preallocationOffsetBytes() {
        return preallocationOffsetBytes;
    }

    Path dir() {
        return dir;
    }

    long segmentSizeBytes() {
        return segmentSizeBytes;
    }

    int writeBufferBytes() {
        return writeBufferBytes;
    }

    int preallocateBytes() {
        return preallocateBytes;
    }

    FileChannels channels() {
        return channels;
    }
}
