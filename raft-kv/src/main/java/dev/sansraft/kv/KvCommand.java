package dev.sansraft.kv;

/**
 * One command for the {@link KvStateMachine}, as carried in a log entry (or, for {@link Get}, also as a read-only
 * query). Immutable: keys and values are {@link Bytes}.
 *
 * <p>Every command may carry a {@link SessionTag} for exactly-once application; {@code session} is null when it
 * carries none.
 */
public sealed interface KvCommand permits KvCommand.Put, KvCommand.Delete, KvCommand.CompareAndSet, KvCommand.Get {

    /** The session tag, or null. */
    SessionTag session();

    /** The key the command addresses. */
    Bytes key();

    /** Sets {@code key} to {@code value}, creating or replacing it. */
    record Put(SessionTag session, Bytes key, Bytes value) implements KvCommand {
        public Put {
            requireNonNull(key, "key");
            requireNonNull(value, "value");
        }
    }

    /** Removes {@code key} if present. */
    record Delete(SessionTag session, Bytes key) implements KvCommand {
        public Delete {
            requireNonNull(key, "key");
        }
    }

    /** Sets {@code key} to {@code newValue} only if its current value equals {@code expected}. */
    record CompareAndSet(SessionTag session, Bytes key, Bytes expected, Bytes newValue) implements KvCommand {
        public CompareAndSet {
            requireNonNull(key, "key");
            requireNonNull(expected, "expected");
            requireNonNull(newValue, "newValue");
        }
    }

    /**
     * Reads {@code key}. As a query it is served from applied state; as a log entry it is a read through the log
     * (slow but linearizable without ReadIndex, kept for comparison benchmarks).
     */
    record Get(SessionTag session, Bytes key) implements KvCommand {
        public Get {
            requireNonNull(key, "key");
        }
    }

    private static void requireNonNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }
}
