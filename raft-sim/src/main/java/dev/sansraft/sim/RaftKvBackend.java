package dev.sansraft.sim;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.CasResult;
import dev.sansraft.kv.GetResult;
import dev.sansraft.kv.KvCodecException;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvResult;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.kv.SessionTag;
import dev.sansraft.node.SnapshotSource;
import dev.sansraft.sim.linearizability.KvModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * raft-kv's {@link KvStateMachine} behind the simulator's {@link KvBackend}: integer keys become {@code "k<n>"},
 * {@code long} values become 8 bytes, and every write carries a {@link SessionTag} (client, operation sequence), so
 * a retried operation is applied at most once, as raft-kv promises. Reads and results are mapped back to
 * {@link KvModel}: an absent key reads as {@link KvModel#ABSENT}, and a compare-and-set that finds the key absent
 * fails having found {@code ABSENT} (clients never expect {@code ABSENT}, where the two stores would differ).
 *
 * <p>Not thread-safe: one per node incarnation.
 */
final class RaftKvBackend implements KvBackend {

    private final KvStateMachine store = KvStateMachine.create();
    private final KvCommandCodec codec = store.codec();
    private long appliedIndex;

    private static Bytes key(int key) {
        return Bytes.ofUtf8("k" + key);
    }

    private static Bytes value(long value) {
        return Bytes.copyOf(ByteBuffer.allocate(8).putLong(value).array());
    }

    private static long value(byte[] bytes) {
        if (bytes == null) {
            return KvModel.ABSENT;
        }
        if (bytes.length != 8) {
            throw new IllegalStateException("raft-kv returned a " + bytes.length + "-byte value; the simulator writes 8");
        }
        return ByteBuffer.wrap(bytes).getLong();
    }

    @Override
    public byte[] encode(KvModel.Input in, int clientId, long sequence) {
        SessionTag session = new SessionTag(clientId + 1L, sequence, sequence);
        switch (in.kind()) {
            case GET:
                return codec.encode(new KvCommand.Get(null, key(in.key())));
            case PUT:
                return codec.encode(new KvCommand.Put(session, key(in.key()), value(in.value())));
            default:
                return codec.encode(new KvCommand.CompareAndSet(session, key(in.key()), value(in.expected()),
                        value(in.value())));
        }
    }

    @Override
    public KvModel.Output apply(LogEntry entry) {
        appliedIndex = entry.index();
        byte[] response = store.apply(entry);
        if (entry.kind() != EntryKind.NORMAL) {
            return null;
        }
        KvResult result = codec.decodeResult(response);
        if (result instanceof GetResult) {
            return KvModel.Output.value(value(((GetResult) result).value()));
        }
        if (result instanceof CasResult) {
            CasResult cas = (CasResult) result;
            switch (cas.outcome()) {
                case SWAPPED: return KvModel.Output.ok(true);
                case MISMATCH: return KvModel.Output.casFailed(value(cas.current()));
                default: return KvModel.Output.casFailed(KvModel.ABSENT);
            }
        }
        if (result instanceof KvResult.Failure
                && ((KvResult.Failure) result).error() == dev.sansraft.kv.KvError.MALFORMED_COMMAND) {
            return null; // not a client command (a harness payload such as a liveness probe)
        }
        if (result instanceof KvResult.Failure
                && ((KvResult.Failure) result).error() == dev.sansraft.kv.KvError.STALE_SEQUENCE) {
            // A retry landing after the client's next write acknowledged it: the session refuses it, no effect.
            return null;
        }
        if (result instanceof KvResult.Failure) {
            throw new IllegalStateException("raft-kv refused a simulator command at index " + entry.index() + ": "
                    + result);
        }
        return KvModel.Output.ok(true);
    }

    @Override
    public long get(int key) {
        Bytes v = store.get(key(key));
        return v == null ? KvModel.ABSENT : value(v.toByteArray());
    }

    /** True: every write carries a session tag, so raft-kv applies a retried write once. */
    @Override
    public boolean dedupesRetries() {
        return true;
    }

    @Override
    public ClientWrite clientWrite(LogEntry entry) {
        if (entry.kind() != EntryKind.NORMAL) {
            return null;
        }
        KvCommand command;
        try {
            command = codec.decode(entry.payload());
        } catch (KvCodecException e) {
            return null; // not a client command (a harness payload such as a liveness probe)
        }
        SessionTag session = command.session();
        if (session == null) {
            return null;
        }
        if (command instanceof KvCommand.Put) {
            KvCommand.Put put = (KvCommand.Put) command;
            return new ClientWrite(clientIndex(session), session.sequence(), keyOf(put.key()),
                    value(put.value().toByteArray()));
        }
        if (command instanceof KvCommand.CompareAndSet) {
            KvCommand.CompareAndSet cas = (KvCommand.CompareAndSet) command;
            return new ClientWrite(clientIndex(session), session.sequence(), keyOf(cas.key()),
                    value(cas.newValue().toByteArray()));
        }
        return null;
    }

    /** The simulated client's index: this backend tags client {@code i}'s writes with the numeric id {@code i + 1}. */
    private static int clientIndex(SessionTag session) {
        return (int) (Long.parseUnsignedLong(session.clientId().text()) - 1);
    }

    private static int keyOf(Bytes key) {
        String text = key.toUtf8();
        if (text.length() < 2 || text.charAt(0) != 'k') {
            throw new IllegalStateException("raft-kv key " + text + " was not written by the simulator");
        }
        return Integer.parseInt(text.substring(1));
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    /** raft-kv's own snapshot format ({@link KvStateMachine#writeSnapshot}). */
    @Override
    public byte[] writeSnapshot() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            store.writeSnapshot(out);
        } catch (IOException e) {
            throw new UncheckedIOException("raft-kv snapshot to memory failed at index " + appliedIndex, e);
        }
        return out.toByteArray();
    }

    /**
     * raft-kv's O(1) {@link KvStateMachine#captureSnapshot()}, streamed when the supplier is called (the simulator
     * calls it one disk write later, after more entries may have been applied), as the node runtime streams it on
     * another thread.
     */
    @Override
    public Supplier<byte[]> captureSnapshot() {
        SnapshotSource source = store.captureSnapshot().orElseThrow(
                () -> new IllegalStateException("raft-kv captured no snapshot at index " + appliedIndex));
        long at = appliedIndex;
        return () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                source.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException("raft-kv capture at index " + at + " failed to stream", e);
            }
            return out.toByteArray();
        };
    }

    @Override
    public void restoreSnapshot(byte[] snapshot) {
        try {
            store.restoreSnapshot(new ByteArrayInputStream(snapshot));
        } catch (IOException e) {
            throw new IllegalStateException("raft-kv refused a " + snapshot.length + "-byte snapshot: " + e, e);
        }
        appliedIndex = store.lastAppliedIndex();
    }

    /** raft-kv's {@link KvStateMachine#digest()}: keys, values, sessions and applied index. */
    @Override
    public long digest() {
        return store.digest();
    }
}
