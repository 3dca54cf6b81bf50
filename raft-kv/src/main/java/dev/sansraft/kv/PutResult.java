package dev.sansraft.kv;

/**
 * A put was applied. Immutable.
 *
 * @param index the log index of the put (for a retried session write: of its first application)
 */
public record PutResult(long index) implements KvResult {
}
