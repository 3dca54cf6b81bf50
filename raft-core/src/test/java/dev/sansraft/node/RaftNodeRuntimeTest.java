package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static dev.sansraft.node.CountingStateMachine.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime's own rules, against a scripted core. */
class RaftNodeRuntimeTest {

    private final List<RaftNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(RaftNode::close);
    }

    private RaftNode start(FakeCore core, LogStore store, Transport transport, StateMachine sm, AtomicLong clock) {
        RaftNode.Builder b = RaftNode.builder().id(1).members(List.of(1L)).logStore(store).transport(transport)
                .stateMachine(sm).tickInterval(Duration.ofMillis(5)).coreFactory(FakeCore.factory(core));
        if (clock != null) {
            b.nanoTime(clock::get);
        }
        RaftNode node = b.build();
        nodes.add(node);
        node.start();
        return node;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        Poll.until("future completes", f::isDone);
        try {
            f.get();
            throw new AssertionError("future succeeded: " + f.join());
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void proposalCompletesWithTheStateMachineResultAfterItIsWrittenAndApplied() throws Exception {
        InMemoryLogStore store = new InMemoryLogStore();
        CountingStateMachine sm = new CountingStateMachine();
        RaftNode node = start(new FakeCore(1), store, new RecordingTransport(), sm, null);

        byte[] result = node.propose(bytes("x=1")).get(10, TimeUnit.SECONDS);

        assertThat(string(result)).isEqualTo("applied:x=1");
        assertThat(store.lastIndex()).isEqualTo(1);
        assertThat(store.entry(1).payload()).isEqualTo(bytes("x=1"));
        assertThat(store.syncCount()).as("the write was synced before it was reported persisted").isEqualTo(1);
        Poll.until("status shows the applied index", () -> node.status().appliedIndex() == 1);
    }

    @Test
    void manyConcurrentProposalsApplyInOrderAndShareSyncs() {
        InMemoryLogStore store = new InMemoryLogStore();
        CountingStateMachine sm = new CountingStateMachine();
        RaftNode node = start(new FakeCore(1), store, new RecordingTransport(), sm, null);

        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            futures.add(node.propose(bytes("c" + i)));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).join();

        for (int i = 0; i < 2000; i++) {
            assertThat(string(futures.get(i).join())).isEqualTo("applied:c" + i);
        }
        Poll.until("every entry applied", () -> sm.size() == 2000);
        assertThat(sm.indexes).as("applied in index order").isSorted().hasSize(2000);
        assertThat(store.syncCount()).as("group commit: fewer syncs than entries").isLessThan(2000);
        NodeMetrics m = node.metrics();
        assertThat(m.get("sansraft_proposals_total")).isEqualTo(2000.0);
        assertThat(m.get("sansraft_storage_entries_written_total")).isEqualTo(2000.0);
        assertThat(m.get("sansraft_storage_syncs_total")).isEqualTo((double) store.syncCount());
    }

    @Test
    void persistedIsReportedOnlyForEntriesAlreadySynced() {
        AtomicLong syncedUpTo = new AtomicLong();
        List<String> violations = new CopyOnWriteArrayList<>();
        InMemoryLogStore delegate = new InMemoryLogStore();
        LogStore store = new ForwardingLogStore(delegate) {
            @Override
            public void sync() {
                delegate.sync();
                syncedUpTo.set(delegate.lastIndex());
            }
        };
        FakeCore core = new FakeCore(1) {
            @Override
            List<Action> step(Event event) {
                if (event instanceof Event.Persisted && ((Event.Persisted) event).index() > syncedUpTo.get()) {
                    violations.add(event + " before sync covered it (synced " + syncedUpTo.get() + ")");
                }
                return super.step(event);
            }
        };
        RaftNode node = start(core, store, new RecordingTransport(), new CountingStateMachine(), null);
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            futures.add(node.propose(bytes("p" + i)));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).join();

        assertThat(violations).isEmpty();
        assertThat(core.persistedSeen).isNotEmpty();
    }

    @Test
    void aFailedSyncStopsTheNodeAndCompletesTerminatedWithTheCause() {
        InMemoryLogStore delegate = new InMemoryLogStore();
        IOException diskGone = new IOException("disk gone");
        LogStore store = new ForwardingLogStore(delegate) {
            @Override
            public void sync() throws IOException {
                throw diskGone;
            }
        };
        RaftNode node = start(new FakeCore(1), store, new RecordingTransport(), new CountingStateMachine(), null);

        Throwable proposal = failure(node.propose(bytes("x")));
        Throwable stopped = failure(node.terminated());

        assertThat(proposal).as("the write was never acknowledged").isInstanceOf(NodeClosedException.class);
        Throwable root = stopped;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertThat(root).as("terminated() reports the fatal cause: " + stopped).isSameAs(diskGone);
    }

    @Test
    void closeCompletesTerminatedNormally() throws Exception {
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(),
                new CountingStateMachine(), null);
        assertThat(node.terminated()).isNotDone();
        node.close();
        assertThat(node.terminated().get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void sendAfterHardStateWaitsUntilTheSaveReturns() throws Exception {
        CountDownLatch saveMayReturn = new CountDownLatch(1);
        CountDownLatch saveStarted = new CountDownLatch(1);
        InMemoryLogStore delegate = new InMemoryLogStore();
        LogStore store = new ForwardingLogStore(delegate) {
            @Override
            public void saveHardState(HardState state) {
                saveStarted.countDown();
                try {
                    saveMayReturn.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                delegate.saveHardState(state);
            }
        };
        RecordingTransport transport = new RecordingTransport();
        FakeCore core = new FakeCore(1);
        Message vote = new Message.VoteRequest(1, 2, 5, 0, 0, false);
        Message later = new Message.VoteRequest(1, 3, 5, 0, 0, false);
        core.onNextTick.add(List.of(new Action.PersistHardState(new HardState(5, 1)), new Action.Send(vote)));
        core.onNextTick.add(List.of(new Action.Send(later)));
        RaftNode node = start(core, store, transport, new CountingStateMachine(), null);

        assertThat(saveStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Poll.until("the later tick was stepped", () -> core.onNextTick.isEmpty());
        // Step a few more ticks: nothing may leave while the save is in progress.
        long batches = node.metrics().get("sansraft_event_loop_batches_total") == 0 ? 0 : 1;
        Poll.until("more ticks pass", () -> node.metrics().get("sansraft_event_loop_batches_total") > batches + 3);
        assertThat(transport.sent).as("sends wait for the hard state before them").isEmpty();

        saveMayReturn.countDown();
        Poll.until("both sends go out", () -> transport.sent.size() == 2);
        assertThat(transport.sent).as("in emission order").containsExactly(vote, later);
        assertThat(delegate.loadHardState()).isEqualTo(new HardState(5, 1));
    }

    @Test
    void sendsWithoutAPrecedingHardStateGoStraightOut() {
        RecordingTransport transport = new RecordingTransport();
        FakeCore core = new FakeCore(1);
        Message m = new Message.AppendRequest(1, 2, 3, 0, 0, List.of(), 0, 1);
        core.onNextTick.add(List.of(new Action.Send(m)));
        RaftNode node = start(core, new InMemoryLogStore(), transport, new CountingStateMachine(), null);

        Poll.until("the send goes out", () -> transport.sent.contains(m));
        assertThat(node.metrics().get("sansraft_messages_sent_total")).isEqualTo(1.0);
        assertThat(node.metrics().get("sansraft_hard_state_saves_total")).isEqualTo(0.0);
    }

    @Test
    void followerRejectsWithTheLeaderHint() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.FOLLOWER;
        core.leaderHint = 3;
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);

        Throwable propose = failure(node.propose(bytes("x")));
        Throwable read = failure(node.query(bytes("q"), ReadConsistency.LINEARIZABLE));

        assertThat(propose).isInstanceOf(NotLeaderException.class);
        assertThat(((NotLeaderException) propose).leaderHint()).isEqualTo(3);
        assertThat(read).isInstanceOf(NotLeaderException.class);
        assertThat(((NotLeaderException) read).leaderHint()).isEqualTo(3);
    }

    @Test
    void overloadedLeaderRejectsWithOverloaded() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.OVERLOADED;
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);

        assertThat(failure(node.propose(bytes("x")))).isInstanceOf(OverloadedException.class);
        assertThat(node.metrics().get("sansraft_proposals_rejected_total")).isEqualTo(1.0);
    }

    /** A node on the deterministic scheduler: nothing runs until the test runs it, and time is virtual. */
    private RaftNode startManual(FakeCore core, StateMachine sm, ManualScheduler scheduler) {
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L)).logStore(new InMemoryLogStore())
                .transport(new RecordingTransport()).stateMachine(sm).tickInterval(Duration.ofMillis(5))
                .requestTimeout(Duration.ofSeconds(5)).coreFactory(FakeCore.factory(core)).nodeScheduler(scheduler)
                .build();
        nodes.add(node);
        node.start();
        return node;
    }

    private static Throwable failureNow(CompletableFuture<?> f) {
        assertThat(f).as("completed").isDone();
        return failure(f);
    }

    @Test
    void proposalThatIsNeverCommittedTimesOut() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ManualScheduler scheduler = new ManualScheduler();
        RaftNode node = startManual(core, new CountingStateMachine(), scheduler);
        CompletableFuture<byte[]> f = node.propose(bytes("x"));
        scheduler.runUntilIdle();
        assertThat(node.metrics().get("sansraft_proposals_accepted_total")).isEqualTo(1.0);

        scheduler.advance(Duration.ofMillis(4_990));
        assertThat(f).as("not yet at its deadline").isNotDone();
        scheduler.advance(Duration.ofMillis(20));

        assertThat(failureNow(f)).as("accepted, so it may still commit: unknown, not dropped")
                .isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("index 1")
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(node.metrics().get("sansraft_requests_timed_out_total")).isEqualTo(1.0);
        assertThat(node.metrics().get("sansraft_proposals_unknown_total")).isEqualTo(1.0);
        assertThat(node.metrics().get("sansraft_proposals_dropped_total")).isZero();
        assertThat(node.metrics().get("sansraft_inflight_requests")).isEqualTo(0.0);
    }

    /**
     * A lease is measured in ticks, so the core must have counted every tick the clock owes when a read reaches it:
     * a read queued behind late ticks (a stalled timer, a paused process) would otherwise be answered from a lease
     * that ran out meanwhile.
     */
    @Test
    void aReadIsSteppedAfterEveryTickTheClockOwesEvenIfTheTimerIsLate() {
        AtomicLong ticks = new AtomicLong();
        AtomicLong ticksAtRead = new AtomicLong(-1);
        FakeCore core = new FakeCore(1) {
            @Override
            List<Action> step(Event event) {
                if (event instanceof Event.Tick) {
                    ticks.incrementAndGet();
                } else if (event instanceof Event.ReadIndex) {
                    ticksAtRead.set(ticks.get());
                }
                return super.step(event);
            }
        };
        ManualScheduler scheduler = new ManualScheduler();
        RaftNode node = startManual(core, new CountingStateMachine(), scheduler);
        scheduler.advance(Duration.ofMillis(50));
        assertThat(ticks.get()).as("ticks of 5 ms in 50 ms").isEqualTo(10);

        scheduler.moveClockWithoutTicks(Duration.ofMillis(100));
        CompletableFuture<byte[]> read = node.query(bytes("count"), ReadConsistency.LEASE);
        scheduler.runUntilIdle();

        assertThat(ticksAtRead.get()).as("ticks the core had counted when the read reached it").isEqualTo(30);
        assertThat(read).isDone();
        assertThat(ticks.get()).as("no tick counted twice once the late timer fires").isEqualTo(30);
        scheduler.advance(Duration.ofMillis(5));
        assertThat(ticks.get()).isEqualTo(31);
    }

    @Test
    void droppedProposalFailsWithProposalDropped() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);
        CompletableFuture<byte[]> f = node.propose(bytes("x"));
        Poll.until("accepted", () -> node.metrics().get("sansraft_proposals_accepted_total") == 1.0);

        core.onNextTick.add(List.of(new Action.ProposalDropped(1, 1, 3)));

        assertThat(failure(f)).isInstanceOf(ProposalDroppedException.class);
        // Counted by the thread that completed the future, just after it did.
        Poll.until("the drop counted", () -> node.metrics().get("sansraft_proposals_dropped_total") == 1.0);
        assertThat(node.metrics().get("sansraft_proposals_unknown_total")).isZero();
    }

    @Test
    void aProposalWhoseIndexIsRetakenInALaterTermWaitsForWhatCommitsThere() throws Exception {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        CountingStateMachine sm = new CountingStateMachine();
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), sm, null);
        CompletableFuture<byte[]> old = node.propose(bytes("old"));
        Poll.until("accepted in term 3", () -> node.metrics().get("sansraft_proposals_accepted_total") == 1.0);
        core.loseEntriesAndBecomeLeaderOf(4);
        Poll.until("leading in term 4", () -> core.term() == 4);

        CompletableFuture<byte[]> retaken = node.propose(bytes("new"));
        Poll.until("accepted at index 1 again", () -> node.metrics().get("sansraft_proposals_accepted_total") == 2.0);
        assertThat(old).as("another node may still hold (1, 3) and commit it: not given up").isNotDone();

        core.onNextTick.add(List.of(new Action.Apply(List.of(LogEntry.normal(1, 3, bytes("old"))))));

        assertThat(string(old.get(10, TimeUnit.SECONDS))).as("the old entry committed after all")
                .isEqualTo("applied:old");
        assertThat(failure(retaken)).isInstanceOf(ProposalDroppedException.class).hasMessageContaining("term 4");
        Poll.until("both outcomes counted", () -> node.metrics().get("sansraft_proposals_applied_total") == 1.0
                && node.metrics().get("sansraft_proposals_dropped_total") == 1.0);
        assertThat(node.metrics().get("sansraft_proposals_unknown_total")).isZero();
    }

    @Test
    void entryOfAnotherTermAtTheProposalsIndexFailsItAsDropped() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        CountingStateMachine sm = new CountingStateMachine();
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), sm, null);
        CompletableFuture<byte[]> f = node.propose(bytes("mine"));
        Poll.until("accepted", () -> node.metrics().get("sansraft_proposals_accepted_total") == 1.0);

        core.onNextTick.add(List.of(new Action.Apply(List.of(LogEntry.normal(1, 4, bytes("theirs"))))));

        assertThat(failure(f)).isInstanceOf(ProposalDroppedException.class).hasMessageContaining("term 4");
        Poll.until("a drop found at apply time counts",
                () -> node.metrics().get("sansraft_proposals_dropped_total") == 1.0);
        Poll.until("the other entry is applied", () -> sm.size() == 1);
        assertThat(sm.applied).containsExactly("theirs");
    }

    @Test
    void aCommandTheStateMachineRejectsFailsOnlyItsOwnFuture() {
        CountingStateMachine sm = new CountingStateMachine();
        ManualScheduler scheduler = new ManualScheduler();
        RaftNode node = startManual(new FakeCore(1), sm, scheduler);

        CompletableFuture<byte[]> bad = node.propose(bytes("boom"));
        CompletableFuture<byte[]> good = node.propose(bytes("fine"));
        scheduler.runUntilIdle();

        assertThat(failureNow(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("boom");
        assertThat(good).as("the next command is applied").isDone();
        assertThat(string(good.join())).isEqualTo("applied:fine");
        assertThat(node.metrics().get("sansraft_apply_errors_total")).isEqualTo(1.0);
        assertThat(node.status().appliedIndex()).as("the failed entry still counts as applied").isEqualTo(2);
    }

    @Test
    void linearizableReadSeesEveryWriteBeforeIt() throws Exception {
        CountingStateMachine sm = new CountingStateMachine();
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(), sm, null);
        for (int i = 0; i < 50; i++) {
            node.propose(bytes("w" + i));
        }
        CompletableFuture<byte[]> read = node.query(bytes("count"), ReadConsistency.LINEARIZABLE);
        CompletableFuture<byte[]> lease = node.query(bytes("count"), ReadConsistency.LEASE);

        assertThat(string(read.get(10, TimeUnit.SECONDS))).isEqualTo("50");
        assertThat(string(lease.get(10, TimeUnit.SECONDS))).isEqualTo("50");
        assertThat(node.metrics().get("sansraft_reads_total")).isEqualTo(2.0);
    }

    @Test
    void staleReadIsServedEvenByAFollower() throws Exception {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.FOLLOWER;
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);

        assertThat(string(node.query(bytes("count"), ReadConsistency.STALE).get(10, TimeUnit.SECONDS)))
                .isEqualTo("0");
        assertThat(node.metrics().get("sansraft_stale_reads_total")).isEqualTo(1.0);
    }

    @Test
    void queryOnAStateMachineWithoutQueriesFailsTheFuture() {
        StateMachine noQueries = entry -> new byte[0];
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(), noQueries, null);

        assertThat(failure(node.query(bytes("q"), ReadConsistency.STALE)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void closeFailsEveryPendingFutureAndLaterCallsFailAtOnce() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RecordingTransport transport = new RecordingTransport();
        RaftNode node = start(core, new InMemoryLogStore(), transport, new CountingStateMachine(), null);
        List<CompletableFuture<byte[]>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pending.add(node.propose(bytes("x" + i)));
        }

        node.close();

        for (CompletableFuture<byte[]> f : pending) {
            assertThat(f).isDone();
            assertThat(failure(f)).isInstanceOf(NodeClosedException.class);
        }
        assertThat(failure(node.propose(bytes("late")))).isInstanceOf(NodeClosedException.class);
        assertThat(failure(node.query(bytes("late"), ReadConsistency.LINEARIZABLE)))
                .isInstanceOf(NodeClosedException.class);
        assertThat(transport.closed).isTrue();
        node.close(); // idempotent
    }

    @Test
    void proposalsRacingWithCloseNeverHang() throws Exception {
        FakeCore core = new FakeCore(1);
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);
        List<CompletableFuture<byte[]>> futures = new CopyOnWriteArrayList<>();
        Thread proposer = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                futures.add(node.propose(bytes("r" + i)));
            }
        });
        proposer.start();
        Poll.until("some proposals issued", () -> futures.size() > 100);
        node.close();
        proposer.join();

        for (CompletableFuture<byte[]> f : futures) {
            assertThat(f).as("every future is completed once close() and propose() returned").isDone();
        }
    }

    @Test
    void closeCalledFromACallbackOnTheApplyThreadStillFailsEverythingElse() {
        FakeCore core = new FakeCore(1);
        RaftNode node = start(core, new InMemoryLogStore(), new RecordingTransport(), new CountingStateMachine(),
                null);
        node.propose(bytes("first")).join();
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        List<CompletableFuture<byte[]>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pending.add(node.propose(bytes("p" + i)));
        }
        CompletableFuture<byte[]> stale = node.query(bytes("count"), ReadConsistency.STALE);

        stale.thenRun(node::close);

        for (CompletableFuture<byte[]> f : pending) {
            assertThat(failure(f)).isInstanceOf(NodeClosedException.class);
        }
    }

    @Test
    void storageFailureStopsTheNodeAndFailsItsRequests() {
        LogStore failing = new ForwardingLogStore(new InMemoryLogStore()) {
            @Override
            public void sync() throws IOException {
                throw new IOException("disk on fire");
            }
        };
        FakeCore core = new FakeCore(1);
        RaftNode node = start(core, failing, new RecordingTransport(), new CountingStateMachine(), null);

        Throwable t = failure(node.propose(bytes("x")));

        assertThat(t).isInstanceOf(NodeClosedException.class);
        assertThat(t.getCause()).isInstanceOf(StorageException.class);
        assertThat(t.getCause().getCause()).hasMessage("disk on fire");
        assertThat(core.persistedSeen).as("nothing is reported persisted after a failed sync").isEmpty();
        assertThat(failure(node.propose(bytes("y")))).isInstanceOf(NodeClosedException.class);
    }

    @Test
    void leaderChangesReachTheListener() {
        FakeCore core = new FakeCore(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L)).logStore(new InMemoryLogStore())
                .transport(new RecordingTransport()).stateMachine(new CountingStateMachine())
                .tickInterval(Duration.ofMillis(5)).coreFactory(FakeCore.factory(core)).build();
        nodes.add(node);
        node.addLeaderChangeListener((leader, term) -> seen.add(leader + "@" + term));
        core.onNextTick.add(List.of(new Action.RoleChanged(Role.CANDIDATE, 2, 0),
                new Action.RoleChanged(Role.FOLLOWER, 3, 0), new Action.RoleChanged(Role.FOLLOWER, 3, 2)));
        core.onNextTick.add(List.of(new Action.RoleChanged(Role.FOLLOWER, 4, 0),
                new Action.RoleChanged(Role.LEADER, 4, 1)));
        node.start();

        Poll.until("listener saw the leaders", () -> seen.size() >= 3);
        assertThat(seen).as("a new leader, or losing it; not every term a candidate tries")
                .containsExactly("2@3", "0@4", "1@4");
        assertThat(node.metrics().get("sansraft_leader_changes_total")).isEqualTo(2.0);
        assertThat(node.metrics().get("sansraft_role_changes_total")).isEqualTo(5.0);
    }

    @Test
    void inboundMessagesReachTheCoreOnlyWhenAddressedToThisNode() {
        List<Event> received = new CopyOnWriteArrayList<>();
        FakeCore core = new FakeCore(1) {
            @Override
            List<Action> step(Event event) {
                if (event instanceof Event.Receive) {
                    received.add(event);
                }
                return super.step(event);
            }
        };
        RecordingTransport transport = new RecordingTransport();
        RaftNode node = start(core, new InMemoryLogStore(), transport, new CountingStateMachine(), null);
        Message mine = new Message.VoteResponse(2, 1, 3, true, false);
        Message other = new Message.VoteResponse(2, 9, 3, true, false);

        transport.inbound.accept(other);
        transport.inbound.accept(mine);

        Poll.until("the message is stepped", () -> received.size() == 1);
        assertThat(received).containsExactly(new Event.Receive(mine));
        assertThat(node.metrics().get("sansraft_messages_received_total")).isEqualTo(1.0);
    }

    @Test
    void aTransportThatFailsToStartLeavesTheNodeClosed() {
        RecordingTransport broken = new RecordingTransport() {
            @Override
            public void start(java.util.function.Consumer<Message> inbound) {
                throw new IllegalStateException("port 9001 in use");
            }
        };
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L)).logStore(new InMemoryLogStore())
                .transport(broken).stateMachine(new CountingStateMachine()).coreFactory(FakeCore.factory(new FakeCore(1)))
                .build();

        assertThatThrownBy(node::start).hasMessage("port 9001 in use");
        assertThat(failure(node.propose(bytes("x")))).isInstanceOf(NodeClosedException.class)
                .hasRootCauseMessage("port 9001 in use");
        assertThat(broken.closed).isTrue();
    }

    @Test
    void startTwiceIsRefused() {
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(),
                new CountingStateMachine(), null);

        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
    }

    @Test
    void metricsRenderAsPrometheusText() {
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(),
                new CountingStateMachine(), null);
        node.propose(bytes("x")).join();

        String text = node.metrics().toPrometheus();

        assertThat(text).contains("# TYPE sansraft_proposals_total counter\nsansraft_proposals_total{node=\"1\"} 1\n");
        assertThat(text).contains("# TYPE sansraft_term gauge\nsansraft_term{node=\"1\"} 3\n");
        assertThat(text).contains("sansraft_storage_sync_seconds_total{node=\"1\"} ");
        assertThat(text).contains("# HELP sansraft_proposals_total ");
    }

    @Test
    void latencyHistogramsCountEachProposalReadAndSync() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), new RecordingTransport(),
                new CountingStateMachine(), clock);
        node.propose(bytes("x")).get(10, TimeUnit.SECONDS);
        node.query(bytes("count"), ReadConsistency.LINEARIZABLE).get(10, TimeUnit.SECONDS);

        NodeMetrics m = node.metrics();

        assertThat(m.histogram("sansraft_propose_to_commit_seconds").count()).isEqualTo(1);
        assertThat(m.histogram("sansraft_commit_to_apply_seconds").count()).isEqualTo(1);
        assertThat(m.histogram("sansraft_read_index_round_seconds").count()).isEqualTo(1);
        assertThat(m.histogram("sansraft_storage_sync_duration_seconds").count()).isEqualTo(1);
        assertThat(m.histogram("sansraft_storage_sync_batch_entries").sum()).as("one entry made durable")
                .isEqualTo(1.0);
        assertThat(m.toPrometheus()).contains("# TYPE sansraft_propose_to_commit_seconds histogram\n")
                .contains("sansraft_propose_to_commit_seconds_bucket{node=\"1\",le=\"5.0E-5\"} 1\n");
    }
}
