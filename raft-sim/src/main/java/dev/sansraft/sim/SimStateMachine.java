package dev.sansraft.sim;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.Arrays;

/**
 * A node's state machine in the simulator: a tiny key-value store over small integer keys for the clients' commands,
 * which ignores every other payload. Volatile: a crash loses it and the restarted node re-applies the log from index
 * 1 (there are no snapshots yet).
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimStateMachine implements KvBackend {

    private long[] values = new long[8];
    private long appliedIndex;

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
}
