package dev.sansraft.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The swarm runner:
 * {@code java -cp <raft-sim classpath> dev.sansraft.sim.SimMain --seeds N --from S --ticks T [--nodes 3|5|7]
 * [--profile swarm|calm|partitions|crashes] [--membership] [--trace FILE.html] [--sabotage NAME]
 * [--max-failures F] [--runtime]}. Every seed runs real {@code RaftNode}s under {@link NodeSim} (the production
 * runtime on a deterministic scheduler; see {@link SwarmRun}). {@code --runtime} is accepted and ignored: it chose
 * the real runtime when the simulator also had its own execution of the core's actions, which is gone.
 * {@code --membership} also changes the membership during the faults ({@link MembershipNemesis}): voters added and
 * removed among 1, 3, 5 and 7, learners added on empty disks and promoted, dead voters replaced by new ids,
 * leadership transferred.
 *
 * <p>{@code --trace FILE.html} (with {@code --seeds 1}) also writes the run's timeline as one self-contained HTML
 * file ({@link SimTrace}). {@code --sabotage} plants a deliberate bug ({@code stale_reads}, {@code lying_disk},
 * {@code duplicate_writes}, {@code corrupt_snapshots}) to see what the checks and the trace show; never in real runs.
 *
 * <p>Runs seeds {@code S .. S+N-1}, printing a progress line every few seconds and a summary at the end (seeds,
 * events, violations, simulated events per second). Every failing seed is printed with its violation and the one-line
 * command that replays it (and the one that writes its trace); the process then exits with status 1. With
 * {@code --max-failures F} the run stops after the F-th failing seed (a search for a bug stops at the first find).
 * Exit status 2 means bad arguments. The wall clock is read only here, for progress and throughput, never inside a
 * run.
 */
public final class SimMain {

    static final String USAGE = "usage: SimMain --seeds N --from S --ticks T [--nodes 3|5|7]"
            + " [--profile swarm|calm|partitions|crashes] [--membership] [--trace FILE.html] [--sabotage NAME]"
            + " [--max-failures F] [--runtime]\n  every seed runs real RaftNodes on the deterministic scheduler;"
            + " --runtime is accepted for compatibility and changes nothing";

    private SimMain() {
    }

    /**
     * Runs the seeds the command line names and exits with status 0 when every run passed.
     *
     * @param args the flags, as the class comment lists them
     */
    public static void main(String[] args) {
        int status;
        try {
            status = run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            status = 2;
        }
        System.exit(status);
    }

