package dev.sansraft.sim;

import dev.sansraft.sim.linearizability.CheckResult;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.LinearizabilityChecker;

import java.util.SplittableRandom;

/**
 * One randomized run of real {@link dev.sansraft.node.RaftNode}s under the simulator ({@link NodeSim}), a pure
 * function of (seed, ticks, nodes, profile): draw the fault profile and Raft config from the seed (snapshots
 * included), and whether the nodes apply their logs to raft-kv's state machine (with client sessions) or to the
 * simulator's own store; run clients through the nodes' futures while a nemesis crashes and restarts nodes (also
 * right at snapshot moments, on profiles with crashes), pauses them, partitions and isolates them, with the targeted
 * nemeses the seed draws ({@link TargetedFaults}); then heal, check liveness, let the clients finish, check that
 * every future of a live node completed, and check the history for linearizability. Safety and client invariants
 * are checked after every event throughout.
 *
 * <p>Not thread-safe; each run is independent.
 */
final class SwarmRun {

    /** What one seed produced. */
    record Result(long seed, long events, long traceHash, long operations, long indeterminate, long unknownOutcomes,
                  long droppedOutcomes, long crashes, long pauses, long snapshotsTaken, long snapshotsInstalled,
                  FaultProfile profile, TargetedFaults targeted, boolean raftKv,
                  CheckResult.Verdict linearizability, InvariantViolation violation, long membershipChanges,
                  long transfers, long resends, long duplicatesWithoutEffect, long snapshotCrashes) {
        boolean passed() {
            return violation == null;
        }
    }

    /**
     * Deliberate bugs a test or {@code SimMain --sabotage} can plant to show the checks catch them; {@code NONE} in
     * every real run: a disk whose syncs do nothing, stale reads, writes re-sent to a store without sessions, and
     * snapshots with a flipped byte.
     */
    enum Sabotage { NONE, LYING_DISK, STALE_READS, DUPLICATE_WRITES, CORRUPT_SNAPSHOTS }

    /** Ticks between re-sends of an unanswered write when a run forces retries: short, so duplicates are common. */
    static final long FORCED_RETRY_TICKS = 2;
    private static final long CLIENT_TIMEOUT_TICKS = 30;
    /** Room for nodes in a run with membership changes: up to 7 voters plus the nodes that replace others. */
    static final int MEMBERSHIP_CAPACITY = 12;
    /** Mean election timeouts between two membership decisions. */
    private static final long MEMBERSHIP_EVERY_ELECTION_TIMEOUTS = 2;

    private SwarmRun() {
    }

