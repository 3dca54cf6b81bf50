package dev.sansraft.sim;

import dev.sansraft.sim.linearizability.CheckResult;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.LinearizabilityChecker;
import java.util.SplittableRandom;

/**
 * One randomized run of the swarm, a pure function of (seed, ticks, nodes, profile):
 * <ol>
 *   <li>draw the fault profile, network/disk settings and Raft config from the seed, and whether the nodes apply
 *   their logs to raft-kv's state machine or to the simulator's own store;</li>
 *   <li>run clients for {@code ticks} ticks while a nemesis injects faults at random instants;</li>
 *   <li>stop faults and clients, heal, restart everyone, and check liveness: a probe committed within
 *   {@link SimCluster#LIVENESS_BOUND_ELECTION_TIMEOUTS} election timeouts, then every node catching up with steady
 *   progress ({@link SimCluster#CATCH_UP_WINDOW_ELECTION_TIMEOUTS});</li>
 *   <li>let outstanding client operations finish, run the full log check, and check the clients' history for
 *   linearizability.</li>
 * </ol>
 * Safety invariants are checked after every event throughout. Not thread-safe; each run is independent.
 */
final class SwarmRun {

    /** What one seed produced. */
    record Result(long seed, long events, long traceHash, long operations, long indeterminate, FaultProfile profile,
                  TargetedFaults targeted, boolean raftKv, CheckResult.Verdict linearizability, long resends, long duplicatesWithoutEffect,
                  SnapshotActions.Stats snapshots, long proposalsUnknown, InvariantViolation violation) {
        boolean passed() {
            return violation == null;
        }
    }

    private static final long CLIENT_TIMEOUT_TICKS = 30;

    private SwarmRun() {
    }

    /**
     * Deliberate bugs a test can plant to show the checks catch them; {@code NONE} in every real run.
     */
    enum Sabotage { NONE, LYING_DISK, STALE_READS, DUPLICATE_WRITES, CORRUPT_SNAPSHOTS }

    /** Ticks between re-sends of an unanswered write when a test forces retries: short, so duplicates are common. */
    static final long FORCED_RETRY_TICKS = 2;

