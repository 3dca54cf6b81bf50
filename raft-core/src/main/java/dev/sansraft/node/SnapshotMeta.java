package dev.sansraft.node;

import dev.sansraft.core.Membership;

import java.util.HashSet;
import java.util.List;

/**
 * What a committed snapshot covers and how to check its bytes (Raft §7: a snapshot replaces the log up to and
 * including its last included entry, and keeps that entry's index and term and the configuration at that point:
 * voters, learners and the joint state, so that a node restored from it has exactly that configuration).
 *
 * <p>Immutable and thread-safe.
 *
 * @param lastIncludedIndex index of the last entry the snapshot replaces, at least 1
 * @param lastIncludedTerm  term of that entry, at least 1
 * @param membership        the configuration at {@code lastIncludedIndex}; it has at least one voter
 * @param sizeBytes         length of the state machine's bytes (the payload), not counting framing
 * @param checksum          CRC32C of the payload, as the unsigned value of {@link java.util.zip.CRC32C#getValue()}
 */
public record SnapshotMeta(long lastIncludedIndex, long lastIncludedTerm, Membership membership, long sizeBytes,
                           long checksum) {

    /**
     * Checks the position, size and checksum.
     *
     * @param lastIncludedIndex index of the last entry the snapshot replaces, at least 1
     * @param lastIncludedTerm term of that entry, at least 1
     * @param membership the configuration at {@code lastIncludedIndex}; it has at least one voter
     * @param sizeBytes length of the state machine's bytes (the payload), not counting framing
     * @param checksum CRC32C of the payload, as the unsigned value of {@link java.util.zip.CRC32C#getValue()}
     * @throws IllegalArgumentException naming the invalid values
     */
    public SnapshotMeta {
        checkPosition(lastIncludedIndex, lastIncludedTerm, membership == null ? null : membership.allVoterIds());
        if (sizeBytes < 0 || checksum < 0 || checksum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("invalid snapshot meta at index " + lastIncludedIndex + ": size "
                    + sizeBytes + " bytes, checksum " + checksum);
        }
    }

    /**
     * A snapshot whose configuration is the simple one of {@code members}, all voters with no endpoint.
     *
     * @param lastIncludedIndex the index of the last entry the snapshot covers
     * @param lastIncludedTerm the term of that entry
     * @param members the voters' ids
     * @param sizeBytes the payload's size in bytes
     * @param checksum the payload's CRC32C
     */
    public SnapshotMeta(long lastIncludedIndex, long lastIncludedTerm, List<Long> members, long sizeBytes,
                        long checksum) {
        this(lastIncludedIndex, lastIncludedTerm, votersOf(lastIncludedIndex, lastIncludedTerm, members), sizeBytes,
                checksum);
    }

    /** {@return every voting member's id (incoming and outgoing), ascending} */
    public List<Long> members() {
        return membership.allVoterIds();
    }

    private static Membership votersOf(long index, long term, List<Long> members) {
        checkPosition(index, term, members);
        return Membership.ofVoters(members);
    }

    /**
     * Checks what a snapshot's position must satisfy, so that a store can refuse a bad {@code begin} before any byte
     * is written.
     *
     * @param lastIncludedIndex the index of the last entry the snapshot covers, at least 1
     * @param lastIncludedTerm the term of that entry, at least 1
     * @param members the voters' ids; not empty
     * @throws IllegalArgumentException naming the offending values
     */
    public static void checkPosition(long lastIncludedIndex, long lastIncludedTerm, List<Long> members) {
        if (lastIncludedIndex < 1 || lastIncludedTerm < 1) {
            throw new IllegalArgumentException("snapshot index and term must be at least 1, got index "
                    + lastIncludedIndex + " term " + lastIncludedTerm);
        }
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("snapshot at index " + lastIncludedIndex + " has no members");
        }
        HashSet<Long> seen = new HashSet<>();
        for (Long id : members) {
            if (id == null || id < 1 || !seen.add(id)) {
                throw new IllegalArgumentException("snapshot at index " + lastIncludedIndex
                        + " has invalid or repeated member id " + id + " in " + members);
            }
        }
    }
}
