package dev.sansraft.node;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ThreadScheduler}'s stages: rounds on the stage's thread, or on a caller's through {@code runHere}. */
class ThreadSchedulerTest {

    private final ThreadScheduler scheduler = NodeScheduler.threads(System::nanoTime, null);

    @AfterEach
    void close() {
        scheduler.close();
    }

    /** A body with a counter of queued work; records the thread of every round and whether two ever overlapped. */
    private static final class RecordingBody implements NodeScheduler.Body {
        final AtomicInteger queued = new AtomicInteger();
        final List<String> roundThreads = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger inRound = new AtomicInteger();
        volatile boolean overlapped;
        volatile CountDownLatch entered = new CountDownLatch(0);
        volatile CountDownLatch release = new CountDownLatch(0);

        @Override
        public boolean runRound() {
            if (queued.get() == 0) {
                return false;
            }
            if (inRound.incrementAndGet() != 1) {
                overlapped = true;
            }
            roundThreads.add(Thread.currentThread().getName());
            entered.countDown();
            await(release);
            queued.decrementAndGet();
            events.add("round");
            inRound.decrementAndGet();
            return true;
        }

        @Override
        public boolean hasWork() {
            return queued.get() > 0;
        }

        @Override
        public void exit() {
            events.add("exit");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released within 30 s").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls until the stage's thread is parked, idle (its first round, with nothing queued, is over). */
    private static void awaitParked(String threadName) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(threadName) && t.getState() == Thread.State.TIMED_WAITING) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("thread " + threadName + " did not park within 30 s");
    }

    @Test
    void runHereRunsTheRoundOnTheCallingThreadWhenTheStageIsIdle() {
        RecordingBody body = new RecordingBody();
        NodeScheduler.Stage stage = scheduler.stage(7, "probe", body);
        awaitParked("sansraft-7-probe");
        body.queued.set(1);

        assertThat(stage.runHere()).as("an idle stage runs the round here").isTrue();

        assertThat(body.roundThreads).containsExactly(Thread.currentThread().getName());
        assertThat(body.queued.get()).isZero();
        stage.stop();
        assertThat(stage.awaitEnd()).isTrue();
        assertThat(body.events).containsExactly("round", "exit");
    }

    @Test
    void runHereDoesNothingWhileTheStageRunsARoundOnItsOwnThread() {
        RecordingBody body = new RecordingBody();
        NodeScheduler.Stage stage = scheduler.stage(7, "probe", body);
        body.entered = new CountDownLatch(1);
        body.release = new CountDownLatch(1);
        body.queued.set(2);
        stage.wake();
        await(body.entered); // the stage's own thread is inside its first round, holding it

        assertThat(stage.runHere()).as("a busy stage is not run a second time concurrently").isFalse();

        body.release.countDown();
        stage.wake();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (body.queued.get() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(body.queued.get()).as("the stage's thread drained the rest").isZero();
        assertThat(body.roundThreads).containsOnly("sansraft-7-probe");
        assertThat(body.overlapped).isFalse();
        stage.stop();
        assertThat(stage.awaitEnd()).isTrue();
    }

    @Test
    void aStoppedStageExitsOnlyAfterARoundRunningOnACallersThread() throws InterruptedException {
        RecordingBody body = new RecordingBody();
        NodeScheduler.Stage stage = scheduler.stage(7, "probe", body);
        awaitParked("sansraft-7-probe");
        body.entered = new CountDownLatch(1);
        body.release = new CountDownLatch(1);
        body.queued.set(1);
        Thread caller = new Thread(() -> stage.runHere(), "caller");
        caller.start();
        await(body.entered); // the caller's thread is inside the round

        stage.stop();
        assertThat(body.events).as("exit waits for the borrowed round").isEmpty();
        body.release.countDown();
        caller.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(stage.awaitEnd()).isTrue();
        assertThat(body.events).containsExactly("round", "exit");
        assertThat(body.roundThreads).containsExactly("caller");
        assertThat(stage.runHere()).as("no round after exit").isFalse();
    }

    @Test
    void workLeftAfterABorrowedRoundIsTakenOnByTheStagesThread() {
        RecordingBody body = new RecordingBody();
        NodeScheduler.Stage stage = scheduler.stage(7, "probe", body);
        awaitParked("sansraft-7-probe");
        body.queued.set(3);

        assertThat(stage.runHere()).isTrue();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (body.queued.get() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(body.queued.get()).as("the two rounds left ran without another wake()").isZero();
        assertThat(body.roundThreads).hasSize(3);
        assertThat(body.roundThreads.get(0)).isEqualTo(Thread.currentThread().getName());
        assertThat(body.roundThreads.subList(1, 3)).containsOnly("sansraft-7-probe");
        assertThat(body.overlapped).isFalse();
        stage.stop();
        assertThat(stage.awaitEnd()).isTrue();
    }
}
