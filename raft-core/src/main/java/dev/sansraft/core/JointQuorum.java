package dev.sansraft.core;

import java.util.Arrays;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;

/**
 * Majority arithmetic over a configuration that may be joint (thesis §4.3): in the joint state C_old,new a decision
 * needs a majority of the incoming voters <em>and</em> a majority of the outgoing voters; otherwise only the
 * former. Learners are never part of it. Kept apart from the protocol, next to {@link QuorumMath}, so it can be
 * tested alone.
 *
 * <p>Not thread-safe: it reuses scratch arrays so the commit computation does not allocate on the hot path; each
 * instance is owned by one {@link RaftCore}.
 */
final class JointQuorum {

    private final long[] incoming;
    private final long[] outgoing;
    private final long[] voters;
    private final long[] inValues;
    private final long[] inScratch;
    private final long[] outValues;
    private final long[] outScratch;

    /** {@code incoming} and {@code outgoing} ascending ids; {@code outgoing} empty outside the joint state. */
    JointQuorum(long[] incoming, long[] outgoing) {
        this.incoming = incoming.clone();
        this.outgoing = outgoing.clone();
        Arrays.sort(this.incoming);
        Arrays.sort(this.outgoing);
        this.voters = Arrays.stream(new long[][] {this.incoming, this.outgoing}).flatMapToLong(Arrays::stream)
                .sorted().distinct().toArray();
        this.inValues = new long[incoming.length];
        this.inScratch = new long[incoming.length];
        this.outValues = new long[outgoing.length];
        this.outScratch = new long[outgoing.length];
    }

    static JointQuorum of(Membership m) {
        return new JointQuorum(Membership.ids(m.voters()), Membership.ids(m.outgoingVoters()));
    }

    /** Whether {@code id} votes in either half. */
    boolean isVoter(long id) {
        return Arrays.binarySearch(voters, id) >= 0;
    }

    /** Every voter of either half, ascending. */
    long[] voters() {
        return voters;
    }

    /**
     * The highest value that a majority of each half has reached: the commit index when {@code valueOf} gives each
     * voter's match index, the acknowledged read round when it gives rounds. 0 without voters.
     */
    long quorumValue(LongUnaryOperator valueOf) {
        if (incoming.length == 0) {
            return 0;
        }
        long value = half(incoming, inValues, inScratch, valueOf);
        if (outgoing.length > 0) {
            value = Math.min(value, half(outgoing, outValues, outScratch, valueOf));
        }
        return value;
    }

    /** Whether the voters for which {@code yes} holds are a majority of each half. */
    boolean hasQuorum(LongPredicate yes) {
        return incoming.length > 0 && count(incoming, yes) >= QuorumMath.majority(incoming.length)
                && (outgoing.length == 0 || count(outgoing, yes) >= QuorumMath.majority(outgoing.length));
    }

    /**
     * Where an election stands: won with a majority of grants in each half, lost once some half has a majority of
     * rejections (it can no longer reach a majority there), pending otherwise.
     */
    VoteTally.Result tally(LongPredicate granted, LongPredicate rejected) {
        if (incoming.length == 0) {
            return VoteTally.Result.LOST;
        }
        if (lost(incoming, rejected) || (outgoing.length > 0 && lost(outgoing, rejected))) {
            return VoteTally.Result.LOST;
        }
        return hasQuorum(granted) ? VoteTally.Result.WON : VoteTally.Result.PENDING;
    }

    private static boolean lost(long[] half, LongPredicate rejected) {
        return count(half, rejected) >= QuorumMath.majority(half.length);
    }

    private static int count(long[] half, LongPredicate yes) {
        int n = 0;
        for (long id : half) {
            if (yes.test(id)) {
                n++;
            }
        }
        return n;
    }

    private static long half(long[] ids, long[] values, long[] scratch, LongUnaryOperator valueOf) {
        for (int i = 0; i < ids.length; i++) {
            values[i] = valueOf.applyAsLong(ids[i]);
        }
        return QuorumMath.quorumValue(values, scratch);
    }
}
