package dev.sansraft.core;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

/**
 * One leadership's replication to its followers: per-follower {@link Progress}, the appends that carry entries and
 * heartbeats, the reaction to their responses (Raft §5.3 with etcd-style probe/replicate flow control and fast
 * backtracking), snapshot streaming to followers that need compacted entries (Raft §7, chunked, paced by a window,
 * resumed from the follower's confirmed offset, abandoned after bounded retries), and the quorum arithmetic over
 * match indexes and acknowledged read rounds, over a configuration that may change while it leads (thesis ch. 4):
 * followers include learners, which get the log and snapshots but never count toward a quorum. A new instance is made
 * for each term a node leads and dropped when it steps down. Not thread-safe: owned by its {@link RaftCore}.
 */
final class Replication {

    private final long id;
    private final long term;
    private long[] peers;
    private Progress[] progress;
    /** The voters of the configuration in effect; this leader counts only where it is one of them. */
    private JointQuorum quorum;
    private final RaftLog log;
    private final RaftConfig config;
    private final List<Action> out;
    /** Called when a follower acknowledges a newer read round, first, so the lease is current for what follows. */
    private final Runnable roundAcknowledged;
    /** Called when a follower's match index advances, before more is sent, so new appends carry the new commit. */
    private final Runnable matchAdvanced;
    /** The newest durable snapshot, or null: what a follower that needs compacted entries is sent. */
    private final Supplier<SnapshotInfo> snapshot;
    /** The newest heartbeat round started; every append carries it (see {@link Message.AppendRequest#round()}). */
    private long round;
    /** Whether reads wait on {@link #round}: followers then answer appends that carry it before their disk write. */
    private boolean roundAwaited;
    /** Each voter's durable match index, the leader's own being its persisted index; kept to avoid allocating. */
    private final LongUnaryOperator matchIndexOf = this::matchIndexOf;
    /** Each voter's newest acknowledged round, the leader's own being the newest started. */
    private final LongUnaryOperator ackedRoundOf = this::ackedRoundOf;

    Replication(long id, long term, long[] peers, JointQuorum quorum, RaftLog log, RaftConfig config,
                List<Action> out, Runnable roundAcknowledged, Runnable matchAdvanced, Supplier<SnapshotInfo> snapshot) {
        this.id = id;
        this.term = term;
        this.peers = peers;
        this.quorum = quorum;
        this.log = log;
        this.config = config;
        this.out = out;
        this.roundAcknowledged = roundAcknowledged;
        this.matchAdvanced = matchAdvanced;
        this.snapshot = snapshot;
        this.progress = new Progress[peers.length];
        for (int i = 0; i < peers.length; i++) {
            progress[i] = newProgress(peers[i]);
        }
    }

    private Progress newProgress(long peer) {
        Progress pr = new Progress(peer, log.lastIndex() + 1, config.maxInflightAppends());
        // A new leader, or a new member, gets one CheckQuorum interval to answer.
        pr.recentActive = true;
        return pr;
    }

    /**
     * The configuration changed: keep the progress of the followers that stay, start probing new ones at the end of
     * the log, and forget removed ones (their answers are ignored from now on).
     */
    void membershipChanged(long[] newPeers, JointQuorum newQuorum) {
        Progress[] next = new Progress[newPeers.length];
        for (int i = 0; i < newPeers.length; i++) {
            Progress kept = progressOf(newPeers[i]);
            next[i] = kept != null ? kept : newProgress(newPeers[i]);
        }
        peers = newPeers;
        progress = next;
        quorum = newQuorum;
    }

    long round() {
        return round;
    }

