package dev.sansraft.node;

/**
 * Where a {@link RaftNode}'s work runs and what time it is: the seam that lets the same runtime run on real threads in
 * production and on one deterministic thread with virtual time under a simulator.
 *
 * <p>A node is a pipeline of <em>stages</em> (event loop, storage, apply, snapshot writer, snapshot sender), each
 * draining its own queue, plus a periodic tick. The node hands every stage to {@link #stage} and tells the returned
 * {@link Stage} when work was queued ({@link Stage#wake()}); the scheduler decides when the stage's
 * {@link Body#runRound()} runs. The contract an implementation keeps:
 * <ul>
 *   <li>the rounds of one stage never overlap (each stage is single-consumer), while rounds of different stages may
 *   run concurrently or in any interleaving;</li>
 *   <li>after {@link Stage#wake()}, the stage runs rounds until one reports it found nothing to do (no lost
 *   wake-up);</li>
 *   <li>after {@link Stage#stop()}, no new round starts, and {@link Body#exit()} runs exactly once, after the last
 *   round;</li>
 *   <li>{@link #nanoTime()} is monotonic.</li>
 * </ul>
 * {@link #threads} is the production scheduler: one thread per stage. A simulator implements its own, running every
 * stage of every node on its single thread in an order its seed draws.
 *
 * <p>Thread-safety: every method may be called from any thread of the node.
 */
public interface NodeScheduler {

    /** {@return the monotonic clock request deadlines and durations are measured with, in nanoseconds} */
    long nanoTime();

    /**
     * Registers a stage of node {@code nodeId}. It runs no round before its first {@link Stage#wake()}.
     *
     * @param nodeId the node the stage belongs to
     * @param name a short name for the stage ({@code loop}, {@code storage}, ...), for thread names and traces
     * @param body what one round of the stage does
     * @return the stage, idle until woken
     */
    Stage stage(long nodeId, String name, Body body);

    /**
     * Runs {@code tick} every {@code periodNanos}, at a fixed rate (a late tick does not delay the ones after it),
     * starting one period from now, until the returned timer is cancelled.
     *
     * @param nodeId the node the timer belongs to
     * @param periodNanos the period in nanoseconds, positive
     * @param tick what to run each period
     * @return the timer, for cancelling it
     */
    Timer everyPeriod(long nodeId, long periodNanos, Runnable tick);

    /**
     * Runs {@code task} once, soon, outside of every stage of the node: used to close a node from within one of its
     * own stages, which cannot wait for itself to end.
     *
     * @param nodeId the node the task belongs to
     * @param name a short name for the task, for thread names and traces
     * @param task what to run
     */
    void runDetached(long nodeId, String name, Runnable task);

    /**
     * The production scheduler: a daemon thread per stage named {@code sansraft-<id>-<stage>}, parking while its
     * queue is empty; ticks on {@code ticks}, or on a thread of its own when that is null.
     *
     * @param clock the monotonic clock; {@code System::nanoTime} in production
     * @param ticks the executor to run ticks on, or null for a thread of the scheduler's own
     * @return the scheduler
     */
    static ThreadScheduler threads(java.util.function.LongSupplier clock,
                                   java.util.concurrent.ScheduledExecutorService ticks) {
        return new ThreadScheduler(clock, ticks);
    }

    /** The work of one stage, implemented by the node. */
    interface Body {

        /**
         * Runs one round: takes what is queued (one item or a batch, as the stage sees fit) and processes it.
         *
         * @return false when there was nothing to do (or the stage has stopped or failed)
         */
        boolean runRound();

        /**
         * {@return whether work is queued; used by a scheduler about to idle the stage, to close the lost-wake-up race}
         */
        boolean hasWork();

        /** Called once after the last round: fails whatever is still queued. */
        void exit();
    }

    /** A registered stage, as the node sees it. */
    interface Stage {

        /** Work was queued: make sure a round runs soon. Cheap when the stage is already busy. */
        void wake();

        /**
         * Work was queued by a thread that has nothing better to do right now: runs one round of this stage on the
         * calling thread if no round is running, instead of handing the work to the stage's own thread. That saves a
         * thread hand-off (a wake-up and a context switch) on a latency-critical path. Rounds still never overlap,
         * and the stage is woken afterwards if work remains.
         *
         * @return false, having done nothing, when a round is running, the stage has stopped, the caller is the
         *     stage's own thread, or the scheduler does not run rounds on other threads (the default); the caller
         *     then calls {@link #wake()}
         */
        default boolean runHere() {
            return false;
        }

        /** No round starts after this; the rounds' consumer ends and {@link Body#exit()} runs. */
        void stop();

        /**
         * Waits until the stage has ended and its {@link Body#exit()} has run.
         *
         * @return false if it did not end (it is the calling stage itself, or it is stuck in a round)
         */
        boolean awaitEnd();
    }

    /** A periodic task's handle. */
    interface Timer {
        /** No tick runs after this returns (one in progress may finish). */
        void cancel();
    }
}
