package dev.sansraft.sim;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.sim.linearizability.KvModel;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A node's state machine in the simulator: a tiny key-value store over small integer keys for the clients' commands,
 * which ignores every other payload. Volatile: a crash loses it and the restarted node restores its newest snapshot
 * and re-applies the log after it.
 *
 * <p>Besides the values it keeps a running hash of every entry applied (index, term, kind and payload), so its
 * {@link #digest()} tells apart two nodes that applied different entries even where the values agree, and a snapshot
 * carries that history forward.
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimStateMachine implements KvBackend {

    private static final int SNAPSHOT_MAGIC = 0x53534D31; // "SSM1"

    private long[] values = new long[8];
    private long appliedIndex;
    /** Hash chain over every entry applied so far. */
    private long history;

    @Override
    public byte[] encode(KvModel.Input input, int clientId, long sequence) {
        return new KvCommand(input, clientId, sequence).encode();
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    /** False: this store has no client sessions, so a write in the log twice is applied twice. */
    @Override
    public boolean dedupesRetries() {
        return false;
    }

    @Override
    public ClientWrite clientWrite(LogEntry entry) {
        if (entry.kind() != EntryKind.NORMAL) {
            return null;
        }
        KvCommand cmd = KvCommand.decode(entry.payload());
        if (cmd == null || cmd.input().kind() == KvModel.Kind.GET) {
            return null;
        }
        return new ClientWrite(cmd.clientId(), cmd.opId(), cmd.input().key(), cmd.input().value());
    }

    /** Applies the next committed entry; returns the command's result, or null when it is not a KV command. */
    @Override
    public KvModel.Output apply(LogEntry entry) {
        appliedIndex = entry.index();
        history = mix(mix(mix(history ^ entry.index()) + entry.term()) + entry.kind().ordinal()
                + 31L * Arrays.hashCode(entry.payload()));
        if (entry.kind() != EntryKind.NORMAL) {
            return null;
        }
        KvCommand cmd = KvCommand.decode(entry.payload());
        if (cmd == null) {
            return null;
        }
        KvModel.Input in = cmd.input();
        long current = get(in.key());
        switch (in.kind()) {
            case GET:
                return KvModel.Output.value(current);
            case PUT:
                set(in.key(), in.value());
                return KvModel.Output.ok(true);
            default:
                if (current != in.expected()) {
                    return KvModel.Output.casFailed(current);
                }
                set(in.key(), in.value());
                return KvModel.Output.ok(true);
        }
    }

    /** The current value of {@code key} ({@link KvModel#ABSENT} if never written). */
    @Override
    public long get(int key) {
        return key < values.length ? values[key] : KvModel.ABSENT;
    }

    private void set(int key, long value) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key);
        }
        if (key >= values.length) {
            values = Arrays.copyOf(values, Math.max(key + 1, values.length * 2));
        }
        values[key] = value;
    }

    @Override
    public byte[] writeSnapshot() {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 + 8 + 4 + 8 * values.length);
        b.putInt(SNAPSHOT_MAGIC).putLong(appliedIndex).putLong(history).putInt(values.length);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    @Override
    public void restoreSnapshot(byte[] snapshot) {
        ByteBuffer b = ByteBuffer.wrap(snapshot);
        if (snapshot.length < 24 || b.getInt() != SNAPSHOT_MAGIC) {
            throw new IllegalStateException("not a simulator state-machine snapshot (" + snapshot.length + " bytes)");
        }
        long index = b.getLong();
        long hash = b.getLong();
        int n = b.getInt();
        if (n < 0 || b.remaining() != 8L * n) {
            throw new IllegalStateException("snapshot of " + snapshot.length + " bytes declares " + n + " values");
        }
        long[] restored = new long[n];
        for (int i = 0; i < n; i++) {
            restored[i] = b.getLong();
        }
        values = restored;
        appliedIndex = index;
        history = hash;
    }

    @Override
    public long digest() {
        long h = mix(history + appliedIndex);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != KvModel.ABSENT) {
                h = mix(h ^ (i * 0x9E3779B97F4A7C15L) ^ values[i]);
            }
        }
        return h;
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }
}
