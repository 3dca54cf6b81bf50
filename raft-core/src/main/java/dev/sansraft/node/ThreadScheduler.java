package dev.sansraft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * <p>Thread-safety: thread-safe.
 */
public final class ThreadScheduler implements NodeScheduler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ThreadScheduler.class);

    /** How long an idle stage parks at a time; a bound on how late it can notice a lost wake-up. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
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

    /** One stage on its own thread, started at once (it parks until woken). */
    private static final class ThreadStage implements Stage, Runnable {
        private final Body body;
        private final Thread thread;
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
                    if (body.runRound()) {
                        continue;
                    }
                    sleeping = true;
                    try {
                        if (!stopped && !body.hasWork()) {
                            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                        }
                    } finally {
                        sleeping = false;
                    }
                }
            } finally {
                body.exit();
            }
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
