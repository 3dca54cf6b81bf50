package dev.sansraft.sim;

import dev.sansraft.sim.linearizability.CheckResult;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.LinearizabilityChecker;

import java.util.SplittableRandom;

/**
 * One randomized run of real {@link dev.sansraft.node.RaftNode}s under the simulator ({@link NodeSim}), a pure
 * function of (seed, ticks, nodes, profile): draw the fault profile and Raft config from the seed (snapshots
 * included), run clients through the nodes' futures while a nemesis crashes and restarts nodes, pauses them,
 * partitions and isolates them, with the targeted nemeses the seed draws ({@link TargetedFaults}); then heal, check
 * liveness, let the clients finish, check that every future of a live node completed, and check the history for
 * linearizability. Safety and client invariants are checked after every event throughout.
 *
 * <p>Not thread-safe; each run is independent.
 */
final class NodeSwarmRun {

    /** What one seed produced. */
    record Result(long seed, long events, long traceHash, long operations, long indeterminate, long unknownOutcomes,
                  long droppedOutcomes, long crashes, long pauses, long snapshotsTaken, long snapshotsInstalled,
                  FaultProfile profile, boolean raftKv,
                  CheckResult.Verdict linearizability, InvariantViolation violation, long membershipChanges,
                  long transfers) {
        boolean passed() {
            return violation == null;
        }
    }

    private static final long CLIENT_TIMEOUT_TICKS = 30;
    /** Room for nodes in a run with membership changes: up to 7 voters plus the nodes that replace others. */
    static final int MEMBERSHIP_CAPACITY = 12;
    /** Mean election timeouts between two membership decisions. */
    private static final long MEMBERSHIP_EVERY_ELECTION_TIMEOUTS = 2;

    private NodeSwarmRun() {
    }

    static Result run(long seed, long ticks, int nodes, String profileName) {
        return run(seed, ticks, nodes, profileName, false);
    }

    /**
     * As above; with {@code membership}, a {@link MembershipNemesis} also changes the membership throughout the
     * faults (starting from {@code nodes} voters, with room for {@link #MEMBERSHIP_CAPACITY} nodes).
     */
    static Result run(long seed, long ticks, int nodes, String profileName, boolean membership) {
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
        boolean raftKv = new SplittableRandom(seed ^ 0x6b76L).nextBoolean();
        long et = profile.raftConfig().electionTimeoutTicks();
        long clientTimeoutTicks = CLIENT_TIMEOUT_TICKS * et / 10;
        // The node gives up on a request well before the client does, so the client hears the node's verdict.
        NodeSim sim = NodeSim.create(nodes, membership ? Math.max(nodes, MEMBERSHIP_CAPACITY) : nodes, seed, options,
                raftKv, Math.max(2, clientTimeoutTicks / 2));
        NodeSimClients clients = new NodeSimClients(sim, 2 + setup.nextInt(4), 1 + setup.nextInt(3),
                profile.leaseFraction(), clientTimeoutTicks);
        NodeNemesis nemesis = new NodeNemesis(sim, profile, TargetedFaults.draw(profileName, seed));
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
            return new Result(seed, sim.eventsProcessed(), sim.traceHash(), clients.history().size(),
                    clients.indeterminate(), clients.unknownOutcomes(), clients.droppedOutcomes(), nemesis.crashes(),
                    nemesis.pauses(), sim.metricSum("sansraft_snapshots_taken_total"),
                    sim.metricSum("sansraft_snapshots_installed_total"), profile, raftKv, lin.verdict(), null,
                    changes == null ? 0 : changes.changesCommitted(), changes == null ? 0 : changes.transfersCompleted());
        } catch (InvariantViolation v) {
            return new Result(seed, sim.eventsProcessed(), sim.traceHash(), clients.history().size(),
                    clients.indeterminate(), clients.unknownOutcomes(), clients.droppedOutcomes(), nemesis.crashes(),
                    nemesis.pauses(), 0, 0, profile, raftKv, null, v, changes == null ? 0 : changes.changesCommitted(),
                    changes == null ? 0 : changes.transfersCompleted());
        }
    }
}
