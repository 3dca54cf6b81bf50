package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.SnapshotInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static dev.sansraft.node.CountingStateMachine.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the runtime carries out the snapshot actions (action contract items 6-8), against a scripted core. */
class RaftNodeSnapshotTest {

    private static final List<Long> MEMBERS = List.of(1L);

    private final List<RaftNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(RaftNode::close);
    }

    private RaftNode start(FakeCore core, LogStore log, SnapshotStore snapshots, Transport transport,
                           StateMachine sm) {
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(log).snapshotStore(snapshots)
                .transport(transport).stateMachine(sm).tickInterval(Duration.ofMillis(5))
                .coreFactory(FakeCore.factory(core)).build();
        nodes.add(node);
        node.start();
        return node;
    }

    /** Queues {@code actions} for the next tick and waits until the core has emitted them. */
    private static void script(FakeCore core, Action... actions) {
        core.onNextTick.add(List.of(actions));
        Poll.until("the scripted actions were stepped", core.onNextTick::isEmpty);
    }

    private static LogEntry entry(long index, String payload) {
        return LogEntry.normal(index, 3, bytes(payload));
    }

    private static Action.Apply apply(long from, String... payloads) {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < payloads.length; i++) {
            entries.add(entry(from + i, payloads[i]));
        }
        return new Action.Apply(entries);
    }

    private static SnapshotInfo info(long index, long term, byte[] payload) {
        return new SnapshotInfo(index, term, MEMBERS, payload.length, ListMachine.crc(payload));
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

    // ---- TakeSnapshot ----

    @ParameterizedTest
    @EnumSource(value = ListMachine.Snapshots.class, names = {"CAPTURE", "WRITE"})
    void takeSnapshotStoresExactlyTheStateAfterTheApplyBeforeIt(ListMachine.Snapshots mode) throws IOException {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        ListMachine sm = new ListMachine(mode);
        RaftNode node = start(core, new InMemoryLogStore(), store, new RecordingTransport(), sm);

        script(core, apply(1, "a", "b", "c"), new Action.TakeSnapshot(3, 3, MEMBERS), apply(4, "d", "e"));

        Poll.until("the snapshot is reported to the core", () -> !core.snapshotsSaved.isEmpty());
        byte[] payload = store.read(3);
        assertThat(ListMachine.decode(payload)).as("state after index 3, not after the applies that followed")
                .containsExactly("a", "b", "c");
        assertThat(core.snapshotsSaved).containsExactly(info(3, 3, payload));
        Poll.until("applying went on", () -> sm.state().size() == 5);
        NodeMetrics m = node.metrics();
        assertThat(m.get("sansraft_snapshots_taken_total")).isEqualTo(1.0);
        assertThat(m.get("sansraft_snapshot_last_index")).isEqualTo(3.0);
        assertThat(m.get("sansraft_snapshot_bytes_written_total")).isEqualTo((double) payload.length);
    }

    @Test
    void aStateMachineWithoutSnapshotsIsNeverReportedAndTheNodeGoesOn() throws Exception {
        FakeCore core = new FakeCore(1);
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        ListMachine sm = new ListMachine(ListMachine.Snapshots.NONE);
        RaftNode node = start(core, new InMemoryLogStore(), store, new RecordingTransport(), sm);
        assertThat(string(node.propose(bytes("a")).get())).isEqualTo("applied:a");

        script(core, new Action.TakeSnapshot(1, 3, MEMBERS));
        script(core, new Action.TakeSnapshot(1, 3, MEMBERS));

        assertThat(string(node.propose(bytes("b")).get())).as("the node still applies").isEqualTo("applied:b");
        assertThat(store.list()).isEmpty();
        assertThat(core.snapshotsSaved).isEmpty();
        assertThat(node.terminated()).isNotDone();
        assertThat(node.metrics().get("sansraft_snapshots_taken_total")).isZero();
    }

    @Test
    void takeSnapshotIsSkippedWhenTheStoreAlreadyHoldsANewerOne() throws Exception {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);
        RecordingTransport transport = new RecordingTransport();
        RaftNode node = start(core, new InMemoryLogStore(), store, transport, sm);
        byte[] newer = ListMachine.encode(List.of("x"));
        SnapshotInfo received = info(10, 3, newer);
        script(core, new Action.WriteSnapshotChunk(received, 0, newer, reply(10, newer.length)));
        Poll.until("the received snapshot is reported", () -> core.snapshotsSaved.size() == 1);

        script(core, apply(1, "a"), new Action.TakeSnapshot(1, 3, MEMBERS), apply(2, "b"));
        Poll.until("applying went on", () -> sm.state().size() == 2);
        // The capture is queued on the snapshot thread; a chunk queued behind it shows when it has been handled.
        byte[] barrier = ListMachine.encode(List.of("barrier"));
        script(core, new Action.WriteSnapshotChunk(info(11, 3, barrier), 0, Arrays.copyOf(barrier, 1), reply(11, 1)));
        Poll.until("the chunk behind the capture is answered", () -> transport.sent.size() == 2);

        assertThat(core.snapshotsSaved).as("only the received snapshot").containsExactly(received);
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(10L);
        assertThat(node.terminated()).isNotDone();
    }

    private static Message.InstallSnapshotResponse reply(long snapshotIndex, long nextOffset) {
        return new Message.InstallSnapshotResponse(1, 2, 3, snapshotIndex, nextOffset, true, false);
    }

    // ---- CompactLog and ResetLog ----

    @Test
    void compactionAndResetAreLogWritesInOrderWithTheOthers() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        InMemoryLogStore delegate = new InMemoryLogStore();
        List<String> ops = new CopyOnWriteArrayList<>();
        LogStore log = new ForwardingLogStore(delegate) {
            @Override
            public void append(List<LogEntry> entries) throws IOException {
                ops.add("append " + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index()
                        + " on " + Thread.currentThread().getName());
                super.append(entries);
            }

            @Override
            public void compactPrefix(long upToIndex) throws IOException {
                ops.add("compact " + upToIndex + " on " + Thread.currentThread().getName());
                super.compactPrefix(upToIndex);
            }

            @Override
            public void resetTo(long index, long term) throws IOException {
                ops.add("reset " + index + "@" + term + " on " + Thread.currentThread().getName());
                super.resetTo(index, term);
            }
        };
        start(core, log, new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));

        script(core, new Action.AppendLog(List.of(entry(1, "a"), entry(2, "b"), entry(3, "c")), 3),
                new Action.CompactLog(2),
                new Action.ResetLog(10, 3),
                new Action.AppendLog(List.of(entry(11, "k")), 3));
        Poll.until("the last append is reported persisted", () -> !core.persistedSeen.isEmpty());

        String storage = " on sansraft-1-storage";
        assertThat(ops).containsExactly("append 1..3" + storage, "compact 2" + storage, "reset 10@3" + storage,
                "append 11..11" + storage);
        assertThat(delegate.firstIndex()).isEqualTo(11);
        assertThat(delegate.lastIndex()).isEqualTo(11);
        assertThat(delegate.term(10)).isEqualTo(3);
        assertThat(core.persistedSeen).as("only the append after the reset is reported")
                .containsExactly(new Event.Persisted(11, 3, 3));
    }

    @Test
    void aResetAloneIsSyncedWithoutReportingAnEarlierAppend() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        InMemoryLogStore log = new InMemoryLogStore();
        RaftNode node = start(core, log, new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));

        script(core, new Action.AppendLog(List.of(entry(1, "a")), 3), new Action.ResetLog(5, 3));
        Poll.until("the reset is done", () -> node.metrics().get("sansraft_log_resets_total") == 1.0);
        Poll.until("and synced", () -> log.syncCount() >= 1);

        assertThat(log.firstIndex()).isEqualTo(6);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(core.persistedSeen).as("the append before the reset is gone; nothing to report").isEmpty();
    }

    // ---- SendSnapshotChunk ----

    @Test
    void sendSnapshotChunkReadsTheRangeOffTheEventLoopAndSendsIt() throws IOException {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        List<String> senders = new CopyOnWriteArrayList<>();
        RecordingTransport transport = new RecordingTransport() {
            @Override
            public void send(Message message) {
                senders.add(Thread.currentThread().getName());
                super.send(message);
            }
        };
        RaftNode node = start(core, new InMemoryLogStore(), store, transport,
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        byte[] payload = ListMachine.encode(List.of("alpha", "beta", "gamma"));
        store.put(7, 2, MEMBERS, payload);
        SnapshotInfo info = info(7, 2, payload);

        script(core, new Action.SendSnapshotChunk(2, 3, info, 0, 5),
                new Action.SendSnapshotChunk(2, 3, info, 5, payload.length - 5),
                new Action.SendSnapshotChunk(3, 3, info(99, 2, payload), 0, 5));
        Poll.until("both chunks are sent", () -> transport.sent.size() == 2);

        Message.InstallSnapshot first = (Message.InstallSnapshot) transport.sent.get(0);
        Message.InstallSnapshot last = (Message.InstallSnapshot) transport.sent.get(1);
        assertThat(first.to()).isEqualTo(2);
        assertThat(first.from()).isEqualTo(1);
        assertThat(first.term()).isEqualTo(3);
        assertThat(first.snapshot()).isEqualTo(info);
        assertThat(first.offset()).isZero();
        assertThat(first.data()).isEqualTo(Arrays.copyOfRange(payload, 0, 5));
        assertThat(last.offset()).isEqualTo(5);
        assertThat(last.data()).isEqualTo(Arrays.copyOfRange(payload, 5, payload.length));
        assertThat(last.isLast()).isTrue();
        assertThat(senders).containsOnly("sansraft-1-snapshot-sender");
        assertThat(node.metrics().get("sansraft_snapshot_bytes_sent_total")).isEqualTo((double) payload.length);

        // The chunk of a snapshot the store does not hold was dropped, and the node goes on.
        script(core, new Action.SendSnapshotChunk(2, 3, info, 0, 1));
        Poll.until("a later chunk is still sent", () -> transport.sent.size() == 3);
        assertThat(transport.sent).allSatisfy(m -> assertThat(m.to()).isEqualTo(2));
        assertThat(node.terminated()).isNotDone();
    }

    // ---- WriteSnapshotChunk ----

    @Test
    void eachChunkIsWrittenBeforeItsReplyAndTheLastIsCommittedAndReported() throws IOException {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        List<String> order = new CopyOnWriteArrayList<>();
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore()) {
            @Override
            public SnapshotWriter begin(long index, long term, List<Long> members) throws IOException {
                order.add("begin " + index);
                return new RecordingWriter(super.begin(index, term, members), order);
            }
        };
        RecordingTransport transport = new RecordingTransport() {
            @Override
            public void send(Message message) {
                order.add("send " + ((Message.InstallSnapshotResponse) message).nextOffset());
                super.send(message);
            }
        };
        RaftNode node = start(core, new InMemoryLogStore(), store, transport,
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        byte[] payload = ListMachine.encode(List.of("one", "two", "three"));
        SnapshotInfo info = info(12, 3, payload);
        int cut = 6;

        script(core, new Action.WriteSnapshotChunk(info, 0, Arrays.copyOfRange(payload, 0, cut), reply(12, cut)),
                new Action.WriteSnapshotChunk(info, cut, Arrays.copyOfRange(payload, cut, payload.length),
                        reply(12, payload.length)));
        Poll.until("the snapshot is reported", () -> !core.snapshotsSaved.isEmpty());
        Poll.until("both replies are sent", () -> transport.sent.size() == 2);

        assertThat(order).containsExactly("begin 12", "write " + cut, "send " + cut,
                "write " + (payload.length - cut), "commit", "send " + payload.length);
        assertThat(core.snapshotsSaved).containsExactly(info);
        assertThat(store.read(12)).isEqualTo(payload);
        NodeMetrics m = node.metrics();
        assertThat(m.get("sansraft_snapshot_bytes_received_total")).isEqualTo((double) payload.length);
        assertThat(m.get("sansraft_snapshots_received_total")).isEqualTo(1.0);
        assertThat(m.get("sansraft_snapshot_last_index")).isEqualTo(12.0);
    }

    @Test
    void offsetZeroAbandonsAnUnfinishedSnapshotAndAStrayChunkGetsNoReply() throws IOException {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        RecordingTransport transport = new RecordingTransport();
        RaftNode node = start(core, new InMemoryLogStore(), store, transport,
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        byte[] first = ListMachine.encode(List.of("old", "state"));
        byte[] second = ListMachine.encode(List.of("new"));
        SnapshotInfo firstInfo = info(20, 3, first);
        SnapshotInfo secondInfo = info(30, 4, second);

        script(core, new Action.WriteSnapshotChunk(firstInfo, 0, Arrays.copyOfRange(first, 0, 4), reply(20, 4)),
                new Action.WriteSnapshotChunk(secondInfo, 0, second, reply(30, second.length)),
                new Action.WriteSnapshotChunk(firstInfo, 4, Arrays.copyOfRange(first, 4, first.length),
                        reply(20, first.length)));
        Poll.until("the second snapshot is reported", () -> !core.snapshotsSaved.isEmpty());
        // One more chunk through the same thread, so that the stray one before it has surely been handled.
        script(core, new Action.WriteSnapshotChunk(firstInfo, 7, new byte[] {1}, reply(20, 8)));
        script(core, new Action.WriteSnapshotChunk(info(40, 4, first), 0, new byte[] {first[0]}, reply(40, 1)));
        Poll.until("the last chunk's reply", () -> transport.sent.size() == 3);

        assertThat(transport.sent).extracting(m -> ((Message.InstallSnapshotResponse) m).nextOffset())
                .as("no reply for the chunks of the abandoned snapshot")
                .containsExactly(4L, (long) second.length, 1L);
        assertThat(core.snapshotsSaved).containsExactly(secondInfo);
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(30L);
        assertThat(node.terminated()).isNotDone();
    }

    @Test
    void chunkWritesAndSendsAfterAHardStateSaveWaitForIt() throws Exception {
        CountDownLatch saveMayReturn = new CountDownLatch(1);
        CountDownLatch saveStarted = new CountDownLatch(1);
        InMemoryLogStore delegate = new InMemoryLogStore();
        LogStore log = new ForwardingLogStore(delegate) {
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
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        RecordingTransport transport = new RecordingTransport();
        RaftNode node = start(core, log, store, transport, new ListMachine(ListMachine.Snapshots.CAPTURE));
        byte[] received = ListMachine.encode(List.of("r"));
        byte[] own = ListMachine.encode(List.of("o"));
        store.put(2, 1, MEMBERS, own);

        core.onNextTick.add(List.of(new Action.PersistHardState(new HardState(4, 0)),
                new Action.WriteSnapshotChunk(info(9, 4, received), 0, received, reply(9, received.length))));
        core.onNextTick.add(List.of(new Action.SendSnapshotChunk(2, 4, info(2, 1, own), 0, own.length)));
        assertThat(saveStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Poll.until("both ticks were stepped", core.onNextTick::isEmpty);
        long batches = (long) node.metrics().get("sansraft_event_loop_batches_total");
        Poll.until("more ticks pass", () -> node.metrics().get("sansraft_event_loop_batches_total") > batches + 3);
        assertThat(transport.sent).as("nothing leaves before the hard state is durable").isEmpty();
        assertThat(store.list()).as("the chunk is not even written").hasSize(1);

        saveMayReturn.countDown();
        Poll.until("the reply and the chunk go out", () -> transport.sent.size() == 2);
        assertThat(transport.sent).hasAtLeastOneElementOfType(Message.InstallSnapshotResponse.class)
                .hasAtLeastOneElementOfType(Message.InstallSnapshot.class);
        Poll.until("the received snapshot is reported", () -> !core.snapshotsSaved.isEmpty());
        assertThat(core.snapshotsSaved).containsExactly(info(9, 4, received));
    }

    @Test
    void aCommittedSnapshotThatDiffersFromTheCoresInfoStopsTheNodeWithBoth() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RaftNode node = start(core, new InMemoryLogStore(), new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        byte[] payload = ListMachine.encode(List.of("x"));
        SnapshotInfo wrong = new SnapshotInfo(5, 3, MEMBERS, payload.length, ListMachine.crc(payload) ^ 1);

        core.onNextTick.add(List.of(new Action.WriteSnapshotChunk(wrong, 0, payload, reply(5, payload.length))));

        Throwable cause = failure(node.terminated());
        assertThat(cause).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node 1").hasMessageContaining(wrong.toString())
                .hasMessageContaining("checksum=" + ListMachine.crc(payload));
        assertThat(core.snapshotsSaved).isEmpty();
    }

    // ---- RestoreSnapshot ----

    @Test
    void restoreReplacesTheStateAndApplyingAndWaitingReadsContinueAfterIt() throws Exception {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);
        RaftNode node = start(core, new InMemoryLogStore(), store, new RecordingTransport(), sm);
        script(core, apply(1, "a", "b"));
        byte[] payload = ListMachine.encode(List.of("x", "y", "z"));
        store.put(10, 3, MEMBERS, payload);
        core.readIndexOverride = 11;
        CompletableFuture<byte[]> read = node.query(bytes("state"), ReadConsistency.LINEARIZABLE);
        Poll.until("the read waits for index 11", () -> node.metrics().get("sansraft_reads_total") == 1.0);

        script(core, new Action.RestoreSnapshot(info(10, 3, payload)), apply(9, "stale"), apply(11, "k"));

        assertThat(string(read.get())).as("served after the entry following the snapshot")
                .isEqualTo("x,y,z,k");
        assertThat(sm.state()).containsExactly("x", "y", "z", "k");
        Poll.until("applied index follows the snapshot", () -> node.status().appliedIndex() == 11);
        assertThat(node.metrics().get("sansraft_snapshots_installed_total")).isEqualTo(1.0);
    }

    @Test
    void restoringASnapshotTheStoreDoesNotHoldStopsTheNode() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RaftNode node = start(core, new InMemoryLogStore(), new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));

        core.onNextTick.add(List.of(new Action.RestoreSnapshot(info(4, 3, new byte[3]))));

        assertThat(failure(node.terminated())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("restore snapshot").hasMessageContaining("does not hold it");
    }

    @Test
    void snapshotActionsOutOfStepWithTheAppliedIndexStopTheNode() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RaftNode node = start(core, new InMemoryLogStore(), new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));

        core.onNextTick.add(List.of(apply(1, "a", "b"), new Action.TakeSnapshot(5, 3, MEMBERS)));

        assertThat(failure(node.terminated())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot at index 5").hasMessageContaining("applied up to index 2");
    }

    @Test
    void restoringBelowTheAppliedIndexStopsTheNodeInsteadOfRollingBack() throws IOException {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);
        RaftNode node = start(core, new InMemoryLogStore(), store, new RecordingTransport(), sm);
        byte[] payload = ListMachine.encode(List.of("old"));
        store.put(1, 3, MEMBERS, payload);

        core.onNextTick.add(List.of(apply(1, "a", "b"), new Action.RestoreSnapshot(info(1, 3, payload))));

        assertThat(failure(node.terminated())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("below its applied index 2");
        assertThat(sm.state()).as("the state was not rolled back").containsExactly("a", "b");
    }

    // ---- ProposalUnknown ----

    @Test
    void proposalUnknownFailsTheProposalWithOutcomeUnknown() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        RaftNode node = start(core, new InMemoryLogStore(), new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        CompletableFuture<byte[]> f = node.propose(bytes("p"));
        Poll.until("accepted", () -> node.metrics().get("sansraft_proposals_accepted_total") == 1.0);

        script(core, new Action.ProposalUnknown(1, 1, 3));

        assertThat(failure(f)).isInstanceOf(OutcomeUnknownException.class).isInstanceOf(RaftException.class)
                .hasMessageContaining("index 1 term 3").hasMessageContaining("retry it idempotently");
        // Counted by the apply thread just after it failed the future.
        Poll.until("the unknown outcome counted", () -> node.metrics().get("sansraft_proposals_unknown_total") == 1.0);
    }

    // ---- Recovery on start ----

    @Test
    void startWithASnapshotBeyondTheLogResetsTheLogAndRestoresTheStateFirst() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(List.of(LogEntry.normal(1, 1, bytes("a")), LogEntry.normal(2, 1, bytes("b"))));
        log.saveHardState(new HardState(2, 1));
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        byte[] payload = ListMachine.encode(List.of("s1", "s2"));
        store.put(20, 2, MEMBERS, payload);
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);

        RaftNode node = start(core, log, store, new RecordingTransport(), sm);

        assertThat(core.startSnapshot).contains(info(20, 2, payload));
        assertThat(log.firstIndex()).isEqualTo(21);
        assertThat(log.lastIndex()).isEqualTo(20);
        assertThat(log.term(20)).isEqualTo(2);
        assertThat(log.syncCount()).as("the reset is made durable before the core starts").isEqualTo(1);
        assertThat(sm.state()).containsExactly("s1", "s2");
        assertThat(node.status().appliedIndex()).isEqualTo(20);
        assertThat(node.metrics().get("sansraft_snapshot_last_index")).isEqualTo(20.0);

        script(core, apply(21, "t"));
        Poll.until("applying continues after the snapshot", () -> sm.state().size() == 3);
        assertThat(sm.state()).containsExactly("s1", "s2", "t");
    }

    @Test
    void startWithALogThatContainsTheSnapshotKeepsTheLog() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        for (long i = 1; i <= 6; i++) {
            log.append(List.of(LogEntry.normal(i, 1, bytes("e" + i))));
        }
        log.compactPrefix(2);
        log.saveHardState(new HardState(1, 1));
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        byte[] payload = ListMachine.encode(List.of("e1", "e2", "e3", "e4"));
        store.put(4, 1, MEMBERS, payload);
        FakeCore core = new FakeCore(1);
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);

        RaftNode node = start(core, log, store, new RecordingTransport(), sm);

        assertThat(log.firstIndex()).isEqualTo(3);
        assertThat(log.lastIndex()).isEqualTo(6);
        assertThat(log.syncCount()).isZero();
        assertThat(core.startSnapshot).contains(info(4, 1, payload));
        assertThat(sm.state()).containsExactly("e1", "e2", "e3", "e4");
        assertThat(sm.restores()).isEqualTo(1);
        assertThat(node.status().appliedIndex()).isEqualTo(4);
    }

    @Test
    void startWithoutASnapshotPassesNoneToTheCore() {
        FakeCore core = new FakeCore(1);
        start(core, new InMemoryLogStore(), new InMemorySnapshotStore(), new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        assertThat(core.startSnapshot).isEmpty();
    }

    @Test
    void aCompactedLogWithoutASnapshotRefusesToStart() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        log.append(List.of(LogEntry.normal(1, 1, bytes("a")), LogEntry.normal(2, 1, bytes("b"))));
        log.compactPrefix(1);
        log.saveHardState(new HardState(1, 1));
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(log).transport(new RecordingTransport())
                .stateMachine(new ListMachine(ListMachine.Snapshots.CAPTURE))
                .coreFactory(FakeCore.factory(new FakeCore(1))).build();
        nodes.add(node);

        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("compacted up to index 1").hasMessageContaining("no snapshot");
        assertThat(node.terminated()).isCompletedExceptionally();
    }

    @Test
    void aLogCompactedPastTheNewestValidSnapshotRefusesToStartAndKeepsTheLog() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        for (long i = 1; i <= 8; i++) {
            log.append(List.of(LogEntry.normal(i, 1, bytes("e" + i))));
        }
        log.compactPrefix(5);
        log.saveHardState(new HardState(1, 1));
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        store.put(3, 1, MEMBERS, ListMachine.encode(List.of("e1", "e2", "e3")));
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(log).snapshotStore(store)
                .transport(new RecordingTransport()).stateMachine(new ListMachine(ListMachine.Snapshots.CAPTURE))
                .coreFactory(FakeCore.factory(new FakeCore(1))).build();
        nodes.add(node);

        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot ends at index 3").hasMessageContaining("compacted up to index 5");
        assertThat(log.firstIndex()).as("nothing forgotten").isEqualTo(6);
        assertThat(log.lastIndex()).isEqualTo(8);
    }

    @Test
    void startWithALogThatDisagreesWithTheSnapshotResetsIt() throws IOException {
        InMemoryLogStore log = new InMemoryLogStore();
        for (long i = 1; i <= 8; i++) {
            log.append(List.of(LogEntry.normal(i, 1, bytes("e" + i))));
        }
        log.saveHardState(new HardState(2, 1));
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        byte[] payload = ListMachine.encode(List.of("other"));
        store.put(6, 2, MEMBERS, payload);
        FakeCore core = new FakeCore(1);
        ListMachine sm = new ListMachine(ListMachine.Snapshots.CAPTURE);

        start(core, log, store, new RecordingTransport(), sm);

        assertThat(log.firstIndex()).isEqualTo(7);
        assertThat(log.lastIndex()).isEqualTo(6);
        assertThat(log.term(6)).isEqualTo(2);
        assertThat(sm.state()).containsExactly("other");
        assertThat(core.startSnapshot).contains(info(6, 2, payload));
    }

    @Test
    void aStateMachineThatCannotRestoreRefusesToStartFromASnapshot() throws IOException {
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        store.put(3, 1, MEMBERS, ListMachine.encode(List.of("a")));
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(new InMemoryLogStore())
                .snapshotStore(store).transport(new RecordingTransport())
                .stateMachine(new ListMachine(ListMachine.Snapshots.NONE))
                .coreFactory(FakeCore.factory(new FakeCore(1))).build();
        nodes.add(node);

        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot restore snapshots");
    }

    @Test
    void closeClosesTheSnapshotStore() {
        ForwardingSnapshotStore store = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        RaftNode node = start(new FakeCore(1), new InMemoryLogStore(), store, new RecordingTransport(),
                new ListMachine(ListMachine.Snapshots.CAPTURE));
        node.close();
        assertThat(store.closes.get()).isEqualTo(1);
    }

    /** A writer that records its calls into a shared list, so tests can check them against sends. */
    private static final class RecordingWriter extends SnapshotWriter {
        private final SnapshotWriter delegate;
        private final List<String> order;

        RecordingWriter(SnapshotWriter delegate, List<String> order) {
            this.delegate = delegate;
            this.order = order;
        }

        @Override
        public void write(int b) throws IOException {
            order.add("write 1");
            delegate.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            order.add("write " + len);
            delegate.write(b, off, len);
        }

        @Override
        public SnapshotMeta commit() throws IOException {
            order.add("commit");
            return delegate.commit();
        }

        @Override
        public void abort() {
            delegate.abort();
        }
    }
}
