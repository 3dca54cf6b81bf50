package dev.sansraft.core;

import java.util.Arrays;
import java.util.List;

/**
 * One leadership's replication to its followers: per-follower {@link Progress}, the appends that carry entries and
 * heartbeats, the reaction to their responses (Raft §5.3 with etcd-style probe/replicate flow control and fast
 * backtracking), and the quorum arithmetic over match indexes and acknowledged read rounds. A new instance is made
 * for each term a node leads and dropped when it steps down. Not thread-safe: owned by its {@link RaftCore}.
 */
final class Replication {

    private final long id;
    private final long term;
    private final long[] peers;
    private final Progress[] progress;
    private final RaftLog log;
    private final RaftConfig config;
    private final List<Action> out;
    /** Called when a follower acknowledges a newer read round, first, so the lease is current for what follows. */
    private final Runnable roundAcknowledged;
    /** Called when a follower's match index advances, before more is sent, so new appends carry the new commit. */
    private final Runnable matchAdvanced;
    private final long[] quorumValues;
    private final long[] quorumScratch;
    /** The newest heartbeat round started; every append carries it (see {@link Message.AppendRequest#round()}). */
    private long round;

    Replication(long id, long term, long[] peers, RaftLog log, RaftConfig config, List<Action> out,
                Runnable roundAcknowledged, Runnable matchAdvanced) {
        this.id = id;
        this.term = term;
        this.peers = peers;
        this.log = log;
        this.config = config;
        this.out = out;
        this.roundAcknowledged = roundAcknowledged;
        this.matchAdvanced = matchAdvanced;
        this.progress = new Progress[peers.length];
        for (int i = 0; i < peers.length; i++) {
            progress[i] = new Progress(peers[i], log.lastIndex() + 1, config.maxInflightAppends());
            // A new leader gives every follower one CheckQuorum interval to answer.
            progress[i].recentActive = true;
        }
        this.quorumValues = new long[peers.length + 1];
        this.quorumScratch = new long[peers.length + 1];
    }

    long round() {
        return round;
    }

    /** Starts a new heartbeat round; the appends sent after this carry it. */
    long startRound() {
        return ++round;
    }

    /** The progress of {@code peer}, or null if it is not a follower of this leader. */
    Progress progressOf(long peer) {
        int slot = Arrays.binarySearch(peers, peer);
        return slot < 0 ? null : progress[slot];
    }

    /** Handles a follower's answer. */
    void onAppendResponse(Message.AppendResponse r) {
        Progress pr = progressOf(r.from());
        if (pr == null || r.matchIndex() > log.lastIndex() || r.rejectedIndex() > log.lastIndex()) {
            return; // no correct follower of this leader acknowledges past its log: bad input, ignored
        }
        pr.recentActive = true;
        if (r.round() > pr.ackedRound) {
            pr.ackedRound = r.round();
            roundAcknowledged.run();
        }
        if (r.success()) {
            boolean advanced = pr.acknowledge(r.matchIndex());
            if (pr.state == PeerProgress.State.PROBE && (advanced || r.matchIndex() + 1 >= pr.nextIndex)) {
                pr.becomeReplicate();
            }
            // A probe answered with less than its prev (an early acknowledgement) leaves the probe outstanding.
            if (advanced) {
                matchAdvanced.run();
            }
            sendAppends(pr, false);
        } else if (r.rejectedIndex() > pr.matchIndex
                && (pr.state == PeerProgress.State.REPLICATE || r.rejectedIndex() == pr.nextIndex - 1)) {
            // Raft §5.3, with the follower's hint: skip every index whose term rules out a match.
            long hint = r.conflictTerm() > 0 ? log.findConflictByTerm(r.conflictIndex(), r.conflictTerm())
                    : r.conflictIndex();
            pr.becomeProbe(Math.min(r.rejectedIndex(), hint + 1));
            sendAppends(pr, false);
        }
        pr.checkInvariant();
    }

    /**
     * Sends every follower what it is missing; with {@code heartbeat}, an empty append to those that get nothing
     * else, and in any case to those that have not been told the current commit index (followers learn a new commit
     * at once rather than a heartbeat later, as in etcd).
     */
    void broadcast(boolean heartbeat) {
        for (Progress pr : progress) {
            sendAppends(pr, heartbeat || pr.sentCommit < log.commitIndex());
        }
    }

    /**
     * Sends what {@code pr} is missing: in Probe one append, in Replicate as many as the in-flight window allows.
     * With {@code orHeartbeat}, sends an empty append when there is nothing else. Its prev = nextIndex - 1 makes
     * it a retry too: a follower that lost an append or a probe rejects it and is probed again, and one that lost
     * acknowledgements acknowledges again.
     */
    private void sendAppends(Progress pr, boolean orHeartbeat) {
        boolean sent = false;
        long last = log.lastIndex();
        while (!pr.isPaused() && pr.nextIndex <= last) {
            List<LogEntry> entries = log.entries(pr.nextIndex, last + 1, config.maxEntriesPerAppend(),
                    config.maxBytesPerAppend());
            sendAppend(pr, entries);
            sent = true;
            if (pr.state == PeerProgress.State.PROBE) {
                break;
            }
        }
        if (!sent && orHeartbeat) {
            sendAppend(pr, List.of());
        }
    }

    private void sendAppend(Progress pr, List<LogEntry> entries) {
        long prev = pr.nextIndex - 1;
        out.add(new Action.Send(new Message.AppendRequest(id, pr.id, term, prev, log.term(prev), entries,
                log.commitIndex(), round)));
        pr.sent(prev + entries.size(), entries.size(), log.commitIndex());
    }

    /**
     * The highest index durable on a majority, the leader counting itself only up to its own persisted index
     * (the action contract lets its write still be in flight when followers already have the entries).
     */
    long quorumMatchIndex() {
        quorumValues[0] = log.persistedIndex();
        for (int i = 0; i < progress.length; i++) {
            quorumValues[i + 1] = progress[i].matchIndex;
        }
        return QuorumMath.quorumValue(quorumValues, quorumScratch);
    }

    /** The newest round a majority (the leader included) has acknowledged. */
    long quorumAckedRound() {
        quorumValues[0] = round;
        for (int i = 0; i < progress.length; i++) {
            quorumValues[i + 1] = progress[i].ackedRound;
        }
        return QuorumMath.quorumValue(quorumValues, quorumScratch);
    }

    /**
     * Thesis §6.2 CheckQuorum: whether a majority (the leader included) was heard from since the last check, which
     * starts the next interval.
     */
    boolean checkQuorumActive() {
        int active = 1;
        for (Progress pr : progress) {
            if (pr.recentActive) {
                active++;
            }
        }
        for (Progress pr : progress) {
            pr.recentActive = false;
        }
        return active >= QuorumMath.majority(peers.length + 1);
    }

    void markActive(long peer) {
        Progress pr = progressOf(peer);
        if (pr != null) {
            pr.recentActive = true;
        }
    }

    PeerProgress[] snapshot() {
        PeerProgress[] snapshots = new PeerProgress[progress.length];
        for (int i = 0; i < progress.length; i++) {
            snapshots[i] = progress[i].snapshot();
        }
        return snapshots;
    }
}