    static int run(String[] args, PrintStream out) {
        long seeds = 100;
        long from = 1;
        long ticks = 600;
        int nodes = 5;
        String profile = "swarm";
        long maxFailures = Long.MAX_VALUE;
        String trace = null;
        String sabotage = "none";
        boolean membership = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--runtime")) {
                continue; // the only runtime there is: kept so that older command lines still work
            }
            if (flag.equals("--membership")) {
                membership = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("flag " + flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--seeds": seeds = parse(flag, value); break;
                case "--from": from = parse(flag, value); break;
                case "--ticks": ticks = parse(flag, value); break;
                case "--nodes": nodes = (int) parse(flag, value); break;
                case "--profile": profile = value; break;
                case "--max-failures": maxFailures = parse(flag, value); break;
                case "--trace": trace = value; break;
                case "--sabotage": sabotage = value; break;
                default: throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (nodes != 3 && nodes != 5 && nodes != 7) {
            throw new IllegalArgumentException("--nodes must be 3, 5 or 7, got " + nodes);
        }
        if (seeds < 1 || ticks < 1 || maxFailures < 1) {
            throw new IllegalArgumentException("--seeds, --ticks and --max-failures must be positive");
        }
        FaultProfile.draw(profile, new java.util.SplittableRandom(0));
        SwarmRun.Sabotage planted = SimTrace.sabotage(sabotage);
        if (membership && planted != SwarmRun.Sabotage.NONE) {
            throw new IllegalArgumentException("--sabotage and --membership do not combine");
        }
        if (trace != null) {
            if (seeds != 1) {
                throw new IllegalArgumentException("--trace replays one seed: use it with --seeds 1, got " + seeds);
            }
            if (membership) {
                throw new IllegalArgumentException("--trace does not record membership runs");
            }
            java.nio.file.Path file = java.nio.file.Path.of(trace);
            String failed = SimTrace.write(from, ticks, nodes, profile, sabotage, file);
            out.printf("seed %d: %s; trace written to %s%n", from, failed == null ? "passed" : "FAIL " + failed,
                    file.toAbsolutePath());
            return failed == null ? 0 : 1;
        }
        return runSeeds(seeds, from, ticks, nodes, profile, membership, planted, maxFailures, out);
    }

    private static int runSeeds(long seeds, long from, long ticks, int nodes, String profile, boolean membership,
                                SwarmRun.Sabotage planted, long maxFailures, PrintStream out) {
        out.printf("sansraft sim (real RaftNodes): seeds %d..%d, %d ticks, %d nodes, profile %s%s%n", from,
                from + seeds - 1, ticks, nodes, profile, membership ? ", membership changes" : "");
        String flags = (membership ? " --membership" : "") + sabotageFlag(planted);
        long membershipChanges = 0;
        long transfers = 0;
        long start = System.nanoTime();
        long lastPrint = start;
        long events = 0;
        long operations = 0;
        long undecided = 0;
        long traceHash = 0;
        long crashes = 0;
        long pauses = 0;
        long unknown = 0;
        long dropped = 0;
        long snapshotsTaken = 0;
        long snapshotsInstalled = 0;
        long snapshotCrashes = 0;
        List<SwarmRun.Result> failures = new ArrayList<>();
        for (long k = 0; k < seeds; k++) {
            long seed = from + k;
            SwarmRun.Result r = membership ? SwarmRun.run(seed, ticks, nodes, profile, true)
                    : SwarmRun.run(seed, ticks, nodes, profile, planted, null);
            membershipChanges += r.membershipChanges();
            transfers += r.transfers();
            events += r.events();
            operations += r.operations();
            crashes += r.crashes();
            pauses += r.pauses();
            unknown += r.unknownOutcomes();
            dropped += r.droppedOutcomes();
            snapshotsTaken += r.snapshotsTaken();
            snapshotsInstalled += r.snapshotsInstalled();
            snapshotCrashes += r.snapshotCrashes();
            traceHash = Long.rotateLeft(traceHash, 7) ^ r.traceHash();
            if (r.linearizability() == dev.sansraft.sim.linearizability.CheckResult.Verdict.UNKNOWN) {
                undecided++;
            }
            if (!r.passed()) {
                failures.add(r);
                out.printf("FAIL seed %d (%s, %s, state machine %s): %s%n", seed, r.profile(), r.targeted(),
                        r.raftKv() ? "raft-kv" : "sim", r.violation().getMessage());
                out.println("replay: " + replayCommand(seed, ticks, nodes, profile) + flags);
                if (!membership) {
                    out.println("trace:  " + replayCommand(seed, ticks, nodes, profile) + flags + " --trace seed-"
                            + seed + ".html");
                }
            }
            long t = System.nanoTime();
            boolean last = k == seeds - 1 || failures.size() >= maxFailures;
            if (t - lastPrint > 5_000_000_000L || last) {
                lastPrint = t;
                double secs = (t - start) / 1e9;
                out.printf("progress: %d/%d seeds, %d events, %d violations, %.0f events/s, %.1f s%n", k + 1, seeds,
                        events, failures.size(), events / secs, secs);
            }
            if (failures.size() >= maxFailures) {
                seeds = k + 1;
                break;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf("summary: seeds %d, events %d, client operations %d, violations %d, %.0f simulated events/s,"
                + " %.1f s; linearizability undecided (search budget) on %d seeds; %d crashes (%d more at snapshot"
                + " moments), %d pauses; outcomes unknown %d, dropped %d; trace hash %016x%n", seeds, events,
                operations, failures.size(), events / secs, secs, undecided, crashes, snapshotCrashes, pauses, unknown,
                dropped, traceHash);
        out.printf("snapshots: %d taken, %d installed from a leader (counted by the final incarnations)%n",
                snapshotsTaken, snapshotsInstalled);
        if (membership) {
            out.printf("membership: %d changes committed, %d leadership transfers done%n", membershipChanges,
                    transfers);
        }
        for (SwarmRun.Result f : failures) {
            out.println("replay: " + replayCommand(f.seed(), ticks, nodes, profile) + flags);
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private static String sabotageFlag(SwarmRun.Sabotage sabotage) {
        return sabotage == SwarmRun.Sabotage.NONE ? ""
                : " --sabotage " + sabotage.name().toLowerCase(java.util.Locale.ROOT);
    }

    static String replayCommand(long seed, long ticks, int nodes, String profile) {
        return "java -cp '" + System.getProperty("java.class.path") + "' " + SimMain.class.getName()
                + " --seeds 1 --from " + seed + " --ticks " + ticks + " --nodes " + nodes + " --profile " + profile;
    }

    private static long parse(String flag, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'", e);
        }
    }
}
