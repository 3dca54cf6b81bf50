package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;

/**
 * When a node snapshots its state machine and how much log it keeps behind a snapshot (Raft §7): the three
 * {@code --snapshot-*} flags of the {@code server} command. Immutable and thread-safe.
 *
 * @param entries         take a snapshot once this many entries were applied since the last one; 0 never
 * @param bytes           take a snapshot once this many entry bytes were applied since the last one; 0 never
 * @param trailingEntries entries kept before a snapshot's index when the log is compacted, so that a follower a
 *                        little behind catches up from the log instead of receiving the whole snapshot
 */
public record SnapshotSettings(long entries, long bytes, long trailingEntries) {

    /**
     * Checks that no threshold is negative.
     *
     * @param entries take a snapshot once this many entries were applied since the last one; 0 never
     * @param bytes take a snapshot once this many entry bytes were applied since the last one; 0 never
     * @param trailingEntries entries kept before a snapshot's index when the log is compacted, so that a follower a
     *     little behind catches up from the log instead of receiving the whole snapshot
     * @throws IllegalArgumentException if one is
     */
    public SnapshotSettings {
        if (entries < 0 || bytes < 0 || trailingEntries < 0) {
            throw new IllegalArgumentException("snapshot thresholds must be >= 0, got entries " + entries + ", bytes "
                    + bytes + ", trailing entries " + trailingEntries);
        }
    }

    /** {@return the {@link RaftConfig} defaults} */
    public static SnapshotSettings defaults() {
        RaftConfig d = RaftConfig.defaults();
        return new SnapshotSettings(d.snapshotEntries(), d.snapshotBytes(), d.snapshotTrailingEntries());
    }

    /** {@return true when neither threshold is set: the node never snapshots and its log grows without bound} */
    public boolean isDisabled() {
        return entries == 0 && bytes == 0;
    }

    /**
     * Copies these thresholds into {@code config}.
     *
     * @param config the builder to set
     * @return {@code config}
     */
    public RaftConfig.Builder applyTo(RaftConfig.Builder config) {
        return config.snapshotEntries(entries).snapshotBytes(bytes).snapshotTrailingEntries(trailingEntries);
    }
}
