package dev.sansraft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The production {@link NodeScheduler}: every stage gets a daemon thread of its own that runs rounds while there is
 * work and parks when its queue is empty; ticks come from a {@link ScheduledExecutorService}, the caller's or one
 * created here (and shut down by {@link #close()}).
 *
 * <p>A producer unparks a stage's thread only when that thread announced it is about to park, so a busy stage costs
 * producers no syscall: the thread sets its {@code sleeping} flag, then checks its queue once more
 * ({@link NodeScheduler.Body#hasWork()}) before it parks; a producer queues, then reads the flag. With both volatile,
 * at least one side sees the other (a Dekker-style handshake).
 *
 * <p>{@link Stage#runHere()} runs a round on the calling thread when no round is running: the storage thread uses it
 * to step the event loop with the {@code Persisted} it has just produced, saving the wake-up of the loop's thread on
 * the path from a sync to the append answer (follower) or the commit (leader).
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ThreadScheduler implements NodeScheduler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ThreadScheduler.class);

    /** How long an idle stage parks at a time; a bound on how late it can notice a lost wake-up. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How often a stopping stage checks whether a round on a caller's thread has ended. */
    private static final long BORROWED_ROUND_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(30);

    private final LongSupplier clock;
    private final ScheduledExecutorService givenTicks;
    private ScheduledExecutorService ownTicks;

    ThreadScheduler(LongSupplier clock, ScheduledExecutorService ticks) {
        if (clock == null) {
            throw new IllegalArgumentException("clock is required");
        }
        this.clock = clock;
        this.givenTicks = ticks;
    }

    @Override
    public long nanoTime() {
        return clock.getAsLong();
    }

    @Override
    public Stage stage(long nodeId, String name, Body body) {
        return new ThreadStage(body, "sansraft-" + nodeId + "-" + name);
    }

    @Override
    public synchronized Timer everyPeriod(long nodeId, long periodNanos, Runnable tick) {
        ScheduledExecutorService ticks = givenTicks;
        if (ticks == null) {
            if (ownTicks == null) {
                ownTicks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sansraft-" + nodeId + "-tick"));
            }
            ticks = ownTicks;
        }
        ScheduledFuture<?> f = ticks.scheduleAtFixedRate(tick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void runDetached(long nodeId, String name, Runnable task) {
        daemon(task, "sansraft-" + nodeId + "-" + name).start();
    }

    /** Shuts down the tick thread this scheduler created, if any; a given tick executor is left alone. */
    @Override
    public synchronized void close() {
        if (ownTicks != null) {
            ownTicks.shutdownNow();
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * One stage on its own thread, started at once (it parks until woken). A round runs while holding
     * {@code running}, on the stage's thread or, through {@link #runHere()}, on a caller's: whoever takes the flag
     * runs the round, so rounds never overlap, and the flag's release and acquisition order every round's effects
     * before the next one's.
     */
    private static final class ThreadStage implements Stage, Runnable {
        private final Body body;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean();
        private volatile boolean stopped;
        private volatile boolean sleeping;

        ThreadStage(Body body, String name) {
            this.body = body;
            this.thread = daemon(this, name);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    if (running.compareAndSet(false, true)) {
                        boolean worked;
                        try {
                            worked = body.runRound();
                        } finally {
                            running.set(false);
                        }
                        if (worked) {
                            continue;
                        }
                    }
                    sleeping = true;
                    try {
                        // A caller running a round here wakes this thread after it if work remains (runHere).
                        if (!stopped && (running.get() || !body.hasWork())) {
                            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                        }
                    } finally {
                        sleeping = false;
                    }
                }
            } finally {
                // A round on a caller's thread may still be running: exit only after it (and keep the flag, so that
                // no round starts after exit).
                while (!running.compareAndSet(false, true)) {
                    LockSupport.parkNanos(this, BORROWED_ROUND_POLL_NANOS);
                }
                body.exit();
            }
        }

        @Override
        public boolean runHere() {
            if (stopped || Thread.currentThread() == thread || !running.compareAndSet(false, true)) {
                return false;
            }
            try {
                if (!stopped) {
                    body.runRound();
                }
            } finally {
                running.set(false);
            }
            // Work queued meanwhile, or more than one round's worth: the stage's own thread takes it on.
            if (body.hasWork()) {
                wake();
            }
            return true;
        }

        @Override
        public void wake() {
            if (sleeping) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public void stop() {
            stopped = true;
            LockSupport.unpark(thread);
        }

        @Override
        public boolean awaitEnd() {
            if (thread == Thread.currentThread()) {
                return false;
            }
            try {
                thread.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("thread {} did not stop within {} s; its requests stay pending", thread.getName(),
                        JOIN_MILLIS / 1000);
                return false;
            }
            return true;
        }
    }
}
