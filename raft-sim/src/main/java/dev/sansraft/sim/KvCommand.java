package dev.sansraft.sim;

import dev.sansraft.sim.linearizability.KvModel;
import java.nio.ByteBuffer;

/**
 * The wire form of a simulated client's key-value command inside a log entry: a magic byte, the kind, the key, the
 * value, the expected value (for CAS), and the client and operation ids that make every payload unique.
 * Immutable and thread-safe.
 */
record KvCommand(KvModel.Input input, int clientId, long opId) {

    static final byte MAGIC = 0x4B;
    static final int SIZE_BYTES = 1 + 1 + 4 + 8 + 8 + 4 + 8;

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE_BYTES);
        b.put(MAGIC).put((byte) input.kind().ordinal()).putInt(input.key()).putLong(input.value())
                .putLong(input.expected()).putInt(clientId).putLong(opId);
        return b.array();
    }

    /** Decodes a payload written by {@link #encode()}, or returns null for any other payload. */
    static KvCommand decode(byte[] payload) {
        if (payload.length != SIZE_BYTES || payload[0] != MAGIC) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        b.get();
        int kind = b.get();
        if (kind < 0 || kind >= KvModel.Kind.values().length) {
            return null;
        }
        int key = b.getInt();
        long value = b.getLong();
        long expected = b.getLong();
        int client = b.getInt();
        long opId = b.getLong();
        return new KvCommand(new KvModel.Input(KvModel.Kind.values()[kind], key, value, expected), client, opId);
    }
}
