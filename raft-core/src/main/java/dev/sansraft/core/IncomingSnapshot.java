package dev.sansraft.core;

import java.util.zip.CRC32C;

/**
 * A follower's state for one snapshot being received from a leader: how many bytes arrived in order and their
 * running CRC32C, so that a damaged or incomplete transfer is never installed. The bytes themselves go straight to
 * the runtime ({@link Action.WriteSnapshotChunk}). Not thread-safe: owned by its {@link RaftCore}.
 */
final class IncomingSnapshot {

    final SnapshotInfo snapshot;
    private final CRC32C crc = new CRC32C();
    private long nextOffset;
    private boolean complete;

    IncomingSnapshot(SnapshotInfo snapshot) {
        this.snapshot = snapshot;
    }

    long nextOffset() {
        return nextOffset;
    }

    /** Whether every byte arrived and checked out; the runtime is committing the snapshot. */
    boolean isComplete() {
        return complete;
    }

    /** Whether a chunk holds only bytes already received. */
    boolean isDuplicate(long offset, int length) {
        return offset < nextOffset && offset + length <= nextOffset;
    }

    /**
     * Takes the chunk that continues the received bytes.
     *
     * @return false if this was the last chunk and the whole payload's checksum differs from the snapshot's, in which
     *         case the transfer must start again
     */
    boolean append(long offset, byte[] data) {
        if (offset != nextOffset || complete) {
            throw new IllegalStateException("snapshot " + snapshot.index() + " chunk at " + offset
                    + " does not continue at " + nextOffset + " (complete " + complete + ")");
        }
        crc.update(data, 0, data.length);
        nextOffset += data.length;
        if (nextOffset == snapshot.sizeBytes()) {
            if (crc.getValue() != snapshot.checksum()) {
                return false;
            }
            complete = true;
        }
        return true;
    }
}
