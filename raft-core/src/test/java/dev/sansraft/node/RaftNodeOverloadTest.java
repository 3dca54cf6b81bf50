package dev.sansraft.node;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded memory under overload ({@link QueueLimits}): a slow state machine, a slow disk, too many requests and a
 * flood of inbound appends each fill one named queue, after which the node refuses new work with
 * {@link OverloadedException} instead of queueing it, and takes work again once the queue drains. Gates, not sleeps:
 * the slow stage is stopped outright until the test opens it.
 */
class RaftNodeOverloadTest {

    private static final int COMMAND_BYTES = 16 << 10;
    private static final long LIMIT_BYTES = 256 << 10;

    private final List<RaftNode> nodes = new ArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);

    @AfterEach
    void closeNodes() {
        gate.countDown();
        nodes.forEach(RaftNode::close);
    }

    /** A single-node cluster on the real core, which elects itself. */
    private RaftNode startLeader(LogStore store, StateMachine sm, QueueLimits limits) {
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L)).logStore(store)
                .transport(new RecordingTransport()).stateMachine(sm)
                .config(RaftConfig.builder().randomSeed(1).electionTimeoutTicks(5).build())
                .tickInterval(Duration.ofMillis(10)).requestTimeout(Duration.ofSeconds(60)).queueLimits(limits)
                .build();
        nodes.add(node);
        node.start();
        Poll.until("node 1 leads", () -> node.status().isLeader());
        return node;
    }

    private static byte[] command(int i) {
        byte[] c = new byte[COMMAND_BYTES];
        Arrays.fill(c, (byte) i);
        return c;
    }

    private static Throwable failureNow(CompletableFuture<?> f) {
        try {
            f.getNow(null);
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    private static byte[] await(CompletableFuture<byte[]> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** A state machine whose first command waits at the gate. */
    private StateMachine gatedStateMachine() {
        CountingStateMachine counting = new CountingStateMachine();
        return new StateMachine() {
            @Override
            public byte[] apply(LogEntry entry) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return counting.apply(entry);
            }

            @Override
            public byte[] query(byte[] request) {
                return counting.query(request);
            }
        };
    }

    @Test
    void aSlowStateMachineFillsTheApplyQueueThenRequestsAreRefusedUntilItDrains() {
        QueueLimits limits = new QueueLimits(65_536, 1L << 30, 65_536, 1L << 30, 65_536, LIMIT_BYTES, 1_024,
                1L << 30);
        RaftNode node = startLeader(new InMemoryLogStore(), gatedStateMachine(), limits);
        Poll.until("the leader's first entry is committed", () -> node.status().commitIndex() >= 1);
        long start = node.status().commitIndex();
        List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
        Throwable refusal = null;
        for (int i = 0; i < 100 && refusal == null; i++) {
            CompletableFuture<byte[]> f = node.propose(command(i));
            refusal = failureNow(f);
            if (refusal == null) {
                admitted.add(f);
                long committed = start + admitted.size();
                Poll.until("proposal " + i + " committed and queued for apply",
                        () -> node.status().commitIndex() >= committed);
            }
        }

        assertThat(refusal).as("refused once the apply queue was full").isInstanceOf(OverloadedException.class)
                .hasMessageContaining("queued applies");
        assertThat(admitted.size()).as("commands of 16 KiB admitted into a 256 KiB apply queue")
                .isBetween(15, 17);
        assertThat(node.metrics().get("sansraft_queued_apply_bytes")).as("the queue stays within its limit")
                .isLessThanOrEqualTo((double) LIMIT_BYTES + 2 * COMMAND_BYTES);
        assertThat(failureNow(node.query(CountingStateMachine.bytes("count"), ReadConsistency.LINEARIZABLE)))
                .as("reads are refused too").isInstanceOf(OverloadedException.class);
        assertThat(node.metrics().get("sansraft_requests_overloaded_total")).isEqualTo(2.0);

        gate.countDown();

        admitted.forEach(RaftNodeOverloadTest::await);
        Poll.until("the apply queue drains", () -> node.metrics().get("sansraft_queued_apply_bytes") == 0.0);
        assertThat(await(node.propose(CountingStateMachine.bytes("after")))).as("a normal write right afterwards")
                .isEqualTo(CountingStateMachine.bytes("applied:after"));
    }

    @Test
    void aSlowDiskFillsTheWriteQueueThenRequestsAreRefusedUntilItDrains() {
        InMemoryLogStore delegate = new InMemoryLogStore();
        CountDownLatch armed = new CountDownLatch(1);
        LogStore slowDisk = new ForwardingLogStore(delegate) {
            @Override
            public void sync() throws IOException {
                if (armed.getCount() == 0) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.sync();
            }
        };
        QueueLimits limits = new QueueLimits(65_536, 1L << 30, 65_536, LIMIT_BYTES, 65_536, 1L << 30, 1_024,
                1L << 30);
        RaftNode node = startLeader(slowDisk, new CountingStateMachine(), limits);
        armed.countDown();
        List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
        Throwable refusal = null;
        for (int i = 0; i < 100 && refusal == null; i++) {
            CompletableFuture<byte[]> f = node.propose(command(i));
            refusal = failureNow(f);
            if (refusal == null) {
                admitted.add(f);
                double queued = (double) admitted.size() * COMMAND_BYTES;
                Poll.until("proposal " + i + " queued for the disk",
                        () -> node.metrics().get("sansraft_queued_write_bytes") >= queued
                                || node.metrics().get("sansraft_storage_batches_total") > 0
                                && node.metrics().get("sansraft_queued_write_bytes") >= queued - COMMAND_BYTES);
            }
        }

        assertThat(refusal).as("refused once the write queue was full").isInstanceOf(OverloadedException.class)
                .hasMessageContaining("queued writes");
        assertThat(admitted.size()).as("commands of 16 KiB admitted into a 256 KiB write queue")
                .isBetween(15, 17);
        assertThat(node.metrics().get("sansraft_queued_write_bytes")).as("the queue stays within its limit")
                .isLessThanOrEqualTo((double) LIMIT_BYTES + 2 * COMMAND_BYTES);

        gate.countDown();

        admitted.forEach(RaftNodeOverloadTest::await);
        Poll.until("the write queue drains", () -> node.metrics().get("sansraft_queued_write_bytes") == 0.0);
        assertThat(await(node.propose(CountingStateMachine.bytes("after")))).as("a normal write right afterwards")
                .isEqualTo(CountingStateMachine.bytes("applied:after"));
    }

    @Test
    void requestsBeyondThePendingBudgetAreRefusedAtOnceAndAdmittedAgainWhenTheyComplete() {
        QueueLimits limits = new QueueLimits(8, 1L << 30, 65_536, 1L << 30, 65_536, 1L << 30, 1_024, 1L << 30);
        RaftNode node = startLeader(new InMemoryLogStore(), gatedStateMachine(), limits);
        List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            admitted.add(node.propose(CountingStateMachine.bytes("w" + i)));
        }

        Throwable refused = failureNow(node.propose(CountingStateMachine.bytes("ninth")));

        assertThat(refused).as("the ninth request, at the door").isInstanceOf(OverloadedException.class)
                .hasMessageContaining("pending requests");
        assertThat(node.metrics().get("sansraft_pending_requests")).isEqualTo(8.0);
        assertThat(node.metrics().get("sansraft_proposals_total")).as("never reached the event loop")
                .isLessThanOrEqualTo(8.0);
        gate.countDown();
        admitted.forEach(RaftNodeOverloadTest::await);
        Poll.until("the budget is given back", () -> node.metrics().get("sansraft_pending_requests") == 0.0);
        assertThat(await(node.propose(CountingStateMachine.bytes("after")))).isNotNull();
    }

    @Test
    void inboundAppendsOverTheBudgetLoseTheirEntriesButHeartbeatsAndResponsesStillPass() {
        FakeCore core = new FakeCore(1);
        RecordingTransport transport = new RecordingTransport();
        QueueLimits limits = new QueueLimits(65_536, 1L << 30, 65_536, 1L << 30, 65_536, 1L << 30, 1_024,
                LIMIT_BYTES);
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L, 2L)).logStore(new InMemoryLogStore())
                .transport(transport).stateMachine(new CountingStateMachine()).tickInterval(Duration.ofMillis(10))
                .coreFactory(FakeCore.factory(core)).queueLimits(limits).build();
        nodes.add(node);
        node.start();
        core.stallOnVoteRequest = gate;
        transport.inbound.accept(new Message.VoteRequest(2, 1, 5, 0, 0, false));
        Poll.until("the event loop is stalled", () -> !core.receivedMessages.isEmpty());

        int appends = 6;
        for (int i = 0; i < appends; i++) {
            LogEntry e = LogEntry.normal(i + 1, 5, new byte[100 << 10]);
            transport.inbound.accept(new Message.AppendRequest(2, 1, 5, i, i == 0 ? 0 : 5, List.of(e), 0, i));
        }
        transport.inbound.accept(new Message.AppendRequest(2, 1, 5, 0, 0, List.of(), 0, 99));
        transport.inbound.accept(new Message.AppendResponse(2, 1, 5, true, 3, 0, 0, 0, 0));
        long oneAppend = LogEntry.normal(1, 5, new byte[100 << 10]).sizeBytes();
        assertThat(node.metrics().get("sansraft_queued_inbound_bytes")).as("two 100 KiB appends fit in 256 KiB")
                .isEqualTo(2.0 * oneAppend);
        assertThat(node.metrics().get("sansraft_inbound_payloads_shed_total")).isEqualTo(appends - 2.0);

        gate.countDown();

        Poll.until("every message reached the core", () -> core.receivedMessages.size() == 1 + appends + 2);
        List<Message> got = core.receivedMessages.subList(1, core.receivedMessages.size());
        for (int i = 0; i < appends; i++) {
            Message.AppendRequest a = (Message.AppendRequest) got.get(i);
            assertThat(a.round()).as("append %d, in order", i).isEqualTo(i);
            assertThat(a.entries()).as("append %d keeps its entries only if it fit", i).hasSize(i < 2 ? 1 : 0);
        }
        assertThat(((Message.AppendRequest) got.get(appends)).round()).as("the heartbeat").isEqualTo(99);
        assertThat(got.get(appends + 1)).as("the response").isInstanceOf(Message.AppendResponse.class);
        Poll.until("the inbound budget is given back",
                () -> node.metrics().get("sansraft_queued_inbound_bytes") == 0.0);
    }
}
