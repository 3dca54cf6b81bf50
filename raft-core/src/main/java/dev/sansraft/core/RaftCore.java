package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The pure Raft state machine for one node: {@link #step(Event)} consumes an event and returns the
 * {@link Action}s the runtime must carry out, under the contract written in {@link Action}'s javadoc.
 *
 * <p>Implements leader election with PreVote (Raft thesis §9.6) and CheckQuorum (thesis §6.2), log replication with
 * per-follower flow control (probe, then pipelined replicate with a bounded in-flight window), batching, fast
 * conflict backtracking, the current-term commit rule (Raft §5.4.2), proposal tracking with exactly one outcome each,
 * ReadIndex reads (thesis §6.4) and opt-in lease reads, and snapshots (Raft §7): it asks the runtime to take them by
 * a policy, compacts the log once they are durable, streams them in chunks to followers that need compacted entries,
 * and installs received ones, keeping the log entries after a snapshot that match.
 *
 * <p>Deterministic: the same events in the same order always produce the same actions. It performs no I/O, reads no
 * clock and uses only seeded randomness. Not thread-safe: one thread drives a core.
 */
public final class RaftCore {

    /** Apply batches are cut at this many bytes so one huge commit does not become one huge action. */
    private static final long MAX_APPLY_BYTES = 8L << 20;

    private final long id;
    /** The configurations in the log and the quorum of the newest (thesis ch. 4). */
    private final MembershipLog memberships;
    private final RaftConfig config;
    private final SplittableRandom random;
    private final RaftLog log;
    private final List<Action> out = new ArrayList<>();

    private long term;
    private long votedFor;
    private Role role = Role.FOLLOWER;
    private long leaderId;
    private long tickCount;
    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    private VoteTally votes;

    private Role announcedRole;
    private long announcedTerm = -1;
    private long announcedLeader = -1;

    // Leader state; replication is non-null exactly while role == LEADER.
    private Replication replication;
    private boolean broadcastPending;
    private boolean roundPending;
    private final LeaseTracker lease = new LeaseTracker();
    private final ReadQueue reads = new ReadQueue();
    /** {@link #status()}'s cache of {@code statusVoterIdsOf.allVoterIds()}, rebuilt when the membership changes. */
    private Membership statusVoterIdsOf;
    private List<Long> statusVoterIds;
    /** The leadership transfer under way, or null (thesis §3.10). */
    private LeadershipTransfer transfer;
    /** Set once this leader starts a transfer: no lease reads for the rest of its term (see VoteRequest). */
    private boolean leaseRevoked;

    // Follower state: an acknowledgement waiting for the log to become durable.
    private long pendingAckIndex;
    private long pendingAckRound;
    private long lastAckedRound;
    /** The highest match index acknowledged to this term's leader; an answer at or below it is no news to it. */
    private long lastAckedMatch;
    private final ForwardedReads forwardedReads = new ForwardedReads();

    /** The newest durable snapshot, or null. */
    private SnapshotInfo snapshot;
    /** The index of a {@link Action.TakeSnapshot} not yet reported saved, or 0. */
    private long snapshotRequested;
    /** Entry bytes applied since the newest snapshot (for {@code snapshotBytes}). */
    private long bytesSinceSnapshot;
    /** The snapshot being received from a leader, or null. */
    private IncomingSnapshot incoming;

    private final ProposalTracker proposals = new ProposalTracker();
    private long lastCheckedCommit;

    private RaftCore(long id, Membership bootstrap, RaftConfig config, LogView logView, HardState hardState,
                     SnapshotInfo snapshot) {
        this.id = id;
        this.config = config;
        this.random = new SplittableRandom(config.randomSeed() ^ (id * 0x9E3779B97F4A7C15L));
        this.log = new RaftLog(logView, snapshot == null ? 0 : snapshot.index());
        this.snapshot = snapshot;
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        // The newest configuration wins: a snapshot's over the bootstrap one, the log's over both.
        this.memberships = snapshot == null ? new MembershipLog(id, 0, bootstrap)
                : new MembershipLog(id, snapshot.index(), snapshot.membership());
        long from = Math.max(snapshot == null ? 0 : snapshot.index(), logView.firstIndex() - 1) + 1;
        while (from <= logView.lastIndex()) {
            List<LogEntry> batch = logView.entries(from, logView.lastIndex() + 1, 4L << 20);
            for (LogEntry e : batch) {
                memberships.appended(e);
            }
            from += batch.size();
        }
        resetElectionTimer();
    }

    /**
     * Builds a core from durable state with no snapshot: the hard state last persisted and the log as stored. See
     * {@link #create(long, Collection, RaftConfig, LogView, HardState, Optional)}.
     *
     * @param id this node's id, positive, one of {@code members}
     * @param members every voting member's id, this node included
     * @param config tuning
     * @param log the durable log, read through a narrow view
     * @param hardState the last persisted term and vote
     * @return a follower core in the persisted term
     */
    public static RaftCore create(long id, Collection<Long> members, RaftConfig config, LogView log,
                                  HardState hardState) {
        return create(id, members, config, log, hardState, Optional.empty());
    }

    /**
     * Builds a core from durable state: the hard state last persisted, the log as stored, and the newest durable
     * snapshot if there is one. Every entry the view holds at this moment must be durable. The core starts as a
     * follower whose commit and applied index are the snapshot's index (or the log's first index - 1 without one):
     * the runtime restores the state machine from the snapshot and the core applies the log after it again.
     *
     * <p>The log must contain the snapshot's position: {@code firstIndex() - 1 <= snapshot.index() <= lastIndex()}
     * with the snapshot's term there. A runtime that finds a snapshot beyond its log (a crash between installing a
     * received snapshot and resetting the log) resets the log to the snapshot's position first.
     *
     * @param id        this node's id, positive, one of {@code members}
     * @param members   every voting member's id, this node included
     * @param config    tuning
     * @param log       the durable log, read through a narrow view
     * @param hardState the last persisted term and vote
     * @param snapshot  the newest durable snapshot, if any
     * @return a follower core in the persisted term
     * @throws IllegalArgumentException with the offending value when an argument is invalid or the log and snapshot
     *                                  do not fit together
     */
    public static RaftCore create(long id, Collection<Long> members, RaftConfig config, LogView log,
                                  HardState hardState, Optional<SnapshotInfo> snapshot) {
        if (id <= 0) {
            throw new IllegalArgumentException("node id must be positive, got " + id);
        }
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("members must not be empty");
        }
        if (config == null || log == null || hardState == null || snapshot == null) {
            throw new IllegalArgumentException("config, log, hardState and snapshot are required");
        }
        long[] sorted = members.stream().mapToLong(Long::longValue).sorted().distinct().toArray();
        if (sorted.length != members.size()) {
            throw new IllegalArgumentException("members contain duplicates: " + members);
        }
        if (sorted[0] <= 0) {
            throw new IllegalArgumentException("member ids must be positive: " + members);
        }
        if (Arrays.binarySearch(sorted, id) < 0) {
            throw new IllegalArgumentException("node " + id + " is not among the members " + members);
        }
        if (hardState.votedFor() != HardState.NO_VOTE && Arrays.binarySearch(sorted, hardState.votedFor()) < 0) {
            throw new IllegalArgumentException("hard state votes for " + hardState.votedFor()
                    + ", not a member of " + members);
        }
        return create(id, Membership.ofVoters(members), config, log, hardState, snapshot);
    }

    /**
     * Builds a core from durable state, like {@link #create(long, Collection, RaftConfig, LogView, HardState,
     * Optional)}, with a bootstrap configuration that may carry endpoints and learners, or be
     * {@link Membership#EMPTY} for a node that waits to be added: it never campaigns, and it accepts the log from
     * whichever leader contacts it (thesis §4.1). The configuration in effect is the newest of the bootstrap one,
     * the snapshot's and those in the log; the log is read once here to find its configuration entries.
     *
     * @param id this node's id, positive
     * @param bootstrap the configuration to start from, or {@link Membership#EMPTY} to wait to be added
     * @param config tuning
     * @param log the durable log, read through a narrow view
     * @param hardState the last persisted term and vote
     * @param snapshot the newest durable snapshot, if any
     * @return a follower core in the persisted term
     * @throws IllegalArgumentException with the offending value when an argument is invalid or the log and snapshot
     *                                  do not fit together
     */
    public static RaftCore create(long id, Membership bootstrap, RaftConfig config, LogView log,
                                  HardState hardState, Optional<SnapshotInfo> snapshot) {
        if (id <= 0) {
            throw new IllegalArgumentException("node id must be positive, got " + id);
        }
        if (bootstrap == null || config == null || log == null || hardState == null || snapshot == null) {
            throw new IllegalArgumentException("bootstrap membership, config, log, hardState and snapshot are required");
        }
        if (log.lastIndex() > 0 && log.term(log.lastIndex()) > hardState.term()) {
            throw new IllegalArgumentException("log ends at term " + log.term(log.lastIndex())
                    + ", beyond the hard state's term " + hardState.term());
        }
        if (snapshot.isPresent()) {
            SnapshotInfo s = snapshot.get();
            if (s.index() < log.firstIndex() - 1 || s.index() > log.lastIndex() || log.term(s.index()) != s.term()) {
                throw new IllegalArgumentException("the log [" + log.firstIndex() + ", " + log.lastIndex()
                        + "] does not contain the snapshot's position " + s.index() + "@" + s.term()
                        + "; reset the log to it before building the core");
            }
        } else if (log.firstIndex() > 1) {
            throw new IllegalArgumentException("the log starts at " + log.firstIndex()
                    + " but no snapshot covers the entries before it");
        }
        return new RaftCore(id, bootstrap, config, log, hardState, snapshot.orElse(null));
    }

    /**
     * Feeds one event and returns the actions to carry out, in order (see {@link Action}).
     *
     * @param event what happened: a message, a tick, a proposal or a storage completion
     * @return the actions to carry out, in order; empty when there is nothing to do
     */
    public List<Action> step(Event event) {
        handle(event);
        return finishBatch();
    }

    /**
     * Feeds several events and returns the actions for all of them. Equivalent to stepping them one by one, except
     * that appends and heartbeats are sent once for the whole batch: a runtime that drains its queue this way sends
     * one message per follower for many proposals.
     *
     * @param events the events, in arrival order
     * @return the actions to carry out, in order; empty when there is nothing to do
     */
    public List<Action> stepAll(List<? extends Event> events) {
        for (Event event : events) {
            handle(event);
        }
        return finishBatch();
    }

    /** {@return this node's id} */
    public long id() {
        return id;
    }

    /** {@return this node's current role} */
    public Role role() {
        return role;
    }

    /** {@return this node's current term} */
    public long term() {
        return term;
    }

    /** {@return the candidate this node voted for in the current term, or {@link HardState#NO_VOTE}} */
    public long votedFor() {
        return votedFor;
    }

    /** {@return the leader known for the current term, or 0} */
    public long leaderId() {
        return leaderId;
    }

    /** {@return the highest log index known to be committed} */
    public long commitIndex() {
        return log.commitIndex();
    }

    /** {@return the last index handed out in an {@link Action.Apply}} */
    public long appliedIndex() {
        return log.appliedIndex();
    }

    /** {@return the index of the last entry in this node's log, durable or not} */
    public long lastLogIndex() {
        return log.lastIndex();
    }

    /** {@return the highest index reported durable for the current log content} */
    public long persistedIndex() {
        return log.persistedIndex();
    }

    /** {@return the first index this node's log still holds; everything before it is covered by a snapshot} */
    public long firstLogIndex() {
        return log.firstIndex();
    }

    /** {@return the newest durable snapshot this node knows of, if any} */
    public Optional<SnapshotInfo> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    /**
     * The term of the entry at {@code index} in this node's log, durable or not.
     *
     * @param index a log index in {@code [firstIndex() - 1, lastLogIndex()]}
     * @return the entry's term
     */
    public long termAt(long index) {
        return log.term(index);
    }

    /** {@return a snapshot of this node's state} */
    public RaftStatus status() {
        Membership membership = memberships.current();
        if (membership != statusVoterIdsOf) {
            // The runtime asks for a status after every batch; the membership almost never changes between two.
            statusVoterIds = membership.allVoterIds();
            statusVoterIdsOf = membership;
        }
        List<PeerProgress> peerList = role == Role.LEADER ? List.of(replication.snapshot()) : List.of();
        return new RaftStatus(id, role, term, leaderId, log.commitIndex(), log.appliedIndex(), log.lastIndex(),
                statusVoterIds, peerList, snapshot == null ? 0 : snapshot.index(), membership,
                transfer == null ? 0 : transfer.target);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dispatch

    private void handle(Event event) {
        if (event instanceof Event.Tick) {
            tick();
        } else if (event instanceof Event.Receive) {
            receive(((Event.Receive) event).message());
        } else if (event instanceof Event.Propose) {
            Event.Propose p = (Event.Propose) event;
            propose(p.correlationId(), p.payload());
        } else if (event instanceof Event.Persisted) {
            Event.Persisted p = (Event.Persisted) event;
            persisted(p.index(), p.term(), p.epoch());
        } else if (event instanceof Event.ReadIndex) {
            Event.ReadIndex r = (Event.ReadIndex) event;
            read(r.readId(), 0, r.lease());
        } else if (event instanceof Event.SnapshotSaved) {
            snapshotSaved(((Event.SnapshotSaved) event).snapshot());
        } else if (event instanceof Event.ChangeMembership) {
            Event.ChangeMembership c = (Event.ChangeMembership) event;
            changeMembership(c.correlationId(), c.changes());
        } else if (event instanceof Event.TransferLeadership) {
            Event.TransferLeadership t = (Event.TransferLeadership) event;
            transferLeadership(t.requestId(), t.target());
        } else {
            throw new IllegalArgumentException("unknown event " + event);
        }
    }

    private void receive(Message m) {
        if (m.to() != id || m.from() == id) {
            return; // misrouted
        }
        if (!memberships.isMember(m.from()) && m.from() != leaderId && !(m instanceof Message.AppendRequest
                || m instanceof Message.InstallSnapshot || m instanceof Message.VoteRequest)) {
            // From a node outside the configuration: ignored, so a removed node's answers cannot disturb anyone.
            // Requests are the exception (thesis §4.1): a node not yet told it was added, or a voter behind on
            // the configuration, still takes the log from a leader and answers a candidate it does not know.
            return;
        }
        if (m.term() > term) {
            if (m instanceof Message.VoteRequest) {
                Message.VoteRequest vr = (Message.VoteRequest) m;
                // Thesis §4.2.3 and §9.6: a node that heard from a live leader within the minimum election
                // timeout ignores (pre)votes, so a partitioned node rejoining cannot depose a healthy leader.
                // A node that just started may have heard from one before its restart: it waits out one election
                // timeout too, which is what keeps a leader's lease (LeaseTracker) valid across follower restarts.
                boolean heardFromLeader = (leaderId != 0 && electionElapsed < config.electionTimeoutTicks())
                        || tickCount < config.electionTimeoutTicks();
                // A candidate the leader itself handed over to (TimeoutNow) is not a disruption; see VoteRequest.
                if (heardFromLeader && !vr.leadershipTransfer() && (config.checkQuorum() || vr.preVote())) {
                    return;
                }
                if (!vr.preVote()) {
                    becomeFollower(m.term(), 0);
                }
            } else if (m instanceof Message.VoteResponse && ((Message.VoteResponse) m).preVote()
                    && ((Message.VoteResponse) m).voteGranted()) {
                // A granted pre-vote carries the term the candidate would campaign in; nobody has moved to it.
            } else if (m instanceof Message.AppendRequest || m instanceof Message.InstallSnapshot
                    || m instanceof Message.TimeoutNow) {
                becomeFollower(m.term(), m.from());
            } else {
                becomeFollower(m.term(), 0);
            }
        } else if (m.term() < term) {
            answerStale(m);
            return;
        }
        if (m instanceof Message.VoteRequest) {
            handleVoteRequest((Message.VoteRequest) m);
        } else if (role == Role.LEADER) {
            stepLeader(m);
        } else if (role == Role.FOLLOWER) {
            stepFollower(m);
        } else {
            stepCandidate(m);
        }
    }

    /** Answers a message from an older term where the sender can learn from the answer; ignores the rest. */
    private void answerStale(Message m) {
        if (m instanceof Message.AppendRequest && (config.checkQuorum() || config.preVote())) {
            // With PreVote or CheckQuorum a stale leader may never see our higher term in a vote; tell it here
            // so it steps down (etcd's raft does the same).
            send(new Message.AppendResponse(id, m.from(), term, false, 0, 0, 0, 0, 0));
        } else if (m instanceof Message.InstallSnapshot && (config.checkQuorum() || config.preVote())) {
            send(new Message.InstallSnapshotResponse(id, m.from(), term,
                    ((Message.InstallSnapshot) m).snapshot().index(), 0, false, false));
        } else if (m instanceof Message.VoteRequest && ((Message.VoteRequest) m).preVote()) {
            send(new Message.VoteResponse(id, m.from(), term, false, true));
        } else if (m instanceof Message.ReadIndexRequest) {
            send(new Message.ReadIndexResponse(id, m.from(), term, ((Message.ReadIndexRequest) m).readId(), 0,
                    false));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Elections

    private void tick() {
        tickCount++;
        expireForwardedReads();
        if (role == Role.LEADER) {
            tickLeader();
            return;
        }
        electionElapsed++;
        tickTransfer();
        if (!memberships.quorum().isVoter(id) && !memberships.isRemovalPending()) {
            // Learners, removed nodes and nodes waiting to be added never campaign (thesis §4.2.2). A node whose
            // removal is not committed yet still does (its own vote does not count): it may hold the only copy of
            // C_new that the new voters would elect, and without it no one could win.
            return;
        }
        if (memberships.isSoleVoter()) {
            // A single-node cluster is its own quorum: it elects itself on its first tick.
            campaign(false);
        } else if (electionElapsed >= randomizedElectionTimeout) {
            if (config.preVote()) {
                preCampaign();
            } else {
                campaign(false);
            }
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        replication.tick();
        tickTransfer();
        if (electionElapsed >= config.electionTimeoutTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum() && !replication.checkQuorumActive()) {
                // Thesis §6.2: a leader cut off from a quorum steps down, so clients look elsewhere.
                becomeFollower(term, 0);
                return;
            }
        }
        if (heartbeatElapsed >= config.heartbeatIntervalTicks()) {
            // Every heartbeat starts a round, which also renews the lease.
            heartbeatElapsed = 0;
            roundPending = true;
        }
    }

    private void preCampaign() {
        setRole(Role.PRE_CANDIDATE, 0);
        votes = new VoteTally(memberships.quorum());
        votes.record(id, true);
        resetElectionTimer();
        for (long voter : memberships.quorum().voters()) {
            if (voter != id) {
                send(new Message.VoteRequest(id, voter, term + 1, log.lastIndex(), log.lastTerm(), true));
            }
        }
        if (votes.result() == VoteTally.Result.WON) {
            campaign(false);
        }
    }

    /** Starts an election; {@code transferred} when the leader handed over with TimeoutNow (thesis §3.10). */
    private void campaign(boolean transferred) {
        setTerm(term + 1);
        votedFor = id;
        persistHardState();
        setRole(Role.CANDIDATE, 0);
        votes = new VoteTally(memberships.quorum());
        votes.record(id, true);
        resetElectionTimer();
        for (long voter : memberships.quorum().voters()) {
            if (voter != id) {
                send(new Message.VoteRequest(id, voter, term, log.lastIndex(), log.lastTerm(), false, transferred));
            }
        }
        if (votes.result() == VoteTally.Result.WON) {
            becomeLeader();
        }
    }

    private void handleVoteRequest(Message.VoteRequest vr) {
        // Raft §5.2: one vote per term; a pre-vote for a later term commits to nothing.
        boolean canVote = votedFor == vr.from()
                || (votedFor == HardState.NO_VOTE && leaderId == 0)
                || (vr.preVote() && vr.term() > term);
        // Raft §5.4.1: only for a candidate whose log is at least as up-to-date.
        if (canVote && log.isUpToDate(vr.lastLogIndex(), vr.lastLogTerm())) {
            if (!vr.preVote()) {
                electionElapsed = 0;
                votedFor = vr.from();
                persistHardState();
            }
            send(new Message.VoteResponse(id, vr.from(), vr.term(), true, vr.preVote()));
        } else {
            send(new Message.VoteResponse(id, vr.from(), term, false, vr.preVote()));
        }
    }

    private void stepCandidate(Message m) {
        if (m instanceof Message.AppendRequest) {
            // Raft §5.2: a candidate that hears from a leader of its term (or later) returns to follower.
            becomeFollower(m.term(), m.from());
            handleAppendRequest((Message.AppendRequest) m);
        } else if (m instanceof Message.InstallSnapshot) {
            becomeFollower(m.term(), m.from());
            handleInstallSnapshot((Message.InstallSnapshot) m);
        } else if (m instanceof Message.VoteResponse) {
            Message.VoteResponse vr = (Message.VoteResponse) m;
            if (vr.preVote() != (role == Role.PRE_CANDIDATE)) {
                return;
            }
            votes.record(vr.from(), vr.voteGranted());
            VoteTally.Result result = votes.result();
            if (result == VoteTally.Result.WON) {
                if (role == Role.PRE_CANDIDATE) {
                    campaign(false);
                } else {
                    becomeLeader();
                }
            } else if (result == VoteTally.Result.LOST) {
                becomeFollower(term, 0);
            }
        } else if (m instanceof Message.ReadIndexRequest) {
            send(new Message.ReadIndexResponse(id, m.from(), term, ((Message.ReadIndexRequest) m).readId(), 0,
                    false));
        }
    }

    private void becomeFollower(long newTerm, long leader) {
        if (newTerm != term) {
            setTerm(newTerm);
            persistHardState();
        }
        if (role == Role.LEADER) {
            rejectLeaderReads(leader);
        }
        replication = null;
        broadcastPending = false;
        roundPending = false;
        setRole(Role.FOLLOWER, leader);
        resetElectionTimer();
    }

    private void becomeLeader() {
        setRole(Role.LEADER, id);
        heartbeatElapsed = 0;
        electionElapsed = 0;
        replication = new Replication(id, term, memberships.peers(), memberships.quorum(), log, config, out,
                this::releaseReads, this::maybeCommit, () -> snapshot);
        lease.reset();
        leaseRevoked = false;
        // Raft §8: a NOOP in the new term lets the leader commit, and so learn, everything before it.
        log.appendLocal(LogEntry.noop(log.lastIndex() + 1, term));
        broadcastPending = true;
        roundPending = true;
        maybeCommit();
    }

    /** Moves to a later term: no vote cast in it yet, and nothing owed to the previous term's leader. */
    private void setTerm(long newTerm) {
        if (newTerm <= term) {
            throw new IllegalStateException("term would not advance from " + term + " to " + newTerm + " (node "
                    + id + ")");
        }
        term = newTerm;
        votedFor = HardState.NO_VOTE;
        pendingAckIndex = 0;
        pendingAckRound = 0;
        lastAckedRound = 0;
        lastAckedMatch = 0;
    }

    private void setRole(Role newRole, long leader) {
        if (newRole != Role.FOLLOWER || leader != leaderId) {
            rejectForwardedReads(leader);
        }
        role = newRole;
        leaderId = leader;
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        int base = config.electionTimeoutTicks();
        randomizedElectionTimeout = base + random.nextInt(base);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Followers

    private void stepFollower(Message m) {
        if (m instanceof Message.AppendRequest) {
            if (leaderId != m.from()) {
                setRole(Role.FOLLOWER, m.from());
            }
            electionElapsed = 0;
            handleAppendRequest((Message.AppendRequest) m);
        } else if (m instanceof Message.InstallSnapshot) {
            if (leaderId != m.from()) {
                setRole(Role.FOLLOWER, m.from());
            }
            electionElapsed = 0;
            handleInstallSnapshot((Message.InstallSnapshot) m);
        } else if (m instanceof Message.ReadIndexResponse) {
            Message.ReadIndexResponse r = (Message.ReadIndexResponse) m;
            if (forwardedReads.remove(r.readId())) {
                out.add(r.success() ? new Action.ReadReady(r.readId(), r.readIndex())
                        : new Action.ReadRejected(r.readId(), leaderId));
            }
        } else if (m instanceof Message.ReadIndexRequest) {
            send(new Message.ReadIndexResponse(id, m.from(), term, ((Message.ReadIndexRequest) m).readId(), 0,
                    false));
        } else if (m instanceof Message.TimeoutNow && m.from() == leaderId && memberships.quorum().isVoter(id)) {
            // Thesis §3.10: the leader brought this node up to date and hands over; campaign now, without PreVote.
            campaign(true);
        }
    }

    private void handleAppendRequest(Message.AppendRequest ar) {
        if (ar.prevLogIndex() < log.compactedIndex()) {
            // The entries up to the compaction point are committed, so they match every leader's (Leader
            // Completeness, Raft §5.4): skip them and check the rest from there.
            ar = skipCompacted(ar);
        }
        if (!log.matchTerm(ar.prevLogIndex(), ar.prevLogTerm())) {
            // Raft §5.3: reject, with a hint that skips every entry that cannot match.
            long hintIndex = log.findConflictByTerm(Math.min(ar.prevLogIndex(), log.lastIndex()), ar.prevLogTerm());
            long hintTerm = hintIndex == 0 ? 0 : log.term(hintIndex);
            send(new Message.AppendResponse(id, ar.from(), term, false, 0, ar.prevLogIndex(), hintIndex, hintTerm,
                    ar.round()));
            return;
        }
        // A truncated proposal is not dropped yet: the entry committed at its index decides (ProposalTracker).
        long removedFrom = log.appendFromLeader(ar.entries(), term);
        // Thesis §4.1: a configuration takes effect when appended, and is rolled back when truncated.
        boolean changed = removedFrom > 0 && memberships.truncatedFrom(removedFrom);
        for (LogEntry e : ar.entries()) {
            changed |= memberships.appended(e);
        }
        if (changed) {
            membershipChanged();
        }
        long lastNew = ar.lastIndex();
        // Raft Figure 2, AppendEntries rule 5.
        log.commitTo(Math.min(ar.leaderCommit(), lastNew));
        long durable = Math.min(lastNew, log.persistedIndex());
        if (durable < lastNew) {
            pendingAckIndex = Math.max(pendingAckIndex, lastNew);
            pendingAckRound = Math.max(pendingAckRound, ar.round());
        }
        // Answer now if everything claimed is durable, if reads wait on this round (thesis §6.4: the leader needs
        // the round, not the entries), or to a heartbeat of a new round, whose only answer this is; otherwise the
        // Persisted event answers, so each append is answered once and one response covers a whole group commit.
        // An empty append up to an index already acknowledged is the leader's notice of a new commit index (or a
        // repeat): an answer would tell the leader nothing new, so only a new round's heartbeat gets one. Were the
        // earlier acknowledgement lost, that heartbeat's answer carries the match index again.
        boolean news = !ar.entries().isEmpty() || lastNew > lastAckedMatch;
        if (news && durable == lastNew
                || ar.round() > lastAckedRound && (ar.roundAwaited() || ar.entries().isEmpty())) {
            acknowledge(ar.from(), durable, Math.max(ar.round(), pendingAckRound));
        }
    }

    private Message.AppendRequest skipCompacted(Message.AppendRequest ar) {
        long from = log.compactedIndex();
        List<LogEntry> rest = ar.entries();
        int skip = (int) Math.min(rest.size(), from - ar.prevLogIndex());
        // Everything carried may lie below the compaction point; the log still matches up to it.
        long prev = Math.max(ar.prevLogIndex() + skip, from);
        return new Message.AppendRequest(ar.from(), ar.to(), ar.term(), prev, log.term(prev),
                rest.subList(skip, rest.size()), ar.leaderCommit(), ar.round(), ar.roundAwaited());
    }

    private void acknowledge(long leader, long matchIndex, long ackRound) {
        lastAckedRound = Math.max(lastAckedRound, ackRound);
        lastAckedMatch = Math.max(lastAckedMatch, matchIndex);
        send(new Message.AppendResponse(id, leader, term, true, matchIndex, 0, 0, 0, ackRound));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leaders

    private void stepLeader(Message m) {
        if (m instanceof Message.AppendResponse) {
            replication.onAppendResponse((Message.AppendResponse) m);
            if (transfer != null && m.from() == transfer.target) {
                maybeSendTimeoutNow();
            }
        } else if (m instanceof Message.InstallSnapshotResponse) {
            replication.onSnapshotResponse((Message.InstallSnapshotResponse) m);
        } else if (m instanceof Message.ReadIndexRequest) {
            replication.markActive(m.from());
            read(((Message.ReadIndexRequest) m).readId(), m.from(), false);
        }
        // An AppendRequest of this leader's own term cannot come from a correct peer (Election Safety); the
        // simulator's invariants catch that, and a node ignores such a message rather than stop on it.
    }

    private void maybeCommit() {
        long candidate = replication.quorumMatchIndex();
        // Raft §5.4.2: only an entry of the current term commits by counting replicas.
        if (candidate > log.commitIndex() && log.term(candidate) == term) {
            boolean firstInTerm = log.term(log.commitIndex()) != term;
            log.commitTo(candidate);
            broadcastPending = true;
            if (firstInTerm && reads.hasAwaitingCommit()) {
                for (ReadQueue.PendingRead r : reads.takeAwaitingCommit()) {
                    read(r.readId(), r.from(), r.lease());
                }
            }
        }
    }

    private void propose(long correlationId, byte[] payload) {
        if (rejectProposal(correlationId)) {
            return;
        }
        LogEntry entry = LogEntry.normal(log.lastIndex() + 1, term, payload);
        if (proposals.bytes() > 0 && proposals.bytes() + entry.sizeBytes() > config.maxUncommittedBytes()) {
            out.add(new Action.ProposalRejected(correlationId, Action.RejectReason.OVERLOADED, id));
            return;
        }
        log.appendLocal(entry);
        proposals.accepted(correlationId, entry);
        out.add(new Action.ProposalAccepted(correlationId, entry.index(), term));
        broadcastPending = true;
        if (memberships.isSoleVoter()) {
            maybeCommit();
        }
    }

    /** Rejects a proposal this node cannot take now; returns whether it did. */
    private boolean rejectProposal(long correlationId) {
        if (role != Role.LEADER) {
            out.add(new Action.ProposalRejected(correlationId, Action.RejectReason.NOT_LEADER, leaderId));
            return true;
        }
        if (transfer != null && transfer.blocks(term)) {
            // Thesis §3.10: the log must stop growing so that the target can catch up with it.
            out.add(new Action.ProposalRejected(correlationId, Action.RejectReason.LEADERSHIP_TRANSFER,
                    transfer.target));
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Membership changes (thesis ch. 4) and leadership transfer (thesis §3.10)

    private void changeMembership(long correlationId, List<MembershipChange> changes) {
        if (rejectProposal(correlationId)) {
            return;
        }
        Membership current = memberships.current();
        // One change at a time, and only once this leader committed an entry of its term: a leader that has not
        // may not know of a change a previous leader appended, and two uncommitted single-step changes could have
        // disjoint majorities (the single-server change bug, Ongaro's raft-dev post of 2015).
        if (current.isJoint() || memberships.hasUncommitted(log.commitIndex())
                || log.term(log.commitIndex()) != term) {
            out.add(new Action.ProposalRejected(correlationId, Action.RejectReason.MEMBERSHIP_CHANGE_IN_PROGRESS,
                    id, "a membership change is still in progress (configuration at " + memberships.currentIndex()
                    + ", commit index " + log.commitIndex() + ")"));
            return;
        }
        Membership target;
        try {
            target = current.apply(changes);
        } catch (IllegalArgumentException e) {
            out.add(new Action.ProposalRejected(correlationId, Action.RejectReason.INVALID_MEMBERSHIP_CHANGE, id,
                    e.getMessage()));
            return;
        }
        LogEntry entry = appendConfiguration(current.transitionTo(target));
        proposals.accepted(correlationId, entry);
        out.add(new Action.ProposalAccepted(correlationId, entry.index(), term));
    }

    /** Appends a configuration entry as leader; like any configuration, it takes effect at once. */
    private LogEntry appendConfiguration(Membership next) {
        LogEntry entry = LogEntry.config(log.lastIndex() + 1, term, next);
        log.appendLocal(entry);
        memberships.appended(entry);
        membershipChanged();
        broadcastPending = true;
        if (memberships.isSoleVoter()) {
            maybeCommit();
        }
        return entry;
    }

    /** The configuration in effect changed: the leader replicates to the new members and counts the new quorum. */
    private void membershipChanged() {
        if (replication != null) {
            replication.membershipChanged(memberships.peers(), memberships.quorum());
        }
    }

    /**
     * The configuration that removes some peers is committed, and the leader stops replicating to them: it tells
     * each, once, that the entry which removed it is committed (a heartbeat whose previous entry is that one), so a
     * removed node that holds the entry learns its removal is final and stops campaigning (see {@link #tick}). One
     * that does not hold it refuses the heartbeat and stays harmless (PreVote, CheckQuorum).
     */
    private void tellRemovedPeers(long[] peersBefore) {
        long prev = memberships.committedIndex();
        if (prev < log.firstIndex() - 1 || prev > log.lastIndex()) {
            return;
        }
        for (long peer : peersBefore) {
            if (!memberships.isMember(peer)) {
                send(new Message.AppendRequest(id, peer, term, prev, log.term(prev), List.of(), log.commitIndex(),
                        replication.round()));
            }
        }
    }

    /** Thesis §4.3: once C_old,new is committed, the leader appends C_new by itself. */
    private void leaveJointState() {
        Membership current = memberships.current();
        if (current.isJoint() && memberships.currentIndex() <= log.commitIndex()) {
            appendConfiguration(current.leaveJoint());
        }
    }

    /**
     * Thesis §4.2.2: a leader removed from the configuration keeps leading, without counting itself in majorities,
     * until the configuration without it is committed; then it steps down. It is called after the broadcast, so the
     * followers hear of that commit first.
     */
    private void stepDownIfRemoved() {
        if (!memberships.quorum().isVoter(id) && memberships.currentIndex() <= log.commitIndex()) {
            becomeFollower(term, 0);
        }
    }

    private void transferLeadership(long requestId, long target) {
        if (role != Role.LEADER) {
            out.add(new Action.TransferOutcome(requestId, target, Action.TransferResult.NOT_LEADER, leaderId));
        } else if (transfer != null) {
            out.add(new Action.TransferOutcome(requestId, target, Action.TransferResult.IN_PROGRESS, id));
        } else if (target == id) {
            out.add(new Action.TransferOutcome(requestId, target, Action.TransferResult.COMPLETED, id));
        } else if (!memberships.current().voterIds().contains(target)) {
            // Only a voter of the configuration being moved to can be elected and stay leader.
            out.add(new Action.TransferOutcome(requestId, target, Action.TransferResult.INVALID_TARGET, id));
        } else {
            transfer = new LeadershipTransfer(requestId, target, term);
            // Voters will grant the target's vote despite this leader's recent heartbeats: no more lease reads.
            leaseRevoked = true;
            lease.reset();
            broadcastPending = true;
            maybeSendTimeoutNow();
        }
    }

    /** Sends TimeoutNow once the transfer's target holds this leader's whole log (thesis §3.10). */
    private void maybeSendTimeoutNow() {
        if (role != Role.LEADER || transfer.timeoutNowSent || !transfer.blocks(term)) {
            return;
        }
        Progress pr = replication.progressOf(transfer.target);
        if (pr != null && pr.matchIndex == log.lastIndex()) {
            transfer.timeoutNowSent = true;
            send(new Message.TimeoutNow(id, transfer.target, term));
        }
    }

    /** Counts a tick against the transfer under way: it is abandoned after an election timeout. */
    private void tickTransfer() {
        if (transfer != null && ++transfer.elapsedTicks >= config.electionTimeoutTicks()) {
            out.add(transfer.outcome(Action.TransferResult.TIMED_OUT, leaderId));
            transfer = null;
        }
    }

    /** Ends the transfer once a leader of a later term is known: the target, or another node. */
    private void resolveTransfer() {
        if (transfer != null && leaderId != 0 && term > transfer.term) {
            out.add(transfer.outcome(leaderId == transfer.target ? Action.TransferResult.COMPLETED
                    : Action.TransferResult.SUPERSEDED, leaderId));
            transfer = null;
        }
    }

    private void persisted(long index, long persistedTerm, long epoch) {
        if (!log.persisted(index, persistedTerm, epoch)) {
            return;
        }
        if (role == Role.LEADER) {
            maybeCommit();
        } else if (pendingAckIndex > 0 && leaderId != 0) {
            long durable = Math.min(pendingAckIndex, log.persistedIndex());
            acknowledge(leaderId, durable, pendingAckRound);
            if (durable >= pendingAckIndex) {
                pendingAckIndex = 0;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Snapshots (Raft §7)

    /**
     * A chunk of a leader's snapshot. Chunks must continue the bytes received so far; anything else is answered with
     * the offset to resume from. The bytes go to the runtime with the answer attached, so the leader hears of them
     * only once they are written.
     */
    private void handleInstallSnapshot(Message.InstallSnapshot m) {
        SnapshotInfo s = m.snapshot();
        long size = s.sizeBytes();
        if (incoming != null && incoming.snapshot.index() <= log.commitIndex()) {
            // The log caught up past it meanwhile; waiting on it would only block a later transfer.
            incoming = null;
        }
        if (s.index() <= log.commitIndex()) {
            // Everything it covers is committed here already, so this log matches the leader's up to it. Say so
            // only once it is durable too (a follower may commit entries it has not yet made durable); until then
            // the Persisted event acknowledges it as an append, which moves the leader off the transfer.
            if (s.index() <= Math.max(log.persistedIndex(), snapshot == null ? 0 : snapshot.index())) {
                send(new Message.InstallSnapshotResponse(id, m.from(), term, s.index(), size, true, true));
            } else {
                pendingAckIndex = Math.max(pendingAckIndex, s.index());
            }
            return;
        }
        if (incoming == null || !incoming.snapshot.equals(s)) {
            if (incoming != null && incoming.isComplete()) {
                // A snapshot being committed finishes before another starts. No answer: the leader's timeout
                // paces its retries, where an immediate rejection would make it resend a whole window at once.
                return;
            }
            if (m.offset() != 0) {
                send(new Message.InstallSnapshotResponse(id, m.from(), term, s.index(), 0, false, false));
                return;
            }
            incoming = new IncomingSnapshot(s);
        }
        if (incoming.isComplete() || incoming.isDuplicate(m.offset(), m.data().length)) {
            send(new Message.InstallSnapshotResponse(id, m.from(), term, s.index(), incoming.nextOffset(), true,
                    false));
            return;
        }
        if (m.offset() != incoming.nextOffset()) {
            send(new Message.InstallSnapshotResponse(id, m.from(), term, s.index(), incoming.nextOffset(), false,
                    false));
            return;
        }
        if (!incoming.append(m.offset(), m.data())) {
            // The bytes do not add up to the snapshot's checksum: start the transfer again.
            incoming = null;
            send(new Message.InstallSnapshotResponse(id, m.from(), term, s.index(), 0, false, false));
            return;
        }
        out.add(new Action.WriteSnapshotChunk(s, m.offset(), m.data(), new Message.InstallSnapshotResponse(id,
                m.from(), term, s.index(), incoming.nextOffset(), true, false)));
    }

    /** A snapshot became durable: one this node took, or the one it received. */
    private void snapshotSaved(SnapshotInfo s) {
        if (snapshotRequested != 0 && snapshotRequested <= s.index()) {
            snapshotRequested = 0;
        }
        if (incoming != null && incoming.isComplete() && incoming.snapshot.equals(s)) {
            incoming = null;
            install(s);
        }
        if (snapshot == null || s.index() > snapshot.index()) {
            snapshot = s;
            compact();
        }
    }

    /**
     * Raft §7 receiver rules 6 and 7. A log that holds the snapshot's last entry matches the leader's up to there
     * (Log Matching), so it is kept and applied as usual; any other log is discarded and the state machine is
     * restored from the snapshot.
     */
    private void install(SnapshotInfo s) {
        if (s.index() > log.commitIndex()) {
            if (log.matchTerm(s.index(), s.term())) {
                log.commitTo(s.index());
            } else {
                proposals.coveredBySnapshot(s.index(), s.term(), out);
                log.resetTo(s.index(), s.term(), term);
                memberships.reset(s.index(), s.membership());
                membershipChanged();
                pendingAckIndex = 0;
                out.add(new Action.RestoreSnapshot(s));
            }
        }
        if (leaderId != 0 && role == Role.FOLLOWER) {
            send(new Message.InstallSnapshotResponse(id, leaderId, term, s.index(), s.sizeBytes(), true, true));
        }
    }

    /**
     * Drops the log prefix the newest snapshot covers, keeping {@code snapshotTrailingEntries} before it, and only
     * what is applied and durable.
     */
    private void compact() {
        long target = Math.min(snapshot.index() - config.snapshotTrailingEntries(),
                Math.min(log.appliedIndex(), log.persistedIndex()));
        if (target > log.compactedIndex()) {
            log.compactTo(target);
            out.add(new Action.CompactLog(target));
        }
    }

    /**
     * The snapshot policy: enough entries or bytes applied since the newest snapshot, or since the newest request
     * still unanswered. Asking again after another threshold's worth means a snapshot that failed (a full disk, say)
     * does not stop compaction for good; a runtime skips a request while it is still writing an earlier one.
     */
    private void maybeTakeSnapshot() {
        long applied = log.appliedIndex();
        long since = applied - Math.max(snapshot == null ? 0 : snapshot.index(), snapshotRequested);
        if (since <= 0 || applied == 0) {
            return;
        }
        if ((config.snapshotEntries() > 0 && since >= config.snapshotEntries())
                || (config.snapshotBytes() > 0 && bytesSinceSnapshot >= config.snapshotBytes())) {
            Membership membership = memberships.at(applied);
            if (membership.isEmpty()) {
                // A node added to a running cluster may get the log from its start, before the first configuration
                // entry: it never learned the bootstrap configuration, and a snapshot must carry one. It snapshots
                // once it has applied a configuration entry.
                return;
            }
            snapshotRequested = applied;
            bytesSinceSnapshot = 0;
            out.add(new Action.TakeSnapshot(applied, log.term(applied), membership));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reads (thesis §6.4)

    private void read(long readId, long from, boolean useLease) {
        if (role != Role.LEADER) {
            if (from != 0) {
                send(new Message.ReadIndexResponse(id, from, term, readId, 0, false));
            } else if (role == Role.FOLLOWER && leaderId != 0) {
                forwardedReads.add(readId, tickCount);
                send(new Message.ReadIndexRequest(id, leaderId, term, readId));
            } else {
                out.add(new Action.ReadRejected(readId, leaderId));
            }
            return;
        }
        if (log.term(log.commitIndex()) != term) {
            // Step 1: until its NOOP commits, a new leader does not know the latest commit index.
            reads.awaitCommit(readId, from, useLease);
            return;
        }
        long readIndex = log.commitIndex();
        if (memberships.isSoleVoter()
                || (useLease && !leaseRevoked && config.checkQuorum() && lease.isValid(tickCount, config))) {
            readReady(readId, from, readIndex);
            return;
        }
        // Steps 2–3: confirm leadership with a heartbeat round sent after this read arrived.
        reads.awaitRound(readId, from, readIndex, replication.round() + 1);
        roundPending = true;
    }

    private void readReady(long readId, long from, long readIndex) {
        if (from == 0) {
            out.add(new Action.ReadReady(readId, readIndex));
        } else {
            send(new Message.ReadIndexResponse(id, from, term, readId, readIndex, true));
        }
    }

    private void releaseReads() {
        long acked = replication.quorumAckedRound();
        lease.quorumAcknowledged(acked);
        for (ReadQueue.PendingRead r : reads.takeAcknowledged(acked)) {
            readReady(r.readId(), r.from(), r.readIndex());
        }
    }

    private void rejectLeaderReads(long newLeader) {
        for (ReadQueue.PendingRead r : reads.takeAll()) {
            if (r.from() == 0) {
                out.add(new Action.ReadRejected(r.readId(), newLeader));
            } else {
                send(new Message.ReadIndexResponse(id, r.from(), term, r.readId(), 0, false));
            }
        }
    }

    private void expireForwardedReads() {
        for (long readId : forwardedReads.takeExpired(tickCount, config.electionTimeoutTicks())) {
            out.add(new Action.ReadRejected(readId, leaderId));
        }
    }

    private void rejectForwardedReads(long newLeader) {
        for (long readId : forwardedReads.takeAll()) {
            out.add(new Action.ReadRejected(readId, newLeader));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Output

    private void persistHardState() {
        out.add(new Action.PersistHardState(new HardState(term, votedFor)));
    }

    private void send(Message m) {
        out.add(new Action.Send(m));
    }

    /** Sends batched appends and read rounds, emits log writes and applies, then hands the actions over. */
    private List<Action> finishBatch() {
        long[] peersBefore = memberships.peers();
        if (memberships.committed(log.commitIndex())) {
            membershipChanged();
            if (role == Role.LEADER) {
                tellRemovedPeers(peersBefore);
            }
        }
        if (role == Role.LEADER) {
            leaveJointState();
            if (roundPending) {
                long round = replication.startRound(reads.awaits(replication.round() + 1));
                if (config.checkQuorum()) {
                    lease.roundSent(round, tickCount);
                }
                if (memberships.isSoleVoter()) {
                    releaseReads();
                }
            }
            if (broadcastPending || roundPending) {
                replication.broadcast(roundPending);
            }
            broadcastPending = false;
            roundPending = false;
            stepDownIfRemoved();
        }
        resolveTransfer();
        log.flushWrites(out, term);
        if (log.commitIndex() != lastCheckedCommit) {
            // Proposals are accepted in the current term, never below the committed entry's term, so checking
            // when the commit index moves is enough (and keeps log reads off the per-step path).
            lastCheckedCommit = log.commitIndex();
            if (!proposals.isEmpty()) {
                proposals.committed(log.commitIndex(), log.term(log.commitIndex()), out);
            }
        }
        while (log.appliedIndex() < log.commitIndex()) {
            List<LogEntry> batch = log.takeCommitted(MAX_APPLY_BYTES);
            out.add(new Action.Apply(batch));
            proposals.applied(batch, out);
            for (LogEntry e : batch) {
                bytesSinceSnapshot += e.sizeBytes();
            }
        }
        maybeTakeSnapshot();
        if (snapshot != null) {
            long wanted = snapshot.index() - config.snapshotTrailingEntries();
            // A compaction cut short by what was applied or durable completes once both reach it: one more
            // compaction per snapshot at most, not one per batch.
            if (wanted > log.compactedIndex() && Math.min(log.appliedIndex(), log.persistedIndex()) >= wanted) {
                compact();
            }
        }
        if (role != announcedRole || term != announcedTerm || leaderId != announcedLeader) {
            announcedRole = role;
            announcedTerm = term;
            announcedLeader = leaderId;
            out.add(new Action.RoleChanged(role, term, leaderId));
        }
        List<Action> actions = new ArrayList<>(out);
        out.clear();
        return actions;
    }
}
