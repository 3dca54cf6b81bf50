package dev.sansraft.kv;

import java.util.Arrays;
import java.util.Optional;

/**
 * The answer to a read. Immutable by contract: {@code value} is a fresh array owned by this result, and nobody may
 * mutate it; {@code equals} compares its content.
 *
 * @param value        the value, or null when the key is absent
 * @param appliedIndex the state machine's applied index when the read was answered (the HTTP layer reports it for
 *                     stale reads); for a read through the log, that entry's index
 */
public record GetResult(byte[] value, long appliedIndex) implements KvResult {

    /** {@return whether the key was present} */
    public boolean found() {
        return value != null;
    }

    /** {@return the value, if present} */
    public Optional<byte[]> valueIfPresent() {
        return Optional.ofNullable(value);
    }

    @Override
    public long index() {
        return appliedIndex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetResult && appliedIndex == ((GetResult) o).appliedIndex
                && Arrays.equals(value, ((GetResult) o).value);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(appliedIndex) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "GetResult[" + (value == null ? "absent" : value.length + "B") + " @" + appliedIndex + "]";
    }
}
