package dev.sansraft.sim;

import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.InMemorySnapshotStore;
import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotStore;
import dev.sansraft.node.SnapshotWriter;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One incarnation's view of a simulated node's snapshot storage: committed snapshots live in a
 * {@link InMemorySnapshotStore} that outlives crashes (a commit is atomic and durable), while the writer a crash
 * interrupts is discarded, like a half-written file the next start never sees. {@link #close()} leaves the durable
 * store open for the next incarnation.
 *
 * <p>Thread-safety: as the store beneath; the simulation uses one thread.
 */
final class SimSnapshotStore implements SnapshotStore {

    /** Where the simulator may aim a crash: a snapshot write begins, a chunk of it is written, it is committed. */
    interface Moments {
        void begun(long index);

        void written(long index);

        void committed(long index);

        /** Test-only sabotage: whether to flip the last byte of every snapshot before it is committed. */
        boolean corrupts();
    }

    private static final Moments NONE = new Moments() {
        @Override
        public void begun(long index) {
        }

        @Override
        public void written(long index) {
        }

        @Override
        public void committed(long index) {
        }

        @Override
        public boolean corrupts() {
            return false;
        }
    };

    private final InMemorySnapshotStore durable;
    private final Moments moments;
    private SnapshotWriter open;
    private boolean crashed;

    SimSnapshotStore(InMemorySnapshotStore durable) {
        this(durable, NONE);
    }

    SimSnapshotStore(InMemorySnapshotStore durable, Moments moments) {
        this.durable = durable;
        this.moments = moments;
    }

    /** The incarnation crashed: a snapshot being written is lost. */
    void crash() {
        crashed = true;
        if (open != null) {
            open.abort();
            open = null;
        }
    }

    @Override
    public SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, List<Long> members) throws IOException {
        if (crashed) {
            throw new IllegalStateException("the incarnation that owns this snapshot store crashed");
        }
        open = new Watched(durable.begin(lastIncludedIndex, lastIncludedTerm, members), lastIncludedIndex);
        moments.begun(lastIncludedIndex);
        return open;
    }

    /**
     * A writer that tells {@link Moments} what happens to it; it holds back the last byte written, so that the
     * corrupting sabotage can flip it at the commit.
     */
    private final class Watched extends SnapshotWriter {
        private final SnapshotWriter target;
        private final long index;
        private int held = -1;

        Watched(SnapshotWriter target, long index) {
            this.target = target;
            this.index = index;
        }

        @Override
        public void write(int b) throws IOException {
            if (held >= 0) {
                target.write(held);
            }
            held = b & 0xff;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            if (held >= 0) {
                target.write(held);
            }
            target.write(b, off, len - 1);
            held = b[off + len - 1] & 0xff;
            moments.written(index);
        }

        @Override
        public SnapshotMeta commit() throws IOException {
            if (held >= 0) {
                target.write(moments.corrupts() ? held ^ 1 : held);
                held = -1;
            }
            SnapshotMeta meta = target.commit();
            moments.committed(index);
            return meta;
        }

        @Override
        public void abort() {
            target.abort();
        }
    }

    @Override
    public List<SnapshotMeta> list() {
        return durable.list();
    }

    @Override
    public Optional<SnapshotReader> openNewest() {
        return durable.openNewest();
    }

    @Override
    public Optional<SnapshotReader> open(long lastIncludedIndex) {
        return durable.open(lastIncludedIndex);
    }

    @Override
    public int deleteOlderThan(long lastIncludedIndex) {
        return durable.deleteOlderThan(lastIncludedIndex);
    }

    @Override
    public List<CorruptSnapshotException> problems() {
        return durable.problems();
    }

    @Override
    public void close() {
        if (open != null) {
            open.abort();
            open = null;
        }
    }
}
