package dev.sansraft.sim;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Replays one seed of the swarm (real nodes under {@link NodeSim}) and writes its timeline as a self-contained HTML file (see {@link TraceRecorder} for
 * what it shows and how heartbeats are thinned): the entry point behind {@code SimMain --trace FILE.html}, and the
 * helper tests use.
 *
 * <p>Stateless; each call runs its own simulation on the calling thread.
 */
public final class SimTrace {

    private SimTrace() {
    }

    /**
     * Runs {@code seed} like {@code SimMain} does and writes the trace to {@code file}.
     *
     * @param seed the seed to replay
     * @param ticks how many ticks to run
     * @param nodes the cluster size: 3, 5 or 7
     * @param profile the fault profile, as {@code SimMain --profile} takes it
     * @param sabotage a planted bug, for demonstrations and tests: {@code none}, {@code lying_disk},
     *                 {@code stale_reads}, {@code duplicate_writes} or {@code corrupt_snapshots}
     * @param file the HTML file to write
     * @return the violation's one-line summary, or null when the run passed
     * @throws IllegalArgumentException on an unknown profile or sabotage, or nodes not 3, 5 or 7
     */
    public static String write(long seed, long ticks, int nodes, String profile, String sabotage, Path file) {
        return write(seed, ticks, nodes, profile, sabotage, file, TraceRecorder.INDIVIDUAL_HEARTBEAT_LIMIT);
    }

    /** As {@link #write(long, long, int, String, String, Path)}, aggregating heartbeats above another limit. */
    static String write(long seed, long ticks, int nodes, String profile, String sabotage, Path file,
                        long individualHeartbeatLimit) {
        SwarmRun.Sabotage planted = sabotage(sabotage);
        FaultProfile.draw(profile, new java.util.SplittableRandom(0)); // validates the name
        TraceRecorder recorder = new TraceRecorder(seed, nodes, ticks, profile,
                planted == SwarmRun.Sabotage.NONE ? null : planted.name(), individualHeartbeatLimit);
        SwarmRun.Result r = SwarmRun.run(seed, ticks, nodes, profile, planted, recorder);
        TraceWriter.write(recorder, file);
        return r.passed() ? null : r.violation().invariant() + " at tick "
                + String.format(Locale.ROOT, "%.2f", r.violation().tick());
    }

    static SwarmRun.Sabotage sabotage(String name) {
        try {
            return SwarmRun.Sabotage.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown sabotage '" + name + "': use none, lying_disk, stale_reads,"
                    + " duplicate_writes or corrupt_snapshots", e);
        }
    }
}
