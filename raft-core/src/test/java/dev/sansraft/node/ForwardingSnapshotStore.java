package dev.sansraft.node;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SnapshotStore that forwards to another, for tests that override one method to record or fail. {@link #close()}
 * only counts: the delegate stays open, so that a restarted node can reuse it as if it were on disk.
 */
class ForwardingSnapshotStore implements SnapshotStore {

    final AtomicInteger closes = new AtomicInteger();
    private final SnapshotStore delegate;

    ForwardingSnapshotStore(SnapshotStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, List<Long> members) throws IOException {
        return delegate.begin(lastIncludedIndex, lastIncludedTerm, members);
    }

    @Override
    public List<SnapshotMeta> list() {
        return delegate.list();
    }

    @Override
    public Optional<SnapshotReader> openNewest() throws IOException {
        return delegate.openNewest();
    }

    @Override
    public Optional<SnapshotReader> open(long lastIncludedIndex) throws IOException {
        return delegate.open(lastIncludedIndex);
    }

    @Override
    public int deleteOlderThan(long lastIncludedIndex) throws IOException {
        return delegate.deleteOlderThan(lastIncludedIndex);
    }

    @Override
    public List<CorruptSnapshotException> problems() {
        return delegate.problems();
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    /** Stores {@code payload} as a committed snapshot directly, as a test's setup. */
    SnapshotMeta put(long index, long term, List<Long> members, byte[] payload) throws IOException {
        try (SnapshotWriter w = delegate.begin(index, term, members)) {
            w.write(payload);
            return w.commit();
        }
    }

    /** The payload of the stored snapshot at {@code index}, read through its checksum check. */
    byte[] read(long index) throws IOException {
        try (SnapshotReader r = delegate.open(index).orElseThrow(() -> new AssertionError("no snapshot " + index))) {
            return r.readAllBytes();
        }
    }
}
