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
    /**
     * The offset of the last rewind, or -1: rejections naming it again come from chunks sent before the rewind and
     * are ignored, so one lost chunk costs one window of resends rather than one per chunk in flight.
     */
    long rewoundTo = -1;

    SnapshotTransfer(SnapshotInfo snapshot) {
        this.snapshot = snapshot;
    }

    /** The follower confirmed {@code offset} bytes: later answers never lower what an earlier one confirmed. */
    void confirmed(long offset) {
        acked = Math.max(acked, Math.min(offset, snapshot.sizeBytes()));
        // A follower may hold more than was sent in this transfer (it resumes one from an earlier leader).
        sent = Math.max(sent, acked);
        if (acked > rewoundTo) {
            rewoundTo = -1;
        }
        heard();
    }

    /**
     * The follower holds exactly {@code offset} bytes and did not take a chunk: go back to there, once.
     *
     * @return whether the transfer rewound (false for a repeat of a rewind already under way)
     */
    boolean rewind(long offset) {
        long to = Math.min(offset, snapshot.sizeBytes());
        heard();
        if (to == rewoundTo) {
            return false;
        }
        rewoundTo = to;
        acked = to;
        sent = to;
        sentAny = false;
        return true;
    }

    /** Sends again from the confirmed offset after a timeout. */
    void restartFromAcked() {
        sent = acked;
        sentAny = false;
        rewoundTo = -1;
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
