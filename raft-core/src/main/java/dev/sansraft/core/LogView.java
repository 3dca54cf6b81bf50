package dev.sansraft.core;

import java.util.List;

/**
 * The narrow, read-only view of durable log storage that {@link RaftCore} reads.
 *
 * <p>The core keeps entries it has emitted in {@link Action.AppendLog} but not yet seen {@link Event.Persisted} for in
 * memory, so a view only has to serve what the runtime has already written. Implementations must therefore make an
 * appended entry readable no later than the moment its {@code Persisted} event is delivered, and a truncation
 * visible no later than the next {@code Persisted} event.
 *
 * <p>Thread-safety: the core calls a view only from the thread that drives it; an implementation that is also
 * written from a storage thread must make those reads safe.
 *
 * <p>Indexes: the view holds entries {@code firstIndex() .. lastIndex()}. An empty view has
 * {@code lastIndex() == firstIndex() - 1}. Before any compaction {@code firstIndex()} is 1.
 */
public interface LogView {

    /** {@return the index of the first entry held; {@code lastIndex() + 1} when empty} */
    long firstIndex();

    /** {@return the index of the last entry held, or {@code firstIndex() - 1} when empty} */
    long lastIndex();

    /**
     * The term of the entry at {@code index}; {@code 0} for index 0; for {@code firstIndex() - 1}, the term of the last
     * entry compacted away (0 if none).
     *
     * @param index a log index in {@code [firstIndex() - 1, lastIndex()]}
     * @return the term at {@code index}
     * @throws IllegalArgumentException if {@code index} is outside {@code [firstIndex() - 1, lastIndex()]}
     */
    long term(long index);

    /**
     * Entries in {@code [fromIndex, toIndexExclusive)}, stopping early once their {@link LogEntry#sizeBytes()} sum
     * would exceed {@code maxBytes}; always at least one entry when the range is non-empty.
     *
     * @param fromIndex the first index wanted
     * @param toIndexExclusive one past the last index wanted
     * @param maxBytes the byte budget, counted as {@link LogEntry#sizeBytes()}
     * @return the entries, in index order
     * @throws IllegalArgumentException if the range is not within {@code [firstIndex(), lastIndex() + 1]}
     */
    List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes);
}
