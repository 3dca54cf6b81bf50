package dev.sansraft.core;

/**
 * A leader's state for streaming one snapshot to one follower: which snapshot, how far the follower has confirmed,
 * how far chunks have been sent, and how long the follower has been silent. Resuming after a lost chunk restarts at
 * the confirmed offset, never at 0. Not thread-safe: owned by the follower's {@link Progress}.
 *
 * <p>Invariant: {@code acked <= snapshot.sizeBytes()} and {@code sent <= snapshot.sizeBytes()}.
 */
final class SnapshotTransfer {

    final SnapshotInfo snapshot;
    /** Bytes the follower confirmed holding, in order. */
    long acked;
    /** The offset the next chunk starts at. */
    long sent;
    /** Whether a chunk went out since the last (re)start; an empty snapshot or a final probe is one empty chunk. */
    boolean sentAny;
    /** Ticks since the follower last answered for this snapshot. */
    int idleTicks;
    /** Timeouts in a row without an answer. */
    int retries;

    SnapshotTransfer(SnapshotInfo snapshot) {
        this.snapshot = snapshot;
    }

    /** The follower confirmed {@code offset} bytes: later answers never lower what an earlier one confirmed. */
    void confirmed(long offset) {
        acked = Math.max(acked, Math.min(offset, snapshot.sizeBytes()));
        heard();
    }

    /** The follower holds exactly {@code offset} bytes and did not take the last chunk: go back to there. */
    void rewind(long offset) {
        acked = Math.min(offset, snapshot.sizeBytes());
        restartFromAcked();
        heard();
    }

    /** Sends again from the confirmed offset (a timeout, or a rewind). */
    void restartFromAcked() {
        sent = acked;
        sentAny = false;
    }

    private void heard() {
        idleTicks = 0;
        retries = 0;
    }

    /**
     * The next chunk to send within a window of {@code windowBytes} unconfirmed bytes, as its length, or -1 when
     * nothing is due. After everything is sent, a restart yields one empty chunk at the end: the follower answers it
     * with where it stands, which is how a silent follower is asked again.
     */
    int nextChunk(int chunkBytes, long windowBytes) {
        long size = snapshot.sizeBytes();
        if (sentAny && (sent >= size || sent - acked >= windowBytes)) {
            return -1;
        }
        return (int) Math.min(chunkBytes, size - sent);
    }

    void chunkSent(int length) {
        sent += length;
        sentAny = true;
    }
}
