package dev.sansraft.core;

import java.util.HashSet;
import java.util.List;

/**
 * What a durable snapshot covers and how to check its bytes (Raft §7): it replaces the log up to and including
 * {@code (index, term)}, records the full configuration in effect at that point (voters, learners and, in the joint
 * state, the outgoing voters: a node restored from it has exactly that configuration), and holds {@code sizeBytes}
 * bytes of state-machine payload whose CRC32C is {@code checksum}.
 *
 * <p>The core never touches snapshot bytes except to check a received snapshot's checksum chunk by chunk: the runtime
 * stores, reads and streams them, and tells the core about them with this record.
 *
 * <p>Immutable and thread-safe.
 *
 * @param index      the last included index, at least 1
 * @param term       the term of that entry, at least 1
 * @param membership the configuration in effect at {@code index}; it has at least one voter
 * @param sizeBytes  the payload's length in bytes
 * @param checksum   CRC32C of the payload, as the unsigned value of {@link java.util.zip.CRC32C#getValue()}
 */
public record SnapshotInfo(long index, long term, Membership membership, long sizeBytes, long checksum) {

    /**
     * Checks the position, the configuration, the size and the checksum.
     *
     * @param index the last included index, at least 1
     * @param term the term of that entry, at least 1
     * @param membership the configuration in effect at {@code index}; it has at least one voter
     * @param sizeBytes the payload's length in bytes
     * @param checksum CRC32C of the payload, as the unsigned value of {@link java.util.zip.CRC32C#getValue()}
     * @throws IllegalArgumentException naming the invalid values
     */
    public SnapshotInfo {
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("snapshot index and term must be at least 1, got index " + index
                    + " term " + term);
        }
        if (membership == null || membership.isEmpty()) {
            throw new IllegalArgumentException("snapshot at index " + index + " has no voters: " + membership);
        }
        if (sizeBytes < 0 || checksum < 0 || checksum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("snapshot at index " + index + " has invalid size " + sizeBytes
                    + " or checksum " + checksum);
        }
    }

    /**
     * A snapshot whose configuration is the simple one of {@code members}, all voters with no endpoint.
     *
     * @param index the index of the last entry the snapshot covers
     * @param term the term of that entry
     * @param members the voters' ids
     * @param sizeBytes the payload's size in bytes
     * @param checksum the payload's CRC32C
     * @throws IllegalArgumentException when {@code members} is empty, repeats an id or holds one below 1
     */
    public SnapshotInfo(long index, long term, List<Long> members, long sizeBytes, long checksum) {
        this(index, term, votersOf(index, members), sizeBytes, checksum);
    }

    /** {@return every voting member's id (incoming and outgoing), ascending} */
    public List<Long> members() {
        return membership.allVoterIds();
    }

    private static Membership votersOf(long index, List<Long> members) {
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("snapshot at index " + index + " has no members");
        }
        HashSet<Long> seen = new HashSet<>();
        for (Long m : members) {
            if (m == null || m < 1 || !seen.add(m)) {
                throw new IllegalArgumentException("snapshot at index " + index + " has invalid or repeated member "
                        + m + " in " + members);
            }
        }
        return Membership.ofVoters(members);
    }
}
