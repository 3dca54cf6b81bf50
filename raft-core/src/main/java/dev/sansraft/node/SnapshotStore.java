package dev.sansraft.node;

import dev.sansraft.core.Membership;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage for one node's snapshots (Raft §7). A snapshot is written as a stream through a
 * {@link SnapshotWriter} and becomes visible, atomically and durably, on {@link SnapshotWriter#commit()}; it is read
 * back as a stream. Neither side ever needs the whole snapshot in memory.
 *
 * <p>Contract:
 * <ul>
 *   <li>Snapshots only move forward: {@link #begin} refuses an index at or below the newest committed one.</li>
 *   <li>At most one writer is open at a time.</li>
 *   <li>{@link #list()} returns only valid snapshots, newest (highest last included index) first. Stored snapshots
 *       that fail validation are never listed or served; they are reported through {@link #problems()}, and the
 *       store falls back to the newest valid one.</li>
 *   <li>Old snapshots are deleted only after a newer one is durable: a commit keeps the newest few (the store's
 *       retention, 2 unless configured) and {@link #deleteOlderThan} never deletes the newest snapshot.</li>
 *   <li>A failed commit leaves every earlier snapshot in place and readable.</li>
 * </ul>
 *
 * <p>Thread-safety: implementations are thread-safe. The writer and readers they hand out are each owned by one
 * thread; readers opened before a deletion keep working until closed. {@link RaftNode} calls {@link #openNewest()}
 * once in {@code start()}; it writes from its snapshot thread, or from its apply thread for a state machine that
 * cannot capture its state, never with two writers open; it reads chunks for followers on its snapshot sender thread
 * and restores received snapshots on its apply thread; and it closes the store in {@code close()} after those threads
 * have stopped.
 */
public interface SnapshotStore extends AutoCloseable {

    /**
     * Starts writing a snapshot that replaces the log up to and including {@code lastIncludedIndex}.
     *
     * @param lastIncludedIndex the index of the last entry the snapshot covers
     * @param lastIncludedTerm the term of that entry
     * @param members the voters' ids at that index
     * @return the writer to stream the state into
     * @throws IllegalArgumentException if the position is invalid (see {@link SnapshotMeta#checkPosition}) or not
     *                                  above the newest committed snapshot
     * @throws IllegalStateException    if another writer is still open, or the store is closed
     * @throws IOException              if storage fails
     */
    SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, List<Long> members) throws IOException;

    /**
     * Starts writing a snapshot whose configuration is {@code membership} (voters, learners, joint state). A store
     * must keep the whole configuration and give it back in {@link SnapshotMeta#membership()}; this default keeps
     * only the voter ids and exists for stores written before configurations had more than voters.
     *
     * @param lastIncludedIndex the index of the last entry the snapshot covers
     * @param lastIncludedTerm the term of that entry
     * @param membership the configuration at that index
     * @return the writer to stream the state into
     * @throws IllegalArgumentException if the position is invalid or not above the newest committed snapshot
     * @throws IllegalStateException    if another writer is still open, or the store is closed
     * @throws IOException              if storage fails
     */
    default SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, Membership membership)
            throws IOException {
        return begin(lastIncludedIndex, lastIncludedTerm, membership.allVoterIds());
    }

    /** {@return every valid snapshot, newest first; empty when there is none} */
    List<SnapshotMeta> list();

    /** {@return the newest valid snapshot's metadata, if any} */
    default Optional<SnapshotMeta> newest() {
        List<SnapshotMeta> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /**
     * Opens the newest valid snapshot for streaming, or returns empty when there is none.
     *
     * @return a reader of the newest valid snapshot, or empty
     * @throws IOException if it cannot be opened
     */
    Optional<SnapshotReader> openNewest() throws IOException;

    /**
     * Opens the valid snapshot whose last included index is {@code lastIncludedIndex}, or returns empty when the store
     * no longer (or never) held it. A leader streaming a snapshot to a follower reads it through this.
     *
     * @param lastIncludedIndex the last included index of the wanted snapshot
     * @return a reader of that snapshot, or empty
     * @throws IOException if it cannot be opened
     */
    Optional<SnapshotReader> open(long lastIncludedIndex) throws IOException;

    /**
     * Deletes the snapshots whose last included index is below {@code lastIncludedIndex}; the newest snapshot is
     * always kept.
     *
     * @param lastIncludedIndex the snapshots below this last included index go
     * @return how many were deleted
     * @throws IOException if a deletion fails
     */
    int deleteOlderThan(long lastIncludedIndex) throws IOException;

    /**
     * The damaged snapshots this store found and skipped, newest first, each locating the damage. Empty when every
     * stored snapshot is valid.
     *
     * @return one exception per damaged snapshot, newest first
     */
    List<CorruptSnapshotException> problems();

    /** Releases the store; a writer still open can no longer commit. Idempotent. */
    @Override
    void close() throws IOException;

    /**
     * Whether stored snapshots survive a restart of the process; see {@link LogStore#isDurable()}. Default true; an
     * in-memory store answers false.
     *
     * @return true if snapshots survive a restart
     */
    default boolean isDurable() {
        return true;
    }
}
