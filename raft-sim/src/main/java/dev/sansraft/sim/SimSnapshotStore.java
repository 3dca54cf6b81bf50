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

    private final InMemorySnapshotStore durable;
    private SnapshotWriter open;
    private boolean crashed;

    SimSnapshotStore(InMemorySnapshotStore durable) {
        this.durable = durable;
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
        open = durable.begin(lastIncludedIndex, lastIncludedTerm, members);
        return open;
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