    static Result run(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, Sabotage.NONE);
    }

    /**
     * A run without the targeted nemeses ({@link TargetedFaults}), exactly as every seed ran before they existed:
     * regression seeds found then replay the interleaving that found their bug.
     */
    static Result runWithoutTargetedFaults(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, Sabotage.NONE, null, 0, TargetedFaults.NONE, null);
    }

    /** The same with {@code sabotage} planted (see {@link #run(long, long, int, String, Sabotage)}). */
    static Result runWithoutTargetedFaults(long seed, long ticks, int nodes, String profileName, Sabotage sabotage) {
        boolean duplicates = sabotage == Sabotage.DUPLICATE_WRITES;
        return run(seed, ticks, nodes, profileName, sabotage, duplicates ? Boolean.FALSE : null,
                duplicates ? FORCED_RETRY_TICKS : 0, TargetedFaults.NONE, null);
    }

    /**
     * {@code DUPLICATE_WRITES} runs the simulator's own store (no sessions) with clients forced to re-send writes
     * every {@link #FORCED_RETRY_TICKS}, so a write lands in the log twice and is applied twice.
     */
    static Result run(long seed, long ticks, int nodes, String profileName, Sabotage sabotage) {
        return run(seed, ticks, nodes, profileName, sabotage, null);
    }

    /** The same run, recorded by {@code recorder} when it is not null (see {@link SimTrace}). */
    static Result run(long seed, long ticks, int nodes, String profileName, Sabotage sabotage,
                      TraceRecorder recorder) {
        boolean duplicates = sabotage == Sabotage.DUPLICATE_WRITES;
        return run(seed, ticks, nodes, profileName, sabotage, duplicates ? Boolean.FALSE : null,
                duplicates ? FORCED_RETRY_TICKS : 0, TargetedFaults.draw(profileName, seed), recorder);
    }

    /**
     * A run on raft-kv's state machine with clients re-sending unanswered writes every {@link #FORCED_RETRY_TICKS}
     * ticks, far more often than the swarm's default, to exercise the sessions hard.
     */
    static Result runWithForcedRetries(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, Sabotage.NONE, Boolean.TRUE, FORCED_RETRY_TICKS,
                TargetedFaults.draw(profileName, seed), null);
    }

    private static Result run(long seed, long ticks, int nodes, String profileName, Sabotage sabotage,
                              Boolean backendOverride, long forcedRetryTicks, TargetedFaults targeted,
                              TraceRecorder recorder) {
        SplittableRandom setup = new SplittableRandom(seed);
        FaultProfile profile = FaultProfile.draw(profileName, setup);
        SimOptions options = SimOptions.builder()
                .raftConfig(profile.raftConfig())
                .jitterMicros(profile.jitterMicros())
                .lossRate(profile.lossRate())
                .duplicateRate(profile.duplicateRate())
                .longTailRate(profile.longTailRate())
                .diskLatency(100, profile.diskMaxMicros())
                .clockSkew(profile.clockSkew())
                .build();
        // Half the seeds run raft-kv's real state machine (with client sessions), half the simulator's own store.
        boolean drawn = new SplittableRandom(seed ^ 0x6b76L).nextBoolean();
        boolean raftKv = backendOverride != null ? backendOverride : drawn;
        SimCluster cluster = SimCluster.create(nodes, seed, options, raftKv);
        if (recorder != null) {
            recorder.attach(cluster);
        }
        cluster.engine().sabotageLyingDisk = sabotage == Sabotage.LYING_DISK;
        cluster.engine().sabotageSnapshots = sabotage == Sabotage.CORRUPT_SNAPSHOTS;
        if (profile.crashes()) {
            // Crashes aimed at snapshot moments: while one is written, while a chunk is received, right after one
            // is saved (before the compaction or reset that follows is durable). Drawn apart from the setup stream.
            cluster.engine().snapshotCrashRate = new SplittableRandom(seed ^ 0x736e6170L).nextDouble() * 0.3;
        }
        long clientTimeoutTicks = CLIENT_TIMEOUT_TICKS * profile.raftConfig().electionTimeoutTicks() / 10;
        SimClients.ReadMode readMode = sabotage == Sabotage.STALE_READS ? SimClients.ReadMode.LOCAL_UNSAFE
                : profile.readsThroughLog() ? SimClients.ReadMode.THROUGH_LOG : SimClients.ReadMode.READ_INDEX;
        // Re-send an unanswered write after one election timeout (the client timeout is three): long enough for a
        // new leader to be elected, short enough to retry before giving up. Only with sessions, unless forced.
        long retryTicks = forcedRetryTicks > 0 ? forcedRetryTicks
                : cluster.engine().newStateMachine().dedupesRetries() ? profile.raftConfig().electionTimeoutTicks() : 0;
        SimClients clients = new SimClients(cluster, 2 + setup.nextInt(4), 1 + setup.nextInt(3), readMode,
                profile.leaseFraction(), clientTimeoutTicks, retryTicks);
        try {
            clients.start();
            Nemesis nemesis = new Nemesis(cluster, profile, targeted);
            nemesis.start();
            cluster.runFor(ticks);
            nemesis.stop();
            cluster.engine().snapshotCrashRate = 0;
            clients.stop();
            cluster.checkLiveness();
            cluster.runUntil(clients::idle, clientTimeoutTicks + 1);
            clients.abandonOutstanding();
            cluster.checkAll();
            CheckResult lin = new LinearizabilityChecker().check(new KvModel(), clients.history());
            if (lin.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE) {
                throw cluster.violation(Invariant.LINEARIZABILITY, lin.counterexample(), null);
            }
            if (recorder != null) {
                recorder.finish(cluster.nowMicros(), clients.history(), lin, null);
            }
            return new Result(seed, cluster.eventsProcessed(), cluster.traceHash(), clients.history().size(),
                    clients.indeterminate(), profile, targeted, raftKv, lin.verdict(), clients.resends(),
                    cluster.engine().duplicatesWithoutEffect(), cluster.engine().snapshotStats(),
                    cluster.engine().proposalsUnknown(), null);
        } catch (InvariantViolation v) {
            if (recorder != null) {
                recorder.finish(cluster.nowMicros(), clients.history(), null, v);
            }
            return new Result(seed, cluster.eventsProcessed(), cluster.traceHash(), clients.history().size(),
                    clients.indeterminate(), profile, targeted, raftKv, null, clients.resends(),
                    cluster.engine().duplicatesWithoutEffect(), cluster.engine().snapshotStats(),
                    cluster.engine().proposalsUnknown(), v);
        }
    }
}
