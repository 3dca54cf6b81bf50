package dev.sansraft.kv;

import dev.sansraft.node.SnapshotSource;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link KvStateMachine}'s whole state frozen at one applied index, streamed later on another thread while the
 * apply thread carries on: what {@link KvStateMachine#captureSnapshot()} returns.
 *
 * <p><b>Design: persistent tries, copy-on-write after a capture.</b> The key-value map is a {@link HashTrie} and the
 * sessions are mirrored in another one; capturing freezes both, which is O(1) (a new owner token per trie, this
 * object and a few small ones; no entry, node or session is copied on the apply thread). From then on the apply thread
 * copies a trie node the first time it changes something beneath it, and copies a client session the first time it
 * touches it ({@link ClientSession} is copy-on-write by capture generation), so the frozen nodes and sessions never
 * change and the streaming thread reads them without locks. Entries applied after the capture go to the copies and
 * never show in the stream. {@link #writeTo} writes with the same code as {@link KvStateMachine#writeSnapshot}, so
 * the bytes are exactly what a synchronous write at the capture point gives, and {@code restoreSnapshot} reads both.
 *
 * <p><b>Memory while a capture is alive.</b> Keys, values and saved responses are shared, never copied. The extra
 * memory is the trie nodes copied on the paths of the keys changed since the capture: at most one node per trie level
 * for each changed key (4 or 5 levels for a million keys; a node is an array of 16-272 bytes plus a 24-byte header),
 * far less when changes cluster, and never more than one full copy of the trie's nodes (about 10-20 bytes per key).
 * Each session touched since the capture costs one copy of its sequence and response-pointer arrays (at most
 * {@code maxResponsesPerSession} entries). Values overwritten or deleted since the capture stay alive until the
 * capture is released. While streaming, {@link #writeTo} also sorts the keys: four reference arrays as long as the
 * key count (about 16 bytes per key with compressed references) and a list of the sessions, on the streaming thread.
 *
 * <p><b>Overlapping captures.</b> Allowed, each independent: a second capture freezes the then-current nodes, and
 * changes after it copy again. Memory is the union of the versions still referenced, so N live captures cost at most
 * N copies of the trie's nodes, plus every value overwritten since the oldest of them.
 *
 * <p><b>Release.</b> {@link #writeTo} drops the frozen state when it returns or throws, so a capture that was
 * streamed costs nothing more even if the runtime keeps the object. A capture that is abandoned without being
 * streamed is released when the runtime drops its last reference to it (the frozen state is ordinary garbage: there
 * is no hook to call and nothing on the apply thread waits for it). The runtime must therefore not keep unstreamed
 * captures around, for example in a queue that is never drained.
 *
 * <p>Thread-safety: {@link #writeTo} may be called from any thread, at most once (a second call throws
 * IllegalStateException). The frozen state is immutable and reached through a final field, so it is safely
 * published whatever the hand-off between the apply thread and the streaming thread.
 */
final class KvSnapshotCapture implements SnapshotSource {

    /** The frozen state; cleared once streamed. */
    private record Frozen(FrozenTrie<Bytes, Bytes> map, FrozenTrie<ClientId, ClientSession> sessions) {
    }

    private final long lastAppliedIndex;
    private final AtomicReference<Frozen> frozen;

    KvSnapshotCapture(long lastAppliedIndex, FrozenTrie<Bytes, Bytes> map,
                      FrozenTrie<ClientId, ClientSession> sessions) {
        this.lastAppliedIndex = lastAppliedIndex;
        this.frozen = new AtomicReference<>(new Frozen(map, sessions));
    }

    /** The applied index the capture was taken at, which the snapshot records. */
    long lastAppliedIndex() {
        return lastAppliedIndex;
    }

    /** Whether {@link #writeTo} was called (and the frozen state released). */
    boolean isReleased() {
        return frozen.get() == null;
    }

    /**
     * Streams the captured state in the format of {@code raft-kv/FORMAT.md}, then releases it. Flushes but does not
     * close {@code out}.
     *
     * @throws IOException           if {@code out} fails; the capture is released all the same
     * @throws IllegalStateException if called a second time
     */
    @Override
    public void writeTo(OutputStream out) throws IOException {
        Frozen state = frozen.getAndSet(null);
        if (state == null) {
            throw new IllegalStateException("the kv snapshot captured at applied index " + lastAppliedIndex
                    + " was already streamed; a capture streams once");
        }
        KvSnapshotFormat.write(out, lastAppliedIndex, state.map(), state.sessions());
    }
}
