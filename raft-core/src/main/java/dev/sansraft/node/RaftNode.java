package dev.sansraft.node;

import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.Membership;
import dev.sansraft.core.MembershipChange;
import dev.sansraft.core.MembershipCodec;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One Raft server: drives a {@link dev.sansraft.core.RaftCore} and carries out its actions against a {@link LogStore},
 * a {@link SnapshotStore}, a {@link Transport} and the user's {@link StateMachine}.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>The <b>event loop</b> owns the core. Ticks (every {@code tickInterval}), inbound messages and client calls
 *   reach it through one queue; it steps the core with everything queued, then flushes the actions in one go.</li>
 *   <li>The <b>storage thread</b> performs log writes and hard-state saves in order with group commit (one
 *   {@link LogStore#sync()} per round) and reports {@code Persisted} back. Sends that follow a hard-state save wait
 *   for it; other sends go straight to the transport.</li>
 *   <li>The <b>apply thread</b> applies committed entries in order, serves queries and completes futures. It also
 *   takes snapshots ({@link StateMachine#captureSnapshot()}, or {@link StateMachine#writeSnapshot} right there when
 *   the state machine cannot capture) and restores them, in order with the applies, so a snapshot holds exactly
 *   the state after its index and the entry applied after a restore is the one following the snapshot.</li>
 *   <li>The <b>snapshot thread</b> streams captured snapshots into the snapshot store and writes the chunks of a
 *   snapshot received from the leader, sending each chunk's reply only once its bytes are written and committing the
 *   snapshot after the last one. Log compaction and the log reset that follows an installed snapshot are log writes
 *   of the storage thread, in order with the others.</li>
 *   <li>The <b>snapshot sender thread</b> reads the chunks of a stored snapshot that the leader streams to a lagging
 *   follower (one open reader per follower) and sends them.</li>
 * </ul>
 * Futures are completed on the apply thread, or on the event loop for timeouts, or on the closing thread by
 * {@link #close()}: callbacks attached with the non-async {@code CompletableFuture} methods must be quick and never
 * block; use the {@code *Async} variants for anything slower.
 *
 * <h2>Outcomes</h2>
 * Every future returned by {@link #propose} or {@link #query} completes: with the state machine's result, or
 * exceptionally with {@link NotLeaderException}, {@link OverloadedException}, {@link ProposalDroppedException},
 * {@link OutcomeUnknownException} (a snapshot from the leader covered the proposal before this node applied it),
 * {@link java.util.concurrent.TimeoutException} (after {@code requestTimeout}) or {@link NodeClosedException}.
 *
 * <h2>Ownership and restarts</h2>
 * Once built, the node owns its log store, snapshot store and transport and closes them in {@link #close()}. The
 * state machine given to a new node must start empty: {@link #start()} restores it from the newest valid snapshot,
 * if the store holds one, and the core then re-applies the committed entries after that snapshot (from index 1
 * without one). Snapshot, log compaction and transfer failures are storage failures: fatal to the node, like a failed
 * log write (see {@link #terminated()}). Byte arrays passed to {@link #propose} and {@link #query} are owned by the
 * node from the call on and must not be modified.
 *
 * <p>Thread-safety: every public method may be called from any thread. {@link #start()} once; {@link #close()} is
 * idempotent. Threads are daemon threads named {@code sansraft-<id>-*}.
 */
public final class RaftNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftNode.class);

    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int CLOSED = 2;

    /** How far, in entries, a learner's match index may trail the commit index for {@link #promote} to proceed. */
    public static final long PROMOTE_MAX_LAG_ENTRIES = 1024;

    private final long id;
    private final List<Long> members;
    /** The configuration the node starts from when its log and snapshot hold none (EMPTY: a member-to-be). */
    private final Membership bootstrap;
    private final RaftConfig config;
    private final LogStore logStore;
    private final SnapshotStore snapshotStore;
    private final Transport transport;
    private final StateMachine stateMachine;
    private final Duration tickInterval;
    private final long requestTimeoutNanos;
    private final ScheduledExecutorService givenScheduler;
    private final LongSupplier nanoTime;
    private final ConsensusCore.Factory coreFactory;

    private final AtomicInteger state = new AtomicInteger(NEW);
    private final AtomicBoolean failed = new AtomicBoolean();
    private final List<LeaderChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final NodeCounters counters = new NodeCounters();
    private final RaftStatus initialStatus;

    private volatile Throwable fatalCause;
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    /** Set last in {@link #start()}, so that a non-null loop publishes the other parts too. */
    private volatile EventLoop loop;
    private StorageWriter storage;
    private Applier applier;
    private SnapshotWorker snapshotWorker;
    private SnapshotSender snapshotSender;
    private Thread loopThread;
    private Thread storageThread;
    private Thread applyThread;
    private Thread snapshotThread;
    private Thread senderThread;
    private ScheduledExecutorService ownScheduler;
    private ScheduledFuture<?> ticker;

    private RaftNode(Builder b) {
        this.id = b.id;
        this.bootstrap = b.membership != null ? b.membership : Membership.ofVoters(b.members);
        this.members = bootstrap.allVoterIds();
        this.config = b.config;
        this.logStore = b.logStore;
        this.snapshotStore = b.snapshotStore != null ? b.snapshotStore : new InMemorySnapshotStore();
        this.transport = b.transport;
        this.stateMachine = b.stateMachine;
        this.tickInterval = b.tickInterval;
        this.requestTimeoutNanos = b.requestTimeout.toNanos();
        this.givenScheduler = b.scheduler;
        this.nanoTime = b.nanoTime;
        this.coreFactory = b.coreFactory;
        this.initialStatus = new RaftStatus(id, Role.FOLLOWER, 0, 0, 0, 0, 0, members, List.of(), 0, bootstrap, 0);
    }

    /** A builder; {@code id}, {@code members}, {@code logStore}, {@code transport} and {@code stateMachine} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads the hard state and log from the store, restores the state machine from the newest valid snapshot (first
     * resetting the log to the snapshot's position if the log does not contain it, as after a crash between
     * installing a received snapshot and resetting the log), builds the core and starts the threads, the transport
     * and the tick timer.
     *
     * @throws IllegalStateException    if already started or closed
     * @throws StorageException         if the hard state cannot be loaded, or the newest snapshot cannot be read or
     *                                  restored
     * @throws IllegalArgumentException if the stored state is inconsistent (from the core)
     * @throws IllegalStateException    if the log was compacted but no stored snapshot covers it, or a snapshot must
     *                                  be restored and the state machine cannot restore snapshots
     * @throws RuntimeException         whatever the transport's {@code start} throws; on any failure the node is
     *                                  closed before the exception propagates
     */
    public void start() {
        if (!state.compareAndSet(NEW, RUNNING)) {
            throw new IllegalStateException("node " + id + " cannot start: it is "
                    + (state.get() == RUNNING ? "already running" : "closed"));
        }
        try {
            startParts();
        } catch (RuntimeException | Error e) {
            fatalCause = e;
            close();
            throw e;
        }
        if (state.get() == CLOSED) {
            // A fatal error or a concurrent close() happened while starting; make sure the threads end.
            shutDown();
        }
    }

    private void startParts() {
        HardState hardState;
        try {
            hardState = logStore.loadHardState();
        } catch (IOException | RuntimeException e) {
            throw new StorageException("node " + id + " cannot load its hard state", e);
        }
        snapshotWorker = new SnapshotWorker(id, snapshotStore, transport, this::submitInternal, counters,
                this::failStop);
        StateMachineSnapshots snapshots = new StateMachineSnapshots(id, stateMachine, snapshotStore, snapshotWorker,
                counters);
        Optional<SnapshotInfo> snapshot = new SnapshotRecovery(id, logStore, snapshotStore, snapshots).recover();
        snapshot.ifPresent(info -> counters.lastSnapshotIndex.set(info.index()));
        ConsensusCore core = coreFactory.create(id, bootstrap, config, logStore, hardState, snapshot);
        // The state machine now holds everything up to the snapshot; the core applies the log after it again.
        long appliedIndex = snapshot.isPresent() ? snapshot.get().index() : core.status().appliedIndex();
        applier = new Applier(id, stateMachine, snapshots, listeners, counters, this::failStop,
                this::closedException, appliedIndex);
        snapshotSender = new SnapshotSender(id, snapshotStore, transport, counters, this::failStop);
        storage = new StorageWriter(id, logStore, transport, snapshotWorker, snapshotSender, this::submitInternal,
                counters, nanoTime, this::failStop);
        EventLoop eventLoop = new EventLoop(id, core, transport, storage, applier, snapshotWorker, snapshotSender,
                counters, nanoTime, this::failStop, this::closedException);
        loopThread = thread("loop", eventLoop);
        storageThread = thread("storage", storage);
        applyThread = thread("apply", applier);
        snapshotThread = thread("snapshot", snapshotWorker);
        senderThread = thread("snapshot-sender", snapshotSender);
        eventLoop.bind(loopThread);
        storage.bind(storageThread);
        applier.bind(applyThread);
        snapshotWorker.bind(snapshotThread);
        snapshotSender.bind(senderThread);
        loop = eventLoop;
        snapshotThread.start();
        senderThread.start();
        applyThread.start();
        storageThread.start();
        loopThread.start();
        transport.start(eventLoop::receive);
        ScheduledExecutorService scheduler = givenScheduler;
        if (scheduler == null) {
            ownScheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sansraft-" + id + "-tick"));
            scheduler = ownScheduler;
        }
        long tickNanos = tickInterval.toNanos();
        // Fixed rate, not fixed delay: after a stall the missed ticks are delivered, so the core's tick count keeps
        // up with real time. A lease read is safe only if the leader's clock does not run slow (thesis §6.4.1).
        ticker = scheduler.scheduleAtFixedRate(() -> eventLoop.submit(Event.Tick.INSTANCE), tickNanos, tickNanos,
                TimeUnit.NANOSECONDS);
        log.info("node {} started: members={} term={} votedFor={} snapshotIndex={} lastLogIndex={} tick={}ms", id,
                members, hardState.term(), hardState.votedFor(), snapshot.map(SnapshotInfo::index).orElse(0L),
                logStore.lastIndex(), tickInterval.toMillis());
    }

    /**
     * Proposes a command. The future completes with {@link StateMachine#apply}'s result once the command is committed
     * and applied on this node, or fails (see the class comment). Only the leader accepts proposals.
     *
     * @param command the command bytes, owned by the node from now on
     */
    public CompletableFuture<byte[]> propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        return enqueue(new PendingRequest.Proposal(command, nanoTime.getAsLong() + requestTimeoutNanos));
    }

    /**
     * Runs a read-only {@link StateMachine#query} with the given consistency. LINEARIZABLE and LEASE reads may be
     * issued on any node: a follower asks the leader for a read index, and fails with {@link NotLeaderException}
     * when none is known.
     *
     * @param request the query bytes, owned by the node from now on
     */
    public CompletableFuture<byte[]> query(byte[] request, ReadConsistency consistency) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(consistency, "consistency");
        return enqueue(new PendingRequest.Read(request, consistency, nanoTime.getAsLong() + requestTimeoutNanos));
    }

    private CompletableFuture<byte[]> enqueue(PendingRequest request) {
        if (state.get() == CLOSED) {
            request.future.completeExceptionally(closedException());
            return request.future;
        }
        EventLoop l = loop;
        if (l == null) {
            request.future.completeExceptionally(new IllegalStateException("node " + id + " is not started"));
            return request.future;
        }
        l.submit(request);
        // close() sets CLOSED before it drains the queue: either the drain saw this request or we see CLOSED here.
        if (state.get() == CLOSED) {
            request.future.completeExceptionally(closedException());
        }
        return request.future;
    }

    private void submitInternal(Event event) {
        loop.submit(event);
    }

    /** This node's id. */
    public long id() {
        return id;
    }

    /** A snapshot of the core's state as of its last batch, with the apply thread's applied index. */
    public RaftStatus status() {
        EventLoop l = loop;
        if (l == null) {
            return initialStatus;
        }
        RaftStatus s = l.status();
        long applied = applier.appliedIndex();
        if (applied == s.appliedIndex()) {
            return s;
        }
        return new RaftStatus(s.id(), s.role(), s.term(), s.leaderId(), s.commitIndex(), applied, s.lastLogIndex(),
                s.members(), s.peers(), s.snapshotIndex(), s.membership(), s.transferTarget());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Membership changes and leadership transfer (Raft thesis ch. 4, §3.10)

    /**
     * Adds the new member {@code memberId} as a learner reached at {@code endpoint}: it receives the log and
     * snapshots but never votes (fails with {@code INVALID_CHANGE} if it is a member already). Completes once the
     * configuration entry is committed; see {@link #changeMembership} for the failures.
     */
    public CompletableFuture<Membership> addLearner(long memberId, String endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        RaftStatus s = status();
        if (s.isLeader() && s.membership().contains(memberId)) {
            // A learner change on a voter would demote it; this method only adds new members.
            return CompletableFuture.failedFuture(new MembershipChangeException(
                    MembershipChangeException.Reason.INVALID_CHANGE, "node " + memberId + " is already a "
                    + (s.membership().isLearner(memberId) ? "learner" : "voter")));
        }
        return changeMembership(List.of(MembershipChange.addLearner(memberId, endpoint)));
    }

    /**
     * Promotes the learner {@code memberId} to voter. On the leader the learner must have caught up first: its
     * match index within {@link #PROMOTE_MAX_LAG_ENTRIES} of the commit index, or the future fails with
     * {@link MembershipChangeException.Reason#NOT_CAUGHT_UP} (retry later), so that a promotion never leaves the
     * cluster waiting for a voter that still has to fetch most of the log.
     */
    public CompletableFuture<Membership> promote(long memberId) {
        RaftStatus s = status();
        if (s.isLeader()) {
            Membership m = s.membership();
            if (!m.contains(memberId)) {
                return CompletableFuture.failedFuture(unknownMember(memberId, m));
            }
            if (m.isLearner(memberId)) {
                long match = s.matchIndexOf(memberId);
                if (match + PROMOTE_MAX_LAG_ENTRIES < s.commitIndex()) {
                    return CompletableFuture.failedFuture(new MembershipChangeException(
                            MembershipChangeException.Reason.NOT_CAUGHT_UP, "learner " + memberId
                            + " has not caught up: match index " + Math.max(match, 0) + ", commit index "
                            + s.commitIndex() + " (at most " + PROMOTE_MAX_LAG_ENTRIES + " behind to be promoted)"));
                }
            }
        }
        return changeMembership(List.of(MembershipChange.promote(memberId)));
    }

    /**
     * Removes {@code memberId}, voter or learner. A removed leader leads until the configuration without it is
     * committed, then steps down (thesis §4.2.2).
     */
    public CompletableFuture<Membership> remove(long memberId) {
        RaftStatus s = status();
        if (s.isLeader() && !s.membership().contains(memberId)) {
            return CompletableFuture.failedFuture(unknownMember(memberId, s.membership()));
        }
        return changeMembership(List.of(MembershipChange.remove(memberId)));
    }

    /**
     * Applies {@code changes} together as one configuration change on the leader: in one step when at most one voter
     * is added or removed, otherwise through the joint configuration C_old,new, which the leader leaves by itself
     * once it is committed (thesis §4.3). Completes with the configuration appended once its entry is committed (for
     * a joint change, the joint configuration: the change can no longer be rolled back then). Fails with
     * {@link NotLeaderException} on a follower, {@link MembershipChangeException} when the change does not apply
     * ({@code UNKNOWN_MEMBER}, {@code INVALID_CHANGE}) or another change is in progress ({@code CHANGE_IN_PROGRESS},
     * retryable), and like a proposal otherwise (timeout, dropped in a leader change, node closed).
     */
    public CompletableFuture<Membership> changeMembership(List<MembershipChange> changes) {
        Objects.requireNonNull(changes, "changes");
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a membership change needs at least one change");
        }
        PendingRequest.Proposal p = new PendingRequest.Proposal(changes, nanoTime.getAsLong() + requestTimeoutNanos);
        return enqueue(p).thenApply(MembershipCodec::decode);
    }

    /**
     * Hands leadership to the voter {@code target} (thesis §3.10): the leader stops taking proposals (they fail
     * with {@link NotLeaderException} naming the target), brings the target up to date and tells it to campaign at
     * once. Completes when the target is leader; fails with {@link NotLeaderException} on a follower and with
     * {@link LeadershipTransferException} when the target is not a voter, another transfer is under way, or the
     * target did not take over within an election timeout (the old leader then continues).
     */
    public CompletableFuture<Void> transferLeadership(long target) {
        if (target < 1) {
            throw new IllegalArgumentException("target must be a positive node id, got " + target);
        }
        PendingRequest.Transfer t = new PendingRequest.Transfer(target, nanoTime.getAsLong() + requestTimeoutNanos);
        return enqueue(t).thenApply(done -> null);
    }

    private MembershipChangeException unknownMember(long memberId, Membership m) {
        return new MembershipChangeException(MembershipChangeException.Reason.UNKNOWN_MEMBER, "node " + memberId
                + " is not a member: voters " + m.voterIds() + ", learners " + m.learnerIds());
    }

    /** Registers a listener told about leader changes on the apply thread (see {@link LeaderChangeListener}). */
    public void addLeaderChangeListener(LeaderChangeListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * A snapshot of this node's counters and gauges, all labelled with the node id:
     * <ul>
     *   <li>gauges {@code sansraft_term}, {@code sansraft_role} (0 follower, 1 pre-candidate, 2 candidate,
     *   3 leader), {@code sansraft_is_leader}, {@code sansraft_leader_id}, {@code sansraft_commit_index},
     *   {@code sansraft_applied_index}, {@code sansraft_last_log_index}, {@code sansraft_inflight_requests};</li>
     *   <li>client counters {@code sansraft_proposals_total} (and {@code _accepted}, {@code _rejected},
     *   {@code _dropped}), {@code sansraft_requests_timed_out_total}, {@code sansraft_reads_total} (linearizable
     *   and lease), {@code sansraft_reads_rejected_total}, {@code sansraft_stale_reads_total};</li>
     *   <li>apply counters {@code sansraft_entries_applied_total}, {@code sansraft_apply_errors_total};</li>
     *   <li>storage counters {@code sansraft_storage_batches_total}, {@code sansraft_storage_entries_written_total},
     *   {@code sansraft_storage_syncs_total}, {@code sansraft_storage_sync_seconds_total} (time spent in
     *   {@code sync()}; divide by the sync count for the mean), {@code sansraft_hard_state_saves_total};</li>
     *   <li>{@code sansraft_messages_sent_total}, {@code sansraft_messages_received_total},
     *   {@code sansraft_role_changes_total}, {@code sansraft_leader_changes_total},
     *   {@code sansraft_event_loop_batches_total}, {@code sansraft_event_loop_events_total} (events per batch is
     *   the batching factor);</li>
     *   <li>snapshots: {@code sansraft_snapshots_taken_total} (of this node's own state),
     *   {@code sansraft_snapshots_received_total} (committed from a leader's chunks),
     *   {@code sansraft_snapshots_installed_total} (restored into the state machine after a transfer),
     *   {@code sansraft_snapshot_bytes_written_total} (of own snapshots), {@code sansraft_snapshot_bytes_sent_total},
     *   {@code sansraft_snapshot_bytes_received_total}, the gauge {@code sansraft_snapshot_last_index} (the newest
     *   snapshot stored or recovered), {@code sansraft_log_compactions_total}, {@code sansraft_log_resets_total} and
     *   {@code sansraft_proposals_unknown_total}.</li>
     * </ul>
     */
    public NodeMetrics metrics() {
        RaftStatus s = status();
        EventLoop l = loop;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("sansraft_term", (double) s.term());
        v.put("sansraft_role", (double) s.role().ordinal());
        v.put("sansraft_is_leader", s.isLeader() ? 1.0 : 0.0);
        v.put("sansraft_leader_id", (double) s.leaderId());
        v.put("sansraft_commit_index", (double) s.commitIndex());
        v.put("sansraft_applied_index", (double) s.appliedIndex());
        v.put("sansraft_last_log_index", (double) s.lastLogIndex());
        v.put("sansraft_inflight_requests", l == null ? 0.0 : l.inflight());
        NodeCounters c = counters;
        v.put("sansraft_proposals_total", (double) c.proposals.get());
        v.put("sansraft_proposals_accepted_total", (double) c.proposalsAccepted.get());
        v.put("sansraft_proposals_rejected_total", (double) c.proposalsRejected.get());
        v.put("sansraft_proposals_dropped_total", (double) c.proposalsDropped.get());
        v.put("sansraft_requests_timed_out_total", (double) c.requestsTimedOut.get());
        v.put("sansraft_reads_total", (double) c.reads.get());
        v.put("sansraft_reads_rejected_total", (double) c.readsRejected.get());
        v.put("sansraft_stale_reads_total", (double) c.staleReads.get());
        v.put("sansraft_entries_applied_total", (double) c.entriesApplied.get());
        v.put("sansraft_apply_errors_total", (double) c.applyErrors.get());
        v.put("sansraft_storage_batches_total", (double) c.storageBatches.get());
        v.put("sansraft_storage_entries_written_total", (double) c.storageEntriesWritten.get());
        v.put("sansraft_storage_syncs_total", (double) c.storageSyncs.get());
        v.put("sansraft_storage_sync_seconds_total", c.storageSyncNanos.get() / 1e9);
        v.put("sansraft_hard_state_saves_total", (double) c.hardStateSaves.get());
        v.put("sansraft_messages_sent_total", (double) c.messagesSent.get());
        v.put("sansraft_messages_received_total", (double) c.messagesReceived.get());
        v.put("sansraft_role_changes_total", (double) c.roleChanges.get());
        v.put("sansraft_leader_changes_total", (double) c.leaderChanges.get());
        v.put("sansraft_event_loop_batches_total", (double) c.eventLoopBatches.get());
        v.put("sansraft_event_loop_events_total", (double) c.eventLoopEvents.get());
        v.put("sansraft_proposals_unknown_total", (double) c.proposalsUnknown.get());
        v.put("sansraft_snapshots_taken_total", (double) c.snapshotsTaken.get());
        v.put("sansraft_snapshots_received_total", (double) c.snapshotsReceived.get());
        v.put("sansraft_snapshots_installed_total", (double) c.snapshotsInstalled.get());
        v.put("sansraft_snapshot_bytes_written_total", (double) c.snapshotBytesWritten.get());
        v.put("sansraft_snapshot_bytes_sent_total", (double) c.snapshotBytesSent.get());
        v.put("sansraft_snapshot_bytes_received_total", (double) c.snapshotBytesReceived.get());
        v.put("sansraft_snapshot_last_index", (double) c.lastSnapshotIndex.get());
        v.put("sansraft_log_compactions_total", (double) c.logCompactions.get());
        v.put("sansraft_log_resets_total", (double) c.logResets.get());
        return new NodeMetrics(id, v);
    }

    /**
     * Stops the node: the tick timer, the transport and the node's threads; fails every pending future with
     * {@link NodeClosedException}; closes the log and snapshot stores (an unfinished snapshot is discarded).
     * Idempotent; blocks until the threads have ended.
     */
    @Override
    public void close() {
        int previous = state.getAndSet(CLOSED);
        if (previous == CLOSED) {
            return;
        }
        if (previous == RUNNING && loop != null) {
            shutDown();
        } else {
            transport.close();
            closeStores();
        }
        log.info("node {} stopped{}", id, fatalCause == null ? "" : " after a fatal error");
        if (fatalCause == null) {
            termination.complete(null);
        } else {
            termination.completeExceptionally(fatalCause);
        }
    }

    /**
     * Completes when the node has stopped: normally after {@link #close()}, exceptionally with the cause when a fatal
     * error (a storage failure, a broken invariant) stopped it. A process embedding the node can exit on the latter
     * so that a supervisor restarts it.
     */
    public CompletableFuture<Void> terminated() {
        return termination;
    }

    private synchronized void shutDown() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
        transport.close();
        loop.stop();
        storage.stop();
        applier.stop();
        snapshotWorker.stop();
        snapshotSender.stop();
        boolean loopDone = join(loopThread);
        boolean storageDone = join(storageThread);
        boolean applyDone = join(applyThread);
        boolean snapshotDone = join(snapshotThread);
        boolean senderDone = join(senderThread);
        RaftException closed = closedException();
        if (loopDone) {
            loop.failRemaining(closed);
        }
        if (applyDone) {
            applier.failRemaining(closed);
        }
        if (storageDone) {
            closeLogStore();
        }
        if (applyDone && snapshotDone && senderDone) {
            closeSnapshotStore();
        }
    }

    private void closeStores() {
        closeLogStore();
        closeSnapshotStore();
    }

    private void closeLogStore() {
        try {
            logStore.close();
        } catch (IOException | RuntimeException e) {
            log.warn("node {} failed to close its log store", id, e);
        }
    }

    private void closeSnapshotStore() {
        try {
            snapshotStore.close();
        } catch (IOException | RuntimeException e) {
            log.warn("node {} failed to close its snapshot store", id, e);
        }
    }

    private boolean join(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return t == null;
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("node {}: thread {} did not stop within 30 s; its requests stay pending", id, t.getName());
            return false;
        }
        return true;
    }

    private RaftException closedException() {
        Throwable cause = fatalCause;
        return cause == null
                ? new NodeClosedException("node " + id + " is closed")
                : new NodeClosedException("node " + id + " stopped after a fatal error", cause);
    }

    /** Fail-stop: a storage failure or a broken invariant stops the node, from a fresh thread so joins can finish. */
    private void failStop(Throwable cause) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        fatalCause = cause;
        log.error("node {} stops after a fatal error", id, cause);
        daemon(this::close, "sansraft-" + id + "-failstop").start();
    }

    private Thread thread(String role, Runnable body) {
        return daemon(body, "sansraft-" + id + "-" + role);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public String toString() {
        return "RaftNode[" + id + " " + status().role() + "]";
    }

    /**
     * Configures a {@link RaftNode}. {@link #build()} validates every setting and fails with an
     * {@link IllegalArgumentException} naming it. Mutable; not thread-safe.
     */
    public static final class Builder {
        private long id;
        private List<Long> members;
        private Membership membership;
        private RaftConfig config = RaftConfig.defaults();
        private LogStore logStore;
        private SnapshotStore snapshotStore;
        private Transport transport;
        private StateMachine stateMachine;
        private Duration tickInterval = Duration.ofMillis(100);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private ScheduledExecutorService scheduler;
        private LongSupplier nanoTime = System::nanoTime;
        private ConsensusCore.Factory coreFactory = ConsensusCore.RAFT;
        private boolean snapshotStoreSet;

        private Builder() {
        }

        /** This node's id; positive and one of the members. Required. */
        public Builder id(long id) {
            this.id = id;
            return this;
        }

        /**
         * Every voting member's id, this node included; positive and distinct. This or {@link #membership} is
         * required. The members get no endpoints: the transport must know their addresses already.
         */
        public Builder members(Collection<Long> members) {
            this.members = members == null ? null : new ArrayList<>(members);
            return this;
        }

        /**
         * The configuration to start from, with each member's endpoint (which reaches the transport through
         * {@link Transport#updatePeers}); it must name this node. {@link Membership#EMPTY} starts a member-to-be: a
         * node that never campaigns and waits for a leader to add it and send it the log (its transport must be
         * able to answer that leader). Either way a configuration found in the log or snapshot at start wins, so a
         * restarted node keeps the membership it had. Replaces {@link #members}.
         */
        public Builder membership(Membership membership) {
            this.membership = Objects.requireNonNull(membership, "membership");
            return this;
        }

        /** Core tuning; default {@link RaftConfig#defaults()}. Timeouts in it are counted in ticks. */
        public Builder config(RaftConfig config) {
            this.config = config;
            return this;
        }

        /** The durable log and hard state; the node closes it on {@link RaftNode#close()}. Required. */
        public Builder logStore(LogStore logStore) {
            this.logStore = logStore;
            return this;
        }

        /**
         * Where snapshots are stored; the node closes it on {@link RaftNode#close()}. Default: a new
         * {@link InMemorySnapshotStore}, which keeps whole snapshots on the heap and lives and dies with the node,
         * so it suits tests and in-memory logs only. A log store that survives restarts needs a snapshot store that
         * does too (such as {@code FileSnapshotStore}): once the log is compacted, the entries before its first
         * index exist only in a snapshot, and a node that finds a compacted log but no snapshot covering it refuses
         * to start.
         */
        public Builder snapshotStore(SnapshotStore snapshotStore) {
            this.snapshotStore = snapshotStore;
            this.snapshotStoreSet = true;
            return this;
        }

        /** The message transport; the node starts it and closes it. Required. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** The replicated state machine; it must start empty (see {@link RaftNode}). Required. */
        public Builder stateMachine(StateMachine stateMachine) {
            this.stateMachine = stateMachine;
            return this;
        }

        /** How long one core tick lasts; default 100 ms. */
        public Builder tickInterval(Duration tickInterval) {
            this.tickInterval = tickInterval;
            return this;
        }

        /** How long a proposal or read may wait before it fails with a TimeoutException; default 5 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Runs the tick timer on this scheduler instead of a thread of the node's own; the node cancels its task on
         * close but never shuts the scheduler down.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** The monotonic clock that request deadlines are measured with; default {@link System#nanoTime()}. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        /** Replaces the real core, for the runtime's own tests. */
        Builder coreFactory(ConsensusCore.Factory coreFactory) {
            this.coreFactory = coreFactory;
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing or invalid setting */
        public RaftNode build() {
            require(id > 0, "id must be positive, got " + id);
            if (membership != null) {
                require(members == null, "set members or membership, not both");
                require(membership.isEmpty() || membership.contains(id), "id " + id + " is not in the membership "
                        + membership);
            } else {
                require(members != null && !members.isEmpty(), "members must name at least this node, got "
                        + members);
                Set<Long> distinct = new HashSet<>();
                for (Long m : members) {
                    require(m != null && m > 0, "member ids must be positive, got " + m + " in " + members);
                    require(distinct.add(m), "member " + m + " is listed twice in " + members);
                }
                require(distinct.contains(id), "id " + id + " is not one of the members " + members);
            }
            require(config != null, "config is required");
            require(logStore != null, "logStore is required");
            require(!snapshotStoreSet || snapshotStore != null, "snapshotStore must not be null");
            require(transport != null, "transport is required");
            require(stateMachine != null, "stateMachine is required");
            require(tickInterval != null && !tickInterval.isNegative() && !tickInterval.isZero()
                    && tickInterval.toNanos() < Long.MAX_VALUE, "tickInterval must be positive, got " + tickInterval);
            require(requestTimeout != null && !requestTimeout.isNegative() && !requestTimeout.isZero(),
                    "requestTimeout must be positive, got " + requestTimeout);
            require(nanoTime != null, "nanoTime is required");
            return new RaftNode(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("RaftNode.Builder: " + message);
            }
        }
    }
}
