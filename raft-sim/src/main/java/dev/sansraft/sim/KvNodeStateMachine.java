package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.node.SnapshotSource;
import dev.sansraft.node.StateMachine;
import dev.sansraft.sim.linearizability.KvModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@link KvBackend} behind the node runtime's {@link StateMachine} SPI, for {@link NodeSim}: results travel back to
 * clients as bytes ({@link #encodeOutput}), reads are {@link #encodeRead key queries}, and snapshots stream the
 * backend's bytes. Every apply, restore and snapshot is reported to the simulation, which checks it.
 *
 * <p>Not thread-safe: one per node incarnation, driven by the simulation's single thread.
 */
final class KvNodeStateMachine implements StateMachine {

    /** What the simulation learns from a state machine. */
    interface Listener {
        /** {@code entry} is about to be applied on {@code slot}. */
        void beforeApply(int slot, LogEntry entry);

        /** {@code entry} was applied on {@code slot}, giving {@code output} and leaving the state at {@code digest}. */
        void afterApply(int slot, LogEntry entry, KvModel.Output output, long digest);

        /** The state was replaced by a snapshot; the backend's applied index is now {@code index}. */
        void restored(int slot, long index, long digest);
    }

    private final int slot;
    private final KvBackend backend;
    private final Listener listener;

    KvNodeStateMachine(int slot, KvBackend backend, Listener listener) {
        this.slot = slot;
        this.backend = backend;
        this.listener = listener;
    }

    KvBackend backend() {
        return backend;
    }

    static byte[] encodeRead(int key) {
        return ByteBuffer.allocate(4).putInt(key).array();
    }

    static byte[] encodeOutput(KvModel.Output out) {
        return ByteBuffer.allocate(9).put((byte) (out.ok() ? 1 : 0)).putLong(out.value()).array();
    }

    static KvModel.Output decodeOutput(byte[] bytes) {
        if (bytes.length != 9) {
            throw new IllegalStateException("a result of " + bytes.length + " bytes; the state machine writes 9");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        boolean ok = b.get() == 1;
        return new KvModel.Output(b.getLong(), ok);
    }

    static long decodeValue(byte[] bytes) {
        if (bytes.length != 8) {
            throw new IllegalStateException("a read result of " + bytes.length + " bytes; the state machine writes 8");
        }
        return ByteBuffer.wrap(bytes).getLong();
    }

    @Override
    public byte[] apply(LogEntry entry) {
        listener.beforeApply(slot, entry);
        KvModel.Output out = backend.apply(entry);
        listener.afterApply(slot, entry, out, backend.digest());
        return out == null ? new byte[0] : encodeOutput(out);
    }

    @Override
    public byte[] query(byte[] request) {
        int key = ByteBuffer.wrap(request).getInt();
        return ByteBuffer.allocate(8).putLong(backend.get(key)).array();
    }

    @Override
    public Optional<SnapshotSource> captureSnapshot() {
        Supplier<byte[]> captured = backend.captureSnapshot();
        return Optional.of(out -> out.write(captured.get()));
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        try {
            backend.restoreSnapshot(bytes);
        } catch (IllegalStateException e) {
            throw new IOException("node " + (slot + 1) + " cannot decode a snapshot of " + bytes.length + " bytes", e);
        }
        listener.restored(slot, backend.appliedIndex(), backend.digest());
    }
}
