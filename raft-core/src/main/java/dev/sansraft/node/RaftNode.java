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
import java.util.concurrent.ScheduledExecutorService;
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
 * Each of these is a stage of the node's {@link NodeScheduler}: by default every stage has a thread of its own
 * ({@link ThreadScheduler}), as described here; a simulator passes a scheduler that runs every stage of every node on
 * one thread, interleaved as its seed draws, with virtual time ({@link Builder#nodeScheduler}).
 * Futures are completed on the apply thread, or on the event loop for timeouts, or on the closing thread by
 * {@link #close()}: callbacks attached with the non-async {@code CompletableFuture} methods must be quick and never
 * block; use the {@code *Async} variants for anything slower.
 *
 * <h2>Outcomes</h2>
 * Every future returned by {@link #propose} or {@link #query} completes exactly once, with one honest outcome:
 * <ul>
 *   <li>the state machine's result (or the exception {@link StateMachine#apply} threw for the command);</li>
 *   <li>not applied, so a retry is safe: {@link NotLeaderException} or {@link OverloadedException} (refused before
 *   it was appended), {@link ProposalDroppedException} (appended, but another entry committed in its place);</li>
 *   <li>{@link OutcomeUnknownException}: accepted, and it may or may not take effect (its {@code requestTimeout}
 *   passed, its cause then a {@link java.util.concurrent.TimeoutException}; or a snapshot from the leader covered it
 *   before this node applied it). Retry it through a session that deduplicates, or read to find out;</li>
 *   <li>a read that is not served within {@code requestTimeout} fails with
 *   {@link java.util.concurrent.TimeoutException} (it changed nothing);</li>
 *   <li>{@link NodeClosedException}: the node stopped (or was stopped) before the request reached its log or was
 *   served, so it had no effect: a proposal still waiting to be handed to the consensus core, any read, and every
 *   call after {@link #close()}. A proposal the node had already accepted into its log fails with
 *   {@link OutcomeUnknownException} instead (its cause the {@link NodeClosedException}): it may be replicated already
 *   and still take effect through the other nodes.</li>
 * </ul>
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
    private final NodeScheduler scheduler;
    /** The scheduler this node created and must close, or null when the caller gave one. */
    private final ThreadScheduler ownScheduler;
    private final LongSupplier nanoTime;
    private final ConsensusCore.Factory coreFactory;
    private final QueueBudgets budgets;

    private final AtomicInteger state = new AtomicInteger(NEW);
    private final AtomicBoolean failed = new AtomicBoolean();
    private final List<LeaderChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final ListenerQueue nodeListeners;
    private final NodeCounters counters;
    private final RaftStatus initialStatus;

    private volatile Throwable fatalCause;
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    /** Set last in {@link #start()}, so that a non-null loop publishes the other parts too. */
    private volatile EventLoop loop;
    private StorageWriter storage;
    private Applier applier;
    private SnapshotWorker snapshotWorker;
    private SnapshotSender snapshotSender;
    private NodeScheduler.Timer ticker;

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
        if (b.nodeScheduler != null) {
            this.scheduler = b.nodeScheduler;
            this.ownScheduler = null;
        } else {
            this.ownScheduler = new ThreadScheduler(b.nanoTime, b.scheduler);
            this.scheduler = ownScheduler;
        }
        this.nanoTime = scheduler::nanoTime;
        this.coreFactory = b.coreFactory;
        this.counters = new NodeCounters(b.nanoTime);
        this.nodeListeners = new ListenerQueue(b.id, counters.listenerEventsDropped);
        for (RaftNodeListener l : b.nodeListeners) {
            nodeListeners.add(l);
        }
        this.budgets = new QueueBudgets(b.queueLimits);
        this.initialStatus = new RaftStatus(id, Role.FOLLOWER, 0, 0, 0, 0, 0, members, List.of(), 0, bootstrap, 0);
    }

    /**
     * {@return a builder; {@code id}, {@code members}, {@code logStore}, {@code transport} and {@code stateMachine} are
     * required}
     */
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
                nodeListeners, this::failStop);
        StateMachineSnapshots snapshots = new StateMachineSnapshots(id, stateMachine, snapshotStore, snapshotWorker,
                counters, nodeListeners);
        Optional<SnapshotInfo> snapshot = new SnapshotRecovery(id, logStore, snapshotStore, snapshots).recover();
        snapshot.ifPresent(info -> counters.lastSnapshotIndex.set(info.index()));
        ConsensusCore core = coreFactory.create(id, bootstrap, config, logStore, hardState, snapshot);
        // The state machine now holds everything up to the snapshot; the core applies the log after it again.
        long appliedIndex = snapshot.isPresent() ? snapshot.get().index() : core.status().appliedIndex();
        applier = new Applier(id, stateMachine, snapshots, listeners, counters, this::failStop,
                this::closedException, appliedIndex);
        snapshotSender = new SnapshotSender(id, snapshotStore, transport, counters, nodeListeners, this::failStop);
        storage = new StorageWriter(id, logStore, transport, snapshotWorker, snapshotSender, this::submitPersisted,
                counters, nanoTime, this::failStop);
        EventLoop eventLoop = new EventLoop(id, core, transport, storage, applier, snapshotWorker, snapshotSender,
                counters, budgets, nodeListeners, nanoTime, this::failStop, this::closedException);
        long tickNanos = tickInterval.toNanos();
        eventLoop.startTicks(tickNanos);
        nodeListeners.bind(scheduler);
        snapshotWorker.bind(scheduler);
        snapshotSender.bind(scheduler);
        applier.onRequestsQueued(eventLoop::runHereOrWake);
        applier.bind(scheduler);
        storage.bind(scheduler);
        eventLoop.bind(scheduler);
        loop = eventLoop;
        transport.start(eventLoop.inbound());
        // The timer only wakes the loop; the loop steps as many ticks as the clock says have passed, so the core's
        // tick count keeps up with real time however late the timer or the loop runs. A lease read is safe only if
        // the leader's clock does not run slow (thesis §6.4.1).
        ticker = scheduler.everyPeriod(id, tickNanos, () -> eventLoop.submit(Event.Tick.INSTANCE));
        log.info("node {} started: members={} term={} votedFor={} snapshotIndex={} lastLogIndex={} tick={}ms", id,
                members, hardState.term(), hardState.votedFor(), snapshot.map(SnapshotInfo::index).orElse(0L),
                logStore.lastIndex(), tickInterval.toMillis());
    }

    /**
     * Proposes a command. The future completes with {@link StateMachine#apply}'s result once the command is committed
     * and applied on this node, or fails (see the class comment). Only the leader accepts proposals.
     *
     * @param command the command bytes, owned by the node from now on
     * @return a future of the state machine's result for the command
     */
    public CompletableFuture<byte[]> propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        long now = nanoTime.getAsLong();
        return enqueue(new PendingRequest.Proposal(command, now, now + requestTimeoutNanos));
    }

    /**
     * Runs a read-only {@link StateMachine#query} with the given consistency. LINEARIZABLE and LEASE reads may be
     * issued on any node: a follower asks the leader for a read index, and fails with {@link NotLeaderException}
     * when none is known.
     *
     * @param request the query bytes, owned by the node from now on
     * @param consistency how fresh the read must be; not null
     * @return a future of the query's result
     */
    public CompletableFuture<byte[]> query(byte[] request, ReadConsistency consistency) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(consistency, "consistency");
        long now = nanoTime.getAsLong();
        return enqueue(new PendingRequest.Read(request, consistency, now, now + requestTimeoutNanos));
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
        OverloadedException refusal = admit(request);
        if (refusal != null) {
            counters.requestsOverloaded.incrementAndGet();
            request.future.completeExceptionally(refusal);
            return request.future;
        }
        if (applier.isInRoundOnThisThread()) {
            // A callback of a future the apply thread just completed: the round hands its requests over at its end.
            l.submitQuietly(request);
            applier.requestQueued();
        } else {
            l.submit(request);
        }
        // close() sets CLOSED before it drains the queue: either the drain saw this request or we see CLOSED here.
        if (state.get() == CLOSED) {
            request.future.completeExceptionally(closedException());
        }
        return request.future;
    }

    /**
     * Takes the request's room in the pending-requests budget, given back when its future completes; or says why
     * there is none: that budget is spent, or the storage or apply queue is full.
     */
    private OverloadedException admit(PendingRequest request) {
        QueueBudget full = budgets.backedUp();
        if (full != null) {
            return new OverloadedException("node " + id + " cannot take more work: its " + full + " is full; retry"
                    + " later");
        }
        long size = request.sizeBytes();
        QueueBudget pending = budgets.pendingRequests;
        if (!pending.tryAcquire(1, size)) {
            return new OverloadedException("node " + id + " has too many requests in flight (" + pending
                    + "); retry later");
        }
        request.future.whenComplete((r, e) -> pending.release(1, size));
        return null;
    }

    private void submitInternal(Event event) {
        loop.submit(event);
    }

    /** The storage thread's report: stepped on that thread at once when the loop is idle (one hand-off less). */
    private void submitPersisted(Event event) {
        loop.submitAndRunHere(event);
    }

    /** {@return this node's id} */
    public long id() {
        return id;
    }

    /** {@return a snapshot of the core's state as of its last batch, with the apply thread's applied index} */
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
     *
     * @param memberId the new member's node id, positive
     * @param endpoint how the transport reaches it; not null
     * @return a future of the configuration appended, completing once it is committed
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
     * Promotes the learner {@code memberId} to voter. On the leader the learner must have caught up first, or the
     * future fails with {@link MembershipChangeException.Reason#NOT_CAUGHT_UP} (retryable: retry later). Caught up
     * means both:
     * <ul>
     *   <li>the leader has heard the learner acknowledge entries: its match index is positive (a learner caught up
     *       by a snapshot counts, its match index is then the snapshot's last index). A learner the leader never
     *       reached, say at a wrong endpoint or behind a TLS certificate from another CA, would otherwise pass the
     *       next rule while the log is young, and become a voter nobody can reach, which cuts the cluster's fault
     *       tolerance by one;</li>
     *   <li>its match index is within {@link #PROMOTE_MAX_LAG_ENTRIES} of the commit index, so that a promotion never
     *       leaves the cluster waiting for a voter that still has to fetch most of the log.</li>
     * </ul>
     * Both are judged from the leader's last status, so they are advice against mistakes rather than a guarantee:
     * the learner may fall behind again right after the check.
     *
     * @param memberId the learner's node id
     * @return a future of the configuration appended, completing once it is committed
     */
    public CompletableFuture<Membership> promote(long memberId) {
        RaftStatus s = status();
        if (s.isLeader()) {
            Membership m = s.membership();
            if (!m.contains(memberId)) {
                return CompletableFuture.failedFuture(unknownMember(memberId, m));
            }
            if (m.isLearner(memberId)) {
                // matchIndexOf is 0 until the learner acknowledges an append or a snapshot in this leader's term
                // (-1 if the leader has no progress for it): the leader has not heard from it yet.
                long match = s.matchIndexOf(memberId);
                if (match <= 0 && s.lastLogIndex() > 0) {
                    return CompletableFuture.failedFuture(new MembershipChangeException(
                            MembershipChangeException.Reason.NOT_CAUGHT_UP, "learner " + memberId
                            + " has not caught up: the leader has not yet heard it acknowledge any entry (is it"
                            + " running and reachable at its endpoint?); commit index " + s.commitIndex()));
                }
                if (match + PROMOTE_MAX_LAG_ENTRIES < s.commitIndex()) {
                    return CompletableFuture.failedFuture(new MembershipChangeException(
                            MembershipChangeException.Reason.NOT_CAUGHT_UP, "learner " + memberId
                            + " has not caught up: match index " + match + ", commit index "
                            + s.commitIndex() + " (at most " + PROMOTE_MAX_LAG_ENTRIES + " behind to be promoted)"));
                }
            }
        }
        return changeMembership(List.of(MembershipChange.promote(memberId)));
    }

    /**
     * Removes {@code memberId}, voter or learner. A removed leader leads until the configuration without it is
     * committed, then steps down (thesis §4.2.2).
     *
     * @param memberId the member's node id
     * @return a future of the configuration appended, completing once it is committed
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
     *
     * @param changes the changes, applied in order; at least one
     * @return a future of the configuration appended, completing once it is committed
     */
    public CompletableFuture<Membership> changeMembership(List<MembershipChange> changes) {
        Objects.requireNonNull(changes, "changes");
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a membership change needs at least one change");
        }
        long now = nanoTime.getAsLong();
        PendingRequest.Proposal p = new PendingRequest.Proposal(changes, now, now + requestTimeoutNanos);
        return enqueue(p).thenApply(MembershipCodec::decode);
    }

    /**
     * Hands leadership to the voter {@code target} (thesis §3.10): the leader stops taking proposals (they fail
     * with {@link NotLeaderException} naming the target), brings the target up to date and tells it to campaign at
     * once. Completes when the target is leader; fails with {@link NotLeaderException} on a follower and with
     * {@link LeadershipTransferException} when the target is not a voter, another transfer is under way, or the
     * target did not take over within an election timeout (the old leader then continues).
     *
     * @param target the voter to lead next, positive
     * @return a future completing when {@code target} leads
     */
    public CompletableFuture<Void> transferLeadership(long target) {
        if (target < 1) {
            throw new IllegalArgumentException("target must be a positive node id, got " + target);
        }
        long now = nanoTime.getAsLong();
        PendingRequest.Transfer t = new PendingRequest.Transfer(target, now, now + requestTimeoutNanos);
        return enqueue(t).thenApply(done -> null);
    }

    private MembershipChangeException unknownMember(long memberId, Membership m) {
        return new MembershipChangeException(MembershipChangeException.Reason.UNKNOWN_MEMBER, "node " + memberId
                + " is not a member: voters " + m.voterIds() + ", learners " + m.learnerIds());
    }

    /**
     * Registers a listener told about leader changes on the apply thread (see {@link LeaderChangeListener}).
     *
     * @param listener the listener; not null
     */
    public void addLeaderChangeListener(LeaderChangeListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Registers a listener for role, leader, snapshot and fail-stop events, called on the node's listener thread
     * (see {@link RaftNodeListener}); it sees the events produced from now on. May be called before or after
     * {@link #start()}.
     *
     * @param listener the listener to register; called on the listener thread
     */
    public void addListener(RaftNodeListener listener) {
        nodeListeners.add(listener);
    }

    /**
     * Unregisters {@code listener}; true if it was registered. Events already queued may still reach it.
     *
     * @param listener the listener to remove
     * @return true if it was registered
     */
    public boolean removeListener(RaftNodeListener listener) {
        return nodeListeners.remove(listener);
    }

    /**
     * A snapshot of this node's counters and gauges, all labelled with the node id:
     * <ul>
     *   <li>gauges {@code sansraft_term}, {@code sansraft_role} (0 follower, 1 pre-candidate, 2 candidate,
     *   3 leader), {@code sansraft_is_leader}, {@code sansraft_leader_id}, {@code sansraft_commit_index},
     *   {@code sansraft_applied_index}, {@code sansraft_last_log_index}, {@code sansraft_inflight_requests};</li>
     *   <li>client counters {@code sansraft_proposals_total}, split into {@code sansraft_proposals_accepted_total}
     *   and {@code sansraft_proposals_rejected_total} (not leader, overloaded); each accepted proposal's outcome is
     *   counted once, in {@code sansraft_proposals_applied_total}, {@code sansraft_proposals_dropped_total}
     *   (certainly not applied) or {@code sansraft_proposals_unknown_total} (may or may not be applied: timed out,
     *   or covered by a snapshot), unless the node closed first; {@code sansraft_requests_timed_out_total} counts
     *   the timeouts of proposals and reads (a cause, not an outcome: a timed-out proposal is also one of the
     *   unknown); {@code sansraft_reads_total} (linearizable and lease), {@code sansraft_reads_rejected_total},
     *   {@code sansraft_stale_reads_total}; {@code sansraft_requests_overloaded_total} (refused at the door with
     *   {@link OverloadedException} because a {@link QueueLimits} queue was full; not counted in
     *   {@code sansraft_proposals_total});</li>
     *   <li>queues ({@link QueueLimits}): gauges {@code sansraft_pending_requests},
     *   {@code sansraft_pending_request_bytes}, {@code sansraft_queued_write_bytes},
     *   {@code sansraft_queued_apply_bytes}, {@code sansraft_queued_inbound_bytes}, and the counter
     *   {@code sansraft_inbound_payloads_shed_total} (append requests delivered without their entries, and snapshot
     *   chunks dropped, because the node was full);</li>
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
     *   snapshot stored or recovered), {@code sansraft_log_compactions_total} and
     *   {@code sansraft_log_resets_total}.</li>
     * </ul>
     *
     * @return the metrics as of this call
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
        QueueBudgets q = budgets;
        v.put("sansraft_pending_requests", (double) q.pendingRequests.entries());
        v.put("sansraft_pending_request_bytes", (double) q.pendingRequests.bytes());
        v.put("sansraft_queued_write_bytes", (double) q.queuedWrites.bytes());
        v.put("sansraft_queued_apply_bytes", (double) q.queuedApplies.bytes());
        v.put("sansraft_queued_inbound_bytes", (double) q.inboundPayloads.bytes());
        NodeCounters c = counters;
        v.put("sansraft_proposals_total", (double) c.proposals.get());
        v.put("sansraft_proposals_accepted_total", (double) c.proposalsAccepted.get());
        v.put("sansraft_proposals_rejected_total", (double) c.proposalsRejected.get());
        v.put("sansraft_proposals_applied_total", (double) c.proposalsApplied.get());
        v.put("sansraft_proposals_dropped_total", (double) c.proposalsDropped.get());
        v.put("sansraft_proposals_unknown_total", (double) c.proposalsUnknown.get());
        v.put("sansraft_requests_timed_out_total", (double) c.requestsTimedOut.get());
        v.put("sansraft_requests_overloaded_total", (double) c.requestsOverloaded.get());
        v.put("sansraft_inbound_payloads_shed_total", (double) c.inboundPayloadsShed.get());
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
        v.put("sansraft_snapshots_taken_total", (double) c.snapshotsTaken.get());
        v.put("sansraft_snapshots_received_total", (double) c.snapshotsReceived.get());
        v.put("sansraft_snapshots_installed_total", (double) c.snapshotsInstalled.get());
        v.put("sansraft_snapshot_bytes_written_total", (double) c.snapshotBytesWritten.get());
        v.put("sansraft_snapshot_bytes_sent_total", (double) c.snapshotBytesSent.get());
        v.put("sansraft_snapshot_bytes_received_total", (double) c.snapshotBytesReceived.get());
        v.put("sansraft_snapshot_last_index", (double) c.lastSnapshotIndex.get());
        v.put("sansraft_log_compactions_total", (double) c.logCompactions.get());
        v.put("sansraft_log_resets_total", (double) c.logResets.get());
        v.put("sansraft_listener_events_dropped_total", (double) c.listenerEventsDropped.get());
        return new NodeMetrics(id, v, c.histograms());
    }

    /**
     * Stops the node: the tick timer, the transport and the node's threads; fails every pending future; closes the
     * log and snapshot stores (an unfinished snapshot is discarded). A pending proposal the node had accepted into its
     * log fails with {@link OutcomeUnknownException} (it may already be replicated, and commit through the other
     * nodes); a proposal not yet handed to the consensus core and every pending read fail with
     * {@link NodeClosedException} (they certainly had no effect); an outcome already decided keeps its verdict.
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
        nodeListeners.close();
    }

    /**
     * Completes when the node has stopped: normally after {@link #close()}, exceptionally with the cause when a fatal
     * error (a storage failure, a broken invariant) stopped it. A process embedding the node can exit on the latter
     * so that a supervisor restarts it.
     *
     * @return the termination future; it never completes while the node runs
     */
    public CompletableFuture<Void> terminated() {
        return termination;
    }

    private synchronized void shutDown() {
        if (ticker != null) {
            ticker.cancel();
        }
        transport.close();
        loop.stop();
        storage.stop();
        applier.stop();
        snapshotWorker.stop();
        snapshotSender.stop();
        boolean loopDone = loop.awaitEnd();
        boolean storageDone = storage.awaitEnd();
        boolean applyDone = applier.awaitEnd();
        boolean snapshotDone = snapshotWorker.awaitEnd();
        boolean senderDone = snapshotSender.awaitEnd();
        if (ownScheduler != null) {
            ownScheduler.close();
        }
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
        nodeListeners.post(l -> l.onFailStop(cause));
        scheduler.runDetached(id, "failstop", this::close);
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
        private boolean nanoTimeSet;
        private NodeScheduler nodeScheduler;
        private ConsensusCore.Factory coreFactory = ConsensusCore.RAFT;
        private QueueLimits queueLimits = QueueLimits.forThisHeap();
        private final List<RaftNodeListener> nodeListeners = new ArrayList<>();
        private boolean snapshotStoreSet;
        private boolean volatileSnapshotsAllowed;

        private Builder() {
        }

        /**
         * This node's id; positive and one of the members. Required.
         *
         * @param id this node's id
         * @return this builder
         */
        public Builder id(long id) {
            this.id = id;
            return this;
        }

        /**
         * Every voting member's id, this node included; positive and distinct. This or {@link #membership} is
         * required. The members get no endpoints: the transport must know their addresses already.
         *
         * @param members the voters' ids
         * @return this builder
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
         *
         * @param membership the starting configuration; not null
         * @return this builder
         */
        public Builder membership(Membership membership) {
            this.membership = Objects.requireNonNull(membership, "membership");
            return this;
        }

        /**
         * Core tuning; default {@link RaftConfig#defaults()}. Timeouts in it are counted in ticks.
         *
         * @param config the core tuning
         * @return this builder
         */
        public Builder config(RaftConfig config) {
            this.config = config;
            return this;
        }

        /**
         * The durable log and hard state; the node closes it on {@link RaftNode#close()}. Required.
         *
         * @param logStore the log store, owned by the node from now on
         * @return this builder
         */
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
         *
         * @param snapshotStore the snapshot store, owned by the node from now on
         * @return this builder
         */
        public Builder snapshotStore(SnapshotStore snapshotStore) {
            this.snapshotStore = snapshotStore;
            this.snapshotStoreSet = true;
            return this;
        }

        /**
         * Accepts a snapshot store that does not survive restarts ({@link SnapshotStore#isDurable()} false, such as
         * the default {@link InMemorySnapshotStore}) next to a durable log store. Without this, {@link #build()}
         * refuses that pairing: after a compaction, such a node loses the snapshot that its log depends on in a
         * restart and refuses to start. For tests and for nodes that never restart from their log.
         *
         * @return this builder
         */
        public Builder allowVolatileSnapshots() {
            this.volatileSnapshotsAllowed = true;
            return this;
        }

        /**
         * The message transport; the node starts it and closes it. Required.
         *
         * @param transport the transport, owned by the node from now on
         * @return this builder
         */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /**
         * The replicated state machine; it must start empty (see {@link RaftNode}). Required.
         *
         * @param stateMachine the state machine, empty
         * @return this builder
         */
        public Builder stateMachine(StateMachine stateMachine) {
            this.stateMachine = stateMachine;
            return this;
        }

        /**
         * How long one core tick lasts; default 100 ms.
         *
         * @param tickInterval the wall-clock length of one tick; positive
         * @return this builder
         */
        public Builder tickInterval(Duration tickInterval) {
            this.tickInterval = tickInterval;
            return this;
        }

        /**
         * How long a proposal or read may wait for its outcome; default 5 s. A proposal then fails with
         * {@link OutcomeUnknownException}, a read with a {@link java.util.concurrent.TimeoutException}.
         *
         * @param requestTimeout the per-request deadline; positive
         * @return this builder
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Runs the tick timer on this scheduler instead of a thread of the node's own; the node cancels its task on
         * close but never shuts the scheduler down.
         *
         * @param scheduler the scheduler; the caller keeps owning it
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * The limits of the node's queues, in entries and bytes (see {@link QueueLimits}); default
         * {@link QueueLimits#forThisHeap()}, sized from {@link Runtime#maxMemory()}.
         *
         * @param queueLimits the queue bounds
         * @return this builder
         */
        public Builder queueLimits(QueueLimits queueLimits) {
            this.queueLimits = queueLimits;
            return this;
        }

        /**
         * The monotonic clock that request deadlines are measured with; default {@link System#nanoTime()}.
         *
         * @param nanoTime a monotonic clock in nanoseconds
         * @return this builder
         */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            this.nanoTimeSet = true;
            return this;
        }

        /**
         * Runs the node's stages, ticks and clock on this scheduler instead of threads of its own (see
         * {@link NodeScheduler}): a simulator passes one that runs every node on one deterministic thread with
         * virtual time. It replaces {@link #scheduler} and {@link #nanoTime}, which must then not be set. The node
         * never closes it.
         *
         * @param nodeScheduler the scheduler; the caller keeps owning it
         * @return this builder
         */
        public Builder nodeScheduler(NodeScheduler nodeScheduler) {
            this.nodeScheduler = nodeScheduler;
            return this;
        }

        /**
         * Adds a listener for role, leader, snapshot and fail-stop events, registered before the node starts so it
         * sees every event (see {@link RaftNodeListener} for the thread it runs on). May be called more than once.
         *
         * @param listener the listener; not null
         * @return this builder
         */
        public Builder listener(RaftNodeListener listener) {
            nodeListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Replaces the real core, for the runtime's own tests. */
        Builder coreFactory(ConsensusCore.Factory coreFactory) {
            this.coreFactory = coreFactory;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first missing or invalid setting
         *
         * @return the node, not yet started
         */
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
            boolean snapshotsDurable = snapshotStore != null && snapshotStore.isDurable();
            require(volatileSnapshotsAllowed || !logStore.isDurable() || snapshotsDurable, "the log store ("
                    + logStore.getClass().getSimpleName() + ") survives restarts but the snapshot store ("
                    + (snapshotStore == null ? "the default InMemorySnapshotStore" : snapshotStore.getClass()
                    .getSimpleName()) + ") does not: once the log is compacted, a restarted node finds no snapshot "
                    + "covering it and refuses to start. Pass a durable one, such as .snapshotStore("
                    + "FileSnapshotStore.open(dir)) from raft-storage-file, or call .allowVolatileSnapshots() if "
                    + "losing snapshots on restart is intended");
            require(transport != null, "transport is required");
            require(stateMachine != null, "stateMachine is required");
            require(tickInterval != null && !tickInterval.isNegative() && !tickInterval.isZero()
                    && tickInterval.toNanos() < Long.MAX_VALUE, "tickInterval must be positive, got " + tickInterval);
            require(requestTimeout != null && !requestTimeout.isNegative() && !requestTimeout.isZero(),
                    "requestTimeout must be positive, got " + requestTimeout);
            require(nanoTime != null, "nanoTime is required");
            require(queueLimits != null, "queueLimits is required");
            require(nodeScheduler == null || (scheduler == null && !nanoTimeSet),
                    "nodeScheduler brings its own ticks and clock; do not also set scheduler or nanoTime");
            return new RaftNode(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("RaftNode.Builder: " + message);
            }
        }
    }
}
