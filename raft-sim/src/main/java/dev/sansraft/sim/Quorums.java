package dev.sansraft.sim;

import dev.sansraft.core.Membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Quorums of a configuration, worked out here from the definitions (Raft thesis ch. 4) and not with the core's
 * {@code JointQuorum}, so that a bug there cannot hide from the checks built on these: a set of nodes is a quorum of
 * a simple configuration when it holds a majority of its voters, and of the joint configuration C_old,new when it
 * holds a majority of each. Learners never count.
 *
 * <p>Stateless; thread-safe.
 */
final class Quorums {

    /** Beyond this many distinct voters the pairwise check would enumerate too many subsets; no test comes near. */
    static final int MAX_VOTERS = 20;

    private Quorums() {
    }

    /** Whether {@code nodes} is a quorum of {@code configuration}; never for an empty configuration. */
    static boolean isQuorum(Membership configuration, Collection<Long> nodes) {
        if (configuration.isEmpty()) {
            return false;
        }
        return hasMajority(configuration.voters(), nodes)
                && (!configuration.isJoint() || hasMajority(configuration.outgoingVoters(), nodes));
    }

    private static boolean hasMajority(List<Membership.Member> voters, Collection<Long> nodes) {
        int held = 0;
        for (Membership.Member m : voters) {
            if (nodes.contains(m.id())) {
                held++;
            }
        }
        return 2 * held > voters.size();
    }

    /**
     * Two disjoint quorums, one of {@code a} and one of {@code b}, described; or null when every quorum of {@code a}
     * intersects every quorum of {@code b} (so no two leaders or commits, one under each, can miss each other).
     * Quorums are closed upwards, so a disjoint pair exists exactly when some set {@code S} of the voters of either is
     * a quorum of {@code a} while the rest is a quorum of {@code b}; every such split is tried.
     */
    static String disjointQuorums(Membership a, Membership b) {
        TreeSet<Long> universe = new TreeSet<>(a.allVoterIds());
        universe.addAll(b.allVoterIds());
        if (universe.size() > MAX_VOTERS) {
            throw new IllegalArgumentException("too many voters to compare quorums: " + universe);
        }
        List<Long> ids = new ArrayList<>(universe);
        int n = ids.size();
        for (int mask = 0; mask < (1 << n); mask++) {
            List<Long> in = new ArrayList<>();
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ((mask >> i & 1) == 1 ? in : out).add(ids.get(i));
            }
            if (isQuorum(a, in) && isQuorum(b, out)) {
                return in + " is a quorum of " + describe(a) + " and " + out + " one of " + describe(b);
            }
        }
        return null;
    }

    /** Voters, the outgoing ones of a joint configuration, and learners, by id. */
    static String describe(Membership m) {
        return "{voters " + m.voterIds() + (m.isJoint() ? " joint with outgoing " + ids(m.outgoingVoters()) : "")
                + (m.learnerIds().isEmpty() ? "" : ", learners " + m.learnerIds()) + "}";
    }

    private static List<Long> ids(List<Membership.Member> members) {
        List<Long> out = new ArrayList<>();
        for (Membership.Member m : members) {
            out.add(m.id());
        }
        out.sort(null);
        return out;
    }
}
