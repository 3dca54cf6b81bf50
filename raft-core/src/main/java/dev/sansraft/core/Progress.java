package dev.sansraft.core;

/**
 * A leader's bookkeeping for one follower (Raft Figure 2's nextIndex and matchIndex, plus the flow control of
 * etcd's raft). Not thread-safe: owned by the leader's {@link RaftCore}.
 *
 * <p>Invariant: {@code matchIndex < nextIndex}.
 */
final class Progress {

    final long id;
    long matchIndex;
    long nextIndex;
    PeerProgress.State state = PeerProgress.State.PROBE;
    /** In Probe state, an append is outstanding; cleared by any response. */
    boolean probeSent;
    /** In Probe state, the last index the outstanding probe carried. */
    long probeLastIndex;
    /** The commit index the last append to this follower carried. */
    long sentCommit;
    /** Heard from this follower since the last CheckQuorum interval. */
    boolean recentActive;
    /** The highest read round this follower acknowledged in the current term. */
    long ackedRound;
    final Inflights inflights;
    /** The snapshot being streamed; non-null exactly in Snapshot state. */
    SnapshotTransfer transfer;
    /**
     * A snapshot transfer was abandoned after its retries ran out: nothing more is sent but heartbeats until the
     * follower answers something, which shows it is back.
     */
    boolean snapshotAbandoned;

    Progress(long id, long nextIndex, int maxInflight) {
        this.id = id;
        this.nextIndex = nextIndex;
        this.inflights = new Inflights(maxInflight);
    }

    /** Whether the leader should hold further appends back. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /** A successful response acknowledged {@code index}; returns whether the match index advanced. */
    boolean acknowledge(long index) {
        boolean advanced = index > matchIndex;
        if (advanced) {
            matchIndex = index;
        }
        if (nextIndex < index + 1) {
            nextIndex = index + 1;
        }
        inflights.freeTo(index);
        return advanced;
    }

    void becomeProbe(long next) {
        state = PeerProgress.State.PROBE;
        transfer = null;
        probeSent = false;
        probeLastIndex = 0;
        inflights.clear();
        nextIndex = Math.max(matchIndex + 1, next);
    }

    /**
     * The follower accepted a probe: pipeline from here. Entries the probe carried beyond {@code matchIndex} are
     * already on their way, so they count as in flight rather than being sent again. Were the probe lost, the next
     * append would leave a gap, the follower would reject it, and the leader would probe again.
     */
    void becomeReplicate() {
        state = PeerProgress.State.REPLICATE;
        transfer = null;
        probeSent = false;
        inflights.clear();
        nextIndex = matchIndex + 1;
        if (probeLastIndex > matchIndex) {
            inflights.add(probeLastIndex);
            nextIndex = probeLastIndex + 1;
        }
        probeLastIndex = 0;
    }

    /** The follower needs entries compacted away: stream {@code snapshot} to it (Raft §7). */
    void becomeSnapshot(SnapshotInfo snapshot) {
        state = PeerProgress.State.SNAPSHOT;
        probeSent = false;
        probeLastIndex = 0;
        inflights.clear();
        snapshotAbandoned = false;
        transfer = new SnapshotTransfer(snapshot);
    }

    /** Gives up on the transfer until the follower is heard from again. */
    void abandonSnapshot() {
        becomeProbe(nextIndex);
        probeSent = true;
        snapshotAbandoned = true;
    }

    /** Records that an append carrying entries up to {@code lastIndex} went out. */
    void sent(long lastIndex, int entryCount, long commitIndex) {
        sentCommit = commitIndex;
        if (state == PeerProgress.State.SNAPSHOT) {
            return; // a heartbeat: the transfer, not appends, brings this follower up to date
        }
        if (state == PeerProgress.State.REPLICATE) {
            if (entryCount > 0) {
                nextIndex = lastIndex + 1;
                inflights.add(lastIndex);
            }
        } else if (entryCount > 0 || lastIndex > matchIndex) {
            probeSent = true;
            probeLastIndex = Math.max(probeLastIndex, lastIndex);
        }
        // An empty append at or below the match index probes nothing, and the follower answers it only if it is a
        // new round: it must not hold back the probe the next entries make (issue 17, unanswered commit notices).
    }

    PeerProgress snapshot() {
        return new PeerProgress(id, matchIndex, nextIndex, state, inflights.count());
    }

    void checkInvariant() {
        if (matchIndex >= nextIndex) {
            throw new IllegalStateException("progress of " + id + ": matchIndex " + matchIndex
                    + " >= nextIndex " + nextIndex);
        }
        if ((state == PeerProgress.State.SNAPSHOT) != (transfer != null)) {
            throw new IllegalStateException("progress of " + id + " in state " + state + " with transfer "
                    + transfer);
        }
    }
}