    static Result run(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, false);
    }

    /**
     * As above; with {@code membership}, a {@link MembershipNemesis} also changes the membership throughout the
     * faults (starting from {@code nodes} voters, with room for {@link #MEMBERSHIP_CAPACITY} nodes).
     */
    static Result run(long seed, long ticks, int nodes, String profileName, boolean membership) {
        return run(seed, ticks, nodes, profileName, membership, Sabotage.NONE, null, 0, null);
    }

    /**
     * A run with {@code sabotage} planted, recorded by {@code recorder} when it is not null (see {@link SimTrace}).
     * {@code DUPLICATE_WRITES} runs the simulator's own store (no sessions) with clients re-sending writes every
     * {@link #FORCED_RETRY_TICKS} ticks, so a write lands in the log twice and is applied twice.
     */
    static Result run(long seed, long ticks, int nodes, String profileName, Sabotage sabotage,
                      TraceRecorder recorder) {
        boolean duplicates = sabotage == Sabotage.DUPLICATE_WRITES;
        return run(seed, ticks, nodes, profileName, false, sabotage, duplicates ? Boolean.FALSE : null,
                duplicates ? FORCED_RETRY_TICKS : 0, recorder);
    }

    /**
     * A run on raft-kv's state machine with clients re-sending unanswered writes every {@link #FORCED_RETRY_TICKS}
     * ticks, far more often than the swarm's clients do, to exercise the sessions hard.
     */
    static Result runWithForcedRetries(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, false, Sabotage.NONE, Boolean.TRUE, FORCED_RETRY_TICKS, null);
    }

    private static Result run(long seed, long ticks, int nodes, String profileName, boolean membership,
                              Sabotage sabotage, Boolean backendOverride, long forcedRetryTicks,
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
        long et = profile.raftConfig().electionTimeoutTicks();
        long clientTimeoutTicks = CLIENT_TIMEOUT_TICKS * et / 10;
        // The node gives up on a request well before the client does, so the client hears the node's verdict.
        NodeSim sim = NodeSim.create(nodes, membership ? Math.max(nodes, MEMBERSHIP_CAPACITY) : nodes, seed, options,
                raftKv, Math.max(2, clientTimeoutTicks / 2));
        if (recorder != null) {
            recorder.attach(sim);
        }
        sim.sabotageLyingDisk = sabotage == Sabotage.LYING_DISK;
        sim.sabotageSnapshots = sabotage == Sabotage.CORRUPT_SNAPSHOTS;
        if (profile.crashes() && !membership) {
            // Crashes aimed at snapshot moments: while one is written, while a chunk is received, right after one is
            // committed (before the compaction or reset that follows is durable). Drawn apart from the setup stream.
            sim.setSnapshotCrashRate(new SplittableRandom(seed ^ 0x736e6170L).nextDouble() * 0.3, seed ^ 0x636b);
        }
        SimClients clients = new SimClients(sim, 2 + setup.nextInt(4), 1 + setup.nextInt(3),
                profile.leaseFraction(), clientTimeoutTicks);
        if (sabotage == Sabotage.STALE_READS) {
            clients.readStale();
        }
        if (forcedRetryTicks > 0) {
            clients.forceRetriesEvery(forcedRetryTicks);
        }
        TargetedFaults targeted = TargetedFaults.draw(profileName, seed);
        Nemesis nemesis = new Nemesis(sim, profile, targeted);
        MembershipNemesis changes = membership ? new MembershipNemesis(sim, MEMBERSHIP_EVERY_ELECTION_TIMEOUTS * et)
                : null;
        try {
            clients.start();
            nemesis.start();
            if (changes != null) {
                changes.start();
            }
            sim.runFor(ticks);
            nemesis.stop();
            sim.setSnapshotCrashRate(0, 0);
            if (changes != null) {
                changes.stop();
            }
            clients.stop();
            sim.checkLiveness();
            sim.runUntil(clients::idle, clientTimeoutTicks + 1);
            sim.runFor(clientTimeoutTicks);
            clients.checkAllFuturesCompleted();
            if (changes != null) {
                changes.checkAllCompleted();
            }
            clients.abandonOutstanding();
            CheckResult lin = new LinearizabilityChecker().check(new KvModel(), clients.history());
            if (lin.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE) {
                throw sim.violation(Invariant.LINEARIZABILITY, lin.counterexample());
            }
            if (recorder != null) {
                recorder.finish(sim.nowMicros(), clients.history(), lin, null);
            }
            return result(seed, sim, clients, nemesis, changes, profile, targeted, raftKv, lin.verdict(), null);
        } catch (InvariantViolation v) {
            if (recorder != null) {
                recorder.finish(sim.nowMicros(), clients.history(), null, v);
            }
            return result(seed, sim, clients, nemesis, changes, profile, targeted, raftKv, null, v);
        }
    }

    private static Result result(long seed, NodeSim sim, SimClients clients, Nemesis nemesis,
                                 MembershipNemesis changes, FaultProfile profile, TargetedFaults targeted,
                                 boolean raftKv, CheckResult.Verdict verdict, InvariantViolation violation) {
        boolean passed = violation == null;
        return new Result(seed, sim.eventsProcessed(), sim.traceHash(), clients.history().size(),
                clients.indeterminate(), clients.unknownOutcomes(), clients.droppedOutcomes(), nemesis.crashes(),
                nemesis.pauses(), passed ? sim.metricSum("sansraft_snapshots_taken_total") : 0,
                passed ? sim.metricSum("sansraft_snapshots_installed_total") : 0, profile, targeted, raftKv, verdict,
                violation, changes == null ? 0 : changes.changesCommitted(),
                changes == null ? 0 : changes.transfersCompleted(), clients.resends(), sim.duplicatesWithoutEffect(),
                sim.snapshotCrashes());
    }
}
