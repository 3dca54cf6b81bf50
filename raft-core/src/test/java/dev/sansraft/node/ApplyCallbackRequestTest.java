package dev.sansraft.node;

import dev.sansraft.core.Role;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests made by callbacks of futures the apply stage completes are queued without waking the event loop and
 * handed over when the apply round ends (one batch, stepped on the apply thread when the loop is idle): they must
 * still reach the core then, not only at the next tick.
 */
class ApplyCallbackRequestTest {

    @Test
    void aProposalMadeInTheCallbackOfAnAppliedOneIsSteppedWhenTheApplyRoundEnds() {
        ManualScheduler scheduler = new ManualScheduler();
        RaftNode node = RaftNode.builder().id(1).members(List.of(1L)).logStore(new InMemoryLogStore())
                .transport(new RecordingTransport()).stateMachine(new CountingStateMachine())
                .tickInterval(Duration.ofMillis(5)).nodeScheduler(scheduler).build();
        try {
            node.start();
            scheduler.advance(Duration.ofSeconds(2));
            assertThat(node.status().role()).as("the single voter elected itself").isEqualTo(Role.LEADER);
            CompletableFuture<byte[]> second = new CompletableFuture<>();
            CompletableFuture<byte[]> first = node.propose(bytes("a"));
            first.thenRun(() -> node.propose(bytes("b")).whenComplete((r, e) -> {
                if (e != null) {
                    second.completeExceptionally(e);
                } else {
                    second.complete(r);
                }
            }));

            scheduler.runUntilIdle(); // the clock stands still: no tick wakes the loop

            assertThat(first).isCompleted();
            assertThat(second).as("the proposal made in the first one's callback, on the apply stage").isCompleted();
            assertThat(node.status().commitIndex()).isGreaterThanOrEqualTo(3);
        } finally {
            node.close();
        }
    }

    @Test
    void theApplyRoundHandsOverTheRequestsItsCallbacksQueuedOnceAtItsEnd() {
        Applier applier = new Applier(1, new CountingStateMachine(), null, List.of(), new NodeCounters(System::nanoTime),
                e -> {
                    throw new AssertionError(e);
                }, () -> new NodeClosedException("closed"), 0);
        List<String> order = new ArrayList<>();
        AtomicInteger handOvers = new AtomicInteger();
        applier.onRequestsQueued(() -> {
            handOvers.incrementAndGet();
            order.add("hand over");
        });
        List<ApplyTask> tasks = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            f.thenRun(() -> {
                assertThat(applier.isInRoundOnThisThread()).as("a callback runs inside the apply round").isTrue();
                order.add("callback");
                applier.requestQueued();
            });
            tasks.add(new ApplyTask.Complete(f, new byte[0]));
        }
        applier.submit(tasks);

        assertThat(applier.runRound()).isTrue();

        assertThat(order).containsExactly("callback", "callback", "hand over");
        assertThat(applier.isInRoundOnThisThread()).as("after the round").isFalse();
        applier.submit(List.of(new ApplyTask.Complete(new CompletableFuture<>(), new byte[0])));
        assertThat(applier.runRound()).isTrue();
        assertThat(handOvers.get()).as("a round whose callbacks queued nothing hands nothing over").isEqualTo(1);
    }
}
