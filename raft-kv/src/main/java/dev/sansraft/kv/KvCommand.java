package dev.sansraft.kv;

/**
 * One command for the {@link KvStateMachine}, as carried in a log entry (or, for {@link Get}, also as a read-only
 * query). Immutable: keys and values are {@link Bytes}.
 *
 * <p>Every command may carry a {@link SessionTag} for exactly-once application; {@code session} is null when it
 * carries none.
 */
public sealed interface KvCommand permits KvCommand.Put, KvCommand.Delete, KvCommand.CompareAndSet, KvCommand.Get {

    /** {@return the session tag, or null} */
    SessionTag session();

    /** {@return the key the command addresses} */
    Bytes key();

    /**
     * Sets {@code key} to {@code value}, creating or replacing it.
     *
     * @param session the session tag, or null for an untagged write
     * @param key the key to set; not null
     * @param value the new value
     */
    record Put(SessionTag session, Bytes key, Bytes value) implements KvCommand {
        /**
         * Checks that the key and the value are present.
         *
         * @param session the session tag, or null for an untagged write
         * @param key the key to set; not null
         * @param value the new value
         * @throws IllegalArgumentException if {@code key} or {@code value} is null
         */
        public Put {
            requireNonNull(key, "key");
            requireNonNull(value, "value");
        }
    }

    /**
     * Removes {@code key} if present.
     *
     * @param session the session tag, or null for an untagged write
     * @param key the key to remove; not null
     */
    record Delete(SessionTag session, Bytes key) implements KvCommand {
        /**
         * Checks that the key is present.
         *
         * @param session the session tag, or null for an untagged write
         * @param key the key to remove; not null
         * @throws IllegalArgumentException if {@code key} is null
         */
        public Delete {
            requireNonNull(key, "key");
        }
    }

    /**
     * Sets {@code key} to {@code newValue} only if its current value equals {@code expected}.
     *
     * @param session the session tag, or null for an untagged write
     * @param key the key to compare and set; not null
     * @param expected the value the key must hold for the swap
     * @param newValue the value to store
     */
    record CompareAndSet(SessionTag session, Bytes key, Bytes expected, Bytes newValue) implements KvCommand {
        /**
         * Checks that the key and both values are present.
         *
         * @param session the session tag, or null for an untagged write
         * @param key the key to compare and set; not null
         * @param expected the value the key must hold for the swap
         * @param newValue the value to store
         * @throws IllegalArgumentException if {@code key}, {@code expected} or {@code newValue} is null
         */
        public CompareAndSet {
            requireNonNull(key, "key");
            requireNonNull(expected, "expected");
            requireNonNull(newValue, "newValue");
        }
    }

    /**
     * Reads {@code key}. As a query it is served from applied state; as a log entry it is a read through the log
     * (slow but linearizable without ReadIndex, kept for comparison benchmarks).
     *
     * @param session the session tag, or null (reads normally carry none)
     * @param key the key to read; not null
     */
    record Get(SessionTag session, Bytes key) implements KvCommand {
        /**
         * Checks that the key is present.
         *
         * @param session the session tag, or null (reads normally carry none)
         * @param key the key to read; not null
         * @throws IllegalArgumentException if {@code key} is null
         */
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
