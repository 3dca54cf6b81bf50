package dev.sansraft.node;

import dev.sansraft.core.Membership;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} on the heap, for tests and simulations. It keeps each committed payload as one byte array,
 * so unlike a real store it does hold whole snapshots in memory; it follows the rest of the contract exactly
 * (ordering, retention, one writer at a time, checksum verified on read).
 *
 * <p>Thread-safe: every method synchronizes on the store. Nothing is durable; a "crash" is simply dropping the
 * object.
 */
public final class InMemorySnapshotStore implements SnapshotStore {

    private record Stored(SnapshotMeta meta, byte[] payload) {
    }

    private final int retainCount;
    /** Newest first. */
    private final List<Stored> snapshots = new ArrayList<>();
    private Writer openWriter;
    private boolean closed;

    /** A store that keeps the newest 2 snapshots. */
    public InMemorySnapshotStore() {
        this(2);
    }

    /**
     * A store that keeps the newest {@code retainCount} snapshots, at least 1.
     *
     * @param retainCount how many snapshots to keep, at least 1
     */
    public InMemorySnapshotStore(int retainCount) {
        if (retainCount < 1) {
            throw new IllegalArgumentException("retain count must be at least 1, got " + retainCount);
        }
        this.retainCount = retainCount;
    }

    @Override
    public synchronized SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, List<Long> members) {
        SnapshotMeta.checkPosition(lastIncludedIndex, lastIncludedTerm, members);
        return begin(lastIncludedIndex, lastIncludedTerm, Membership.ofVoters(members));
    }

    @Override
    public synchronized SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, Membership membership) {
        SnapshotMeta.checkPosition(lastIncludedIndex, lastIncludedTerm,
                membership == null ? null : membership.allVoterIds());
        if (closed) {
            throw new IllegalStateException("snapshot store is closed");
        }
        if (openWriter != null) {
            throw new IllegalStateException("a snapshot at index " + openWriter.index
                    + " is still being written; cannot begin one at index " + lastIncludedIndex);
        }
        long newestIndex = snapshots.isEmpty() ? 0 : snapshots.get(0).meta.lastIncludedIndex();
        if (lastIncludedIndex <= newestIndex) {
            throw new IllegalArgumentException("snapshot index must grow: newest is " + newestIndex + ", got "
                    + lastIncludedIndex);
        }
        openWriter = new Writer(lastIncludedIndex, lastIncludedTerm, membership);
        return openWriter;
    }

    @Override
    public synchronized List<SnapshotMeta> list() {
        List<SnapshotMeta> metas = new ArrayList<>(snapshots.size());
        for (Stored s : snapshots) {
            metas.add(s.meta);
        }
        return List.copyOf(metas);
    }

    @Override
    public synchronized Optional<SnapshotReader> openNewest() {
        if (snapshots.isEmpty()) {
            return Optional.empty();
        }
        Stored newest = snapshots.get(0);
        return Optional.of(new Reader(newest.meta, newest.payload));
    }

    @Override
    public synchronized Optional<SnapshotReader> open(long lastIncludedIndex) {
        for (Stored s : snapshots) {
            if (s.meta.lastIncludedIndex() == lastIncludedIndex) {
                return Optional.of(new Reader(s.meta, s.payload));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized int deleteOlderThan(long lastIncludedIndex) {
        int deleted = 0;
        for (int i = snapshots.size() - 1; i >= 1; i--) {
            if (snapshots.get(i).meta.lastIncludedIndex() < lastIncludedIndex) {
                snapshots.remove(i);
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public List<CorruptSnapshotException> problems() {
        // Heap bytes cannot rot between commit and read; the reader still verifies the checksum.
        return List.of();
    }

    @Override
    public synchronized void close() {
        closed = true;
        // An open writer belongs to another thread: its commit now fails instead.
        openWriter = null;
    }

    private synchronized SnapshotMeta commit(Writer writer, byte[] payload, long checksum) {
        if (openWriter != writer) {
            throw new IllegalStateException("snapshot writer at index " + writer.index + " is no longer open");
        }
        openWriter = null;
        SnapshotMeta meta = new SnapshotMeta(writer.index, writer.term, writer.membership, payload.length, checksum);
        snapshots.add(0, new Stored(meta, payload));
        while (snapshots.size() > retainCount) {
            snapshots.remove(snapshots.size() - 1);
        }
        return meta;
    }

    private synchronized void release(Writer writer) {
        if (openWriter == writer) {
            openWriter = null;
        }
    }

    /** Not thread-safe: owned by one writing thread. */
    private final class Writer extends SnapshotWriter {
        final long index;
        final long term;
        final Membership membership;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final CRC32C crc = new CRC32C();
        private boolean finished;

        Writer(long index, long term, Membership membership) {
            this.index = index;
            this.term = term;
            this.membership = membership;
        }

        private void checkOpen() {
            if (finished) {
                throw new IllegalStateException("snapshot writer at index " + index + " is already finished");
            }
        }

        @Override
        public void write(int b) {
            checkOpen();
            buffer.write(b);
            crc.update(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            checkOpen();
            buffer.write(b, off, len);
            crc.update(b, off, len);
        }

        @Override
        public SnapshotMeta commit() {
            checkOpen();
            finished = true;
            return InMemorySnapshotStore.this.commit(this, buffer.toByteArray(), crc.getValue());
        }

        @Override
        public void abort() {
            if (!finished) {
                finished = true;
                release(this);
            }
        }
    }

    /** Not thread-safe: owned by one reading thread. */
    private static final class Reader extends SnapshotReader {
        private final SnapshotMeta meta;
        private final byte[] payload;
        private final ByteArrayInputStream in;
        private final CRC32C crc = new CRC32C();

        Reader(SnapshotMeta meta, byte[] payload) {
            this.meta = meta;
            this.payload = payload;
            this.in = new ByteArrayInputStream(payload);
        }

        @Override
        public int readAt(long offset, byte[] dst, int off, int len) {
            if (offset < 0 || off < 0 || len < 0 || off + len > dst.length) {
                throw new IndexOutOfBoundsException("readAt offset " + offset + " into [" + off + ", +" + len
                        + ") of " + dst.length);
            }
            if (offset >= payload.length) {
                return -1;
            }
            int n = (int) Math.min(len, payload.length - offset);
            System.arraycopy(payload, (int) offset, dst, off, n);
            return n;
        }

        @Override
        public SnapshotMeta meta() {
            return meta;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                verify();
                return -1;
            }
            crc.update(b);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, len);
            if (n < 0) {
                verify();
                return -1;
            }
            crc.update(b, off, n);
            return n;
        }

        private void verify() throws CorruptSnapshotException {
            if (crc.getValue() != meta.checksum()) {
                throw new CorruptSnapshotException("memory snapshot at index " + meta.lastIncludedIndex(), -1,
                        "payload CRC32C " + crc.getValue() + " differs from recorded " + meta.checksum());
            }
        }
    }

    /** False: the snapshots live on the heap and die with the process. */
    @Override
    public boolean isDurable() {
        return false;
    }
}
