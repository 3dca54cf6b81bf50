package dev.sansraft.sim;

import java.util.SplittableRandom;

/**
 * Which targeted nemeses a swarm seed runs (see {@link TargetedNemesis}): faults aimed at the moments where rare
 * interleavings hide, as opposed to the random instants of {@link Nemesis}. Drawn from a stream of their own, so that
 * the fault profile, network and Raft configuration a seed draws stay what they were before these existed.
 *
 * @param leaderAfterMinority crash or isolate a leader right after an entry of its term reached only a minority, and
 *                            bring it back later (the shape of Raft's Figure 8)
 * @param readAckChaos        duplicate and reorder the acknowledgements of heartbeat (read) rounds
 * @param staleAfterInstall   deliver again, after a node installs a snapshot, older messages sent to it (stale terms
 *                            among them)
 * @param snapshotLinkClog    clog exactly one link, either direction, when a snapshot transfer starts on it
 */
record TargetedFaults(boolean leaderAfterMinority, boolean readAckChaos, boolean staleAfterInstall,
                      boolean snapshotLinkClog) {

    static final TargetedFaults NONE = new TargetedFaults(false, false, false, false);

    /** The swarm profile draws each one on for half of the seeds; the other profiles keep their plain faults. */
    static TargetedFaults draw(String profileName, long seed) {
        if (!profileName.equals("swarm")) {
            return NONE;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x7461726765746564L);
        return new TargetedFaults(r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r.nextBoolean());
    }

    boolean any() {
        return leaderAfterMinority || readAckChaos || staleAfterInstall || snapshotLinkClog;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("targeted [");
        if (leaderAfterMinority) {
            sb.append("leader-after-minority ");
        }
        if (readAckChaos) {
            sb.append("read-ack-chaos ");
        }
        if (staleAfterInstall) {
            sb.append("stale-after-install ");
        }
        if (snapshotLinkClog) {
            sb.append("snapshot-link-clog ");
        }
        return sb.toString().trim() + "]";
    }
}
