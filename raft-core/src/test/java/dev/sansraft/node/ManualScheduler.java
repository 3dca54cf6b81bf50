package dev.sansraft.node;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic {@link NodeScheduler} for the runtime's own tests: nothing runs until the test says so. The test
 * thread calls {@link #runUntilIdle()} to run every woken stage, round by round in the order they were woken, until
 * none has work, and {@link #advance} to move the virtual clock, firing each periodic tick at its due time. So a test
 * asserts on a state the node reached for certain, never on how fast threads happened to run.
 *
 * <p>Not thread-safe: one test thread drives it and the nodes on it.
 */
final class ManualScheduler implements NodeScheduler {

    private final ArrayDeque<ManualStage> ready = new ArrayDeque<>();
    private final ArrayDeque<Runnable> detached = new ArrayDeque<>();
    private final List<Periodic> timers = new ArrayList<>();
    private long nowNanos;
    private ManualStage running;

    @Override
    public long nanoTime() {
        return nowNanos;
    }

    @Override
    public Stage stage(long nodeId, String name, Body body) {
        return new ManualStage(body);
    }

    @Override
    public Timer everyPeriod(long nodeId, long periodNanos, Runnable tick) {
        Periodic p = new Periodic(nowNanos + periodNanos, periodNanos, tick);
        timers.add(p);
        return () -> timers.remove(p);
    }

    @Override
    public void runDetached(long nodeId, String name, Runnable task) {
        detached.add(task);
    }

    /** Runs stage rounds and detached tasks until nothing is left to run; the clock stands still. */
    void runUntilIdle() {
        for (int rounds = 0; ; rounds++) {
            if (rounds > 1_000_000) {
                throw new IllegalStateException("stages still busy after a million rounds: a livelock");
            }
            Runnable task = detached.poll();
            if (task != null) {
                task.run();
                continue;
            }
            ManualStage s = ready.poll();
            if (s == null) {
                return;
            }
            s.queued = false;
            if (s.stopped) {
                continue;
            }
            running = s;
            boolean worked;
            try {
                worked = s.body.runRound();
            } finally {
                running = null;
            }
            if (worked || s.body.hasWork()) {
                s.wake();
            }
        }
    }

    /** Moves the clock forward by {@code d}, firing every tick due on the way and running to idle after each. */
    void advance(Duration d) {
        long until = nowNanos + d.toNanos();
        runUntilIdle();
        while (true) {
            Periodic next = null;
            for (Periodic p : timers) {
                if (p.dueNanos <= until && (next == null || p.dueNanos < next.dueNanos)) {
                    next = p;
                }
            }
            if (next == null) {
                break;
            }
            nowNanos = Math.max(nowNanos, next.dueNanos);
            next.dueNanos += next.periodNanos;
            next.tick.run();
            runUntilIdle();
        }
        nowNanos = until;
    }

    /**
     * Moves the clock forward by {@code d} without firing any tick, as when the timer's thread stalls or the process
     * was frozen: the ticks that fell due stay owed until the next {@link #advance}.
     */
    void moveClockWithoutTicks(Duration d) {
        nowNanos += d.toNanos();
    }

    private static final class Periodic {
        long dueNanos;
        final long periodNanos;
        final Runnable tick;

        Periodic(long dueNanos, long periodNanos, Runnable tick) {
            this.dueNanos = dueNanos;
            this.periodNanos = periodNanos;
            this.tick = tick;
        }
    }

    private final class ManualStage implements Stage {
        final Body body;
        boolean queued;
        boolean stopped;
        boolean exited;

        ManualStage(Body body) {
            this.body = body;
        }

        @Override
        public void wake() {
            if (!queued && !stopped) {
                queued = true;
                ready.add(this);
            }
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public boolean awaitEnd() {
            if (running == this) {
                return false;
            }
            if (!exited) {
                exited = true;
                body.exit();
            }
            return true;
        }
    }
}
