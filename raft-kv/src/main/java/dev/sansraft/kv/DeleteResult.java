package dev.sansraft.kv;

/**
 * A delete was applied. Immutable.
 *
 * @param existed whether the key was present before
 * @param index   the log index of the delete
 */
public record DeleteResult(boolean existed, long index) implements KvResult {
}