    /** Starts a new heartbeat round, which reads wait on if {@code awaited}; the appends sent after this carry it. */
    long startRound(boolean awaited) {
        roundAwaited = awaited;
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
        heardFrom(pr);
        if (r.round() > pr.ackedRound) {
            pr.ackedRound = r.round();
            roundAcknowledged.run();
        }
        if (pr.state == PeerProgress.State.SNAPSHOT) {
            // Only a heartbeat goes to a follower being sent a snapshot. If it matched at the compaction point, the
            // follower can be served from the log after all; a rejection is expected and changes nothing.
            if (r.success() && r.matchIndex() >= log.compactedIndex()) {
                boolean advanced = pr.acknowledge(r.matchIndex());
                pr.becomeProbe(pr.matchIndex + 1);
                if (advanced) {
                    matchAdvanced.run();
                }
                sendAppends(pr, false);
            }
        } else if (r.success()) {
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

    /** Handles a follower's answer to a snapshot chunk. */
    void onSnapshotResponse(Message.InstallSnapshotResponse r) {
        Progress pr = progressOf(r.from());
        if (pr == null) {
            return;
        }
        heardFrom(pr);
        if (r.installed()) {
            if (r.snapshotIndex() > log.lastIndex()) {
                return; // a follower cannot have installed a snapshot past this leader's log: bad input, ignored
            }
            boolean advanced = pr.acknowledge(r.snapshotIndex());
            if (pr.state == PeerProgress.State.SNAPSHOT) {
                pr.becomeProbe(pr.matchIndex + 1);
            }
            if (advanced) {
                matchAdvanced.run();
            }
            sendAppends(pr, false);
        } else if (pr.state == PeerProgress.State.SNAPSHOT && pr.transfer.snapshot.index() == r.snapshotIndex()) {
            if (r.accepted()) {
                pr.transfer.confirmed(r.nextOffset());
                sendChunks(pr);
            } else if (pr.transfer.rewind(r.nextOffset())) {
                sendChunks(pr);
            }
        }
        pr.checkInvariant();
    }

    /**
     * Counts one tick against every snapshot transfer: a follower silent for {@code snapshotChunkTimeoutTicks} gets
     * the unconfirmed chunks again; after {@code snapshotMaxRetries} such timeouts in a row the transfer is
     * abandoned until the follower is heard from.
     */
    void tick() {
        for (Progress pr : progress) {
            SnapshotTransfer t = pr.transfer;
            if (t == null || ++t.idleTicks < config.snapshotChunkTimeoutTicks()) {
                continue;
            }
            t.idleTicks = 0;
            SnapshotInfo newest = snapshot.get();
            if (++t.retries > config.snapshotMaxRetries()) {
                pr.abandonSnapshot();
            } else if (newest != null && newest.index() > t.snapshot.index()) {
                // The silence may be the runtime dropping chunks of a snapshot it has since deleted: start over with
                // the newest, which also brings the follower further. A transfer that is answered is never restarted.
                int retries = t.retries;
                pr.becomeSnapshot(newest);
                pr.transfer.retries = retries;
                sendChunks(pr);
            } else {
                t.restartFromAcked();
                sendChunks(pr);
            }
        }
    }

    private void heardFrom(Progress pr) {
        pr.recentActive = true;
        if (pr.snapshotAbandoned) {
            // The follower is back: let the next send start a new transfer.
            pr.snapshotAbandoned = false;
            pr.probeSent = false;
        }
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
     * acknowledgements acknowledges again when it is a heartbeat of a new round (an empty append of a round already
     * answered is answered only with news, see {@link Message.AppendRequest}).
     */
    private void sendAppends(Progress pr, boolean orHeartbeat) {
        if (pr.state == PeerProgress.State.SNAPSHOT || pr.nextIndex - 1 < log.compactedIndex()) {
            // Raft §7: the entries this follower needs are gone; it gets the snapshot instead. Heartbeats still go,
            // at the compaction point, to keep its election timer quiet and to count its read rounds.
            // An outstanding probe does not hold this back: its answer, a rejection at an index below the
            // compaction point, would never be acted on.
            if (pr.state != PeerProgress.State.SNAPSHOT && !pr.snapshotAbandoned) {
                SnapshotInfo s = snapshot.get();
                if (s == null || s.index() < log.compactedIndex()) {
                    throw new IllegalStateException("follower " + pr.id + " needs entries from " + pr.nextIndex
                            + " but the log is compacted to " + log.compactedIndex() + " and the newest snapshot is "
                            + s);
                }
                pr.becomeSnapshot(s);
            }
            if (pr.state == PeerProgress.State.SNAPSHOT) {
                sendChunks(pr);
            }
            if (orHeartbeat) {
                sendHeartbeatAt(pr, log.compactedIndex());
            }
            return;
        }
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

    /** Sends the chunks the transfer's window allows. */
    private void sendChunks(Progress pr) {
        SnapshotTransfer t = pr.transfer;
        long window = (long) config.snapshotChunksInFlight() * config.snapshotChunkBytes();
        int length;
        while ((length = t.nextChunk(config.snapshotChunkBytes(), window)) >= 0) {
            out.add(new Action.SendSnapshotChunk(pr.id, term, t.snapshot, t.sent, length));
            t.chunkSent(length);
        }
    }

    private void sendHeartbeatAt(Progress pr, long prev) {
        out.add(new Action.Send(new Message.AppendRequest(id, pr.id, term, prev, log.term(prev), List.of(),
                log.commitIndex(), round, roundAwaited)));
        pr.sentCommit = log.commitIndex();
    }

    private void sendAppend(Progress pr, List<LogEntry> entries) {
        long prev = pr.nextIndex - 1;
        out.add(new Action.Send(new Message.AppendRequest(id, pr.id, term, prev, log.term(prev), entries,
                log.commitIndex(), round, roundAwaited)));
        pr.sent(prev + entries.size(), entries.size(), log.commitIndex());
    }

    /**
     * The highest index durable on a majority, the leader counting itself only up to its own persisted index
     * (the action contract lets its write still be in flight when followers already have the entries).
     */
    private long matchIndexOf(long voter) {
        if (voter == id) {
            return log.persistedIndex();
        }
        Progress pr = progressOf(voter);
        return pr == null ? 0 : pr.matchIndex;
    }

    private long ackedRoundOf(long voter) {
        if (voter == id) {
            return round;
        }
        Progress pr = progressOf(voter);
        return pr == null ? 0 : pr.ackedRound;
    }

    long quorumMatchIndex() {
        return quorum.quorumValue(matchIndexOf);
    }

    /** The newest round a majority (of each half, the leader included if it votes) has acknowledged. */
    long quorumAckedRound() {
        return quorum.quorumValue(ackedRoundOf);
    }

    /**
     * Thesis §6.2 CheckQuorum: whether a majority (the leader included) was heard from since the last check, which
     * starts the next interval.
     */
    boolean checkQuorumActive() {
        boolean active = quorum.hasQuorum(voter -> {
            if (voter == id) {
                return true;
            }
            Progress pr = progressOf(voter);
            return pr != null && pr.recentActive;
        });
        for (Progress pr : progress) {
            pr.recentActive = false;
        }
        return active;
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
