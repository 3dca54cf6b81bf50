package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The configurations this node's log holds, so the core always uses the newest one (thesis §4.1: a configuration
 * takes effect as soon as its entry is appended, committed or not) and can roll back to the previous one when that
 * entry is truncated. Configurations at or below the commit index are folded into one committed base, since
 * committed entries are never truncated. Not thread-safe: owned by its {@link RaftCore}.
 *
 * <p>Invariant: the uncommitted changes are in ascending index order, all above {@code baseIndex}.
 */
final class MembershipLog {

    private record Change(long index, Membership membership) {
    }

    private final long self;
    private Membership base;
    private long baseIndex;
    private final List<Change> changes = new ArrayList<>();
    /** Derived from {@link #current()} on every change. */
    private JointQuorum quorum;
    private long[] peers;
    private long[] members;

    /**
     * Starts from the configuration in effect at {@code index} (a snapshot's, or the bootstrap one at 0), as seen by
     * node {@code self}.
     */
    MembershipLog(long self, long index, Membership membership) {
        this.self = self;
        this.baseIndex = index;
        this.base = membership;
        refresh();
    }

    /** The voters of the configuration in effect, and its majority arithmetic. */
    JointQuorum quorum() {
        return quorum;
    }

    /**
     * Every member but this node, ascending: whom a leader replicates to. Members of the committed configuration
     * that the newest one removes stay until it commits, so they receive the entry that removes them and stop
     * campaigning (thesis §4.2.2) rather than time out for want of heartbeats.
     */
    long[] peers() {
        return peers;
    }

    /**
     * Whether {@code id} is a member (voter, outgoing voter or learner) of the newest or of the committed
     * configuration: a node whose messages count.
     */
    boolean isMember(long id) {
        return Arrays.binarySearch(members, id) >= 0;
    }

    /**
     * Whether this node votes in the committed configuration but not in the newest one, which is not committed yet:
     * its removal is under way. Thesis §4.2.2: such a node still starts elections, without counting its own vote,
     * since it may be needed until C_new is committed; a leader that appended its own removal and lost leadership
     * may hold the only copy of C_new that a majority of C_new would vote for.
     */
    boolean isRemovalPending() {
        return !changes.isEmpty() && !quorum.isVoter(self) && base.isVoter(self);
    }

    /** Whether this node is the only voter: it is its own quorum. */
    boolean isSoleVoter() {
        long[] voters = quorum.voters();
        return voters.length == 1 && voters[0] == self;
    }

    private void refresh() {
        Membership m = current();
        quorum = JointQuorum.of(m);
        members = Arrays.stream(new long[][] {ids(m), ids(base)}).flatMapToLong(Arrays::stream).sorted()
                .distinct().toArray();
        peers = Arrays.stream(members).filter(id -> id != self).toArray();
    }

    /** The configuration in effect: the newest in the log. */
    Membership current() {
        return changes.isEmpty() ? base : changes.get(changes.size() - 1).membership();
    }

    /** The index of the newest committed configuration entry (the base), 0 for the bootstrap configuration. */
    long committedIndex() {
        return baseIndex;
    }

    /** The index of the newest configuration entry, or the base's index. */
    long currentIndex() {
        return changes.isEmpty() ? baseIndex : changes.get(changes.size() - 1).index();
    }

    /**
     * Notes an entry appended to the log; returns whether the configuration in effect changed. An entry at or below
     * the newest known configuration is one the log already held (a resent entry that matched), and changes nothing.
     */
    boolean appended(LogEntry e) {
        if (e.kind() != EntryKind.CONFIG || e.index() <= currentIndex()) {
            return false;
        }
        changes.add(new Change(e.index(), decode(e)));
        refresh();
        return true;
    }

    /** The log lost every entry from {@code index} on; returns whether the configuration in effect changed. */
    boolean truncatedFrom(long index) {
        if (index <= baseIndex) {
            throw new IllegalStateException("truncation at " + index + " would remove the committed configuration at "
                    + baseIndex);
        }
        boolean changed = false;
        while (!changes.isEmpty() && changes.get(changes.size() - 1).index() >= index) {
            changes.remove(changes.size() - 1);
            changed = true;
        }
        if (changed) {
            refresh();
        }
        return changed;
    }

    /**
     * Entries up to {@code commitIndex} are committed: their configurations can never be rolled back. Returns whether
     * the peers changed (members removed by the newly committed configuration are dropped).
     */
    boolean committed(long commitIndex) {
        boolean folded = false;
        while (!changes.isEmpty() && changes.get(0).index() <= commitIndex) {
            Change c = changes.remove(0);
            base = c.membership();
            baseIndex = c.index();
            folded = true;
        }
        if (folded) {
            refresh();
        }
        return folded;
    }

    /** The configuration in effect at {@code index}, which must not be below the committed base. */
    Membership at(long index) {
        if (index < baseIndex) {
            throw new IllegalArgumentException("configuration at " + index + " asked, only known from " + baseIndex);
        }
        Membership m = base;
        for (Change c : changes) {
            if (c.index() > index) {
                break;
            }
            m = c.membership();
        }
        return m;
    }

    /** An installed snapshot replaced the log: its configuration is the only one. */
    void reset(long index, Membership membership) {
        changes.clear();
        base = membership;
        baseIndex = index;
        refresh();
    }

    /** Whether a configuration entry is in the log but not yet committed. */
    boolean hasUncommitted(long commitIndex) {
        return currentIndex() > commitIndex;
    }

    private static long[] ids(Membership m) {
        return Arrays.stream(new long[][] {Membership.ids(m.voters()), Membership.ids(m.outgoingVoters()),
                Membership.ids(m.learners())}).flatMapToLong(Arrays::stream).toArray();
    }

    private static Membership decode(LogEntry e) {
        try {
            return MembershipCodec.decode(e.payload());
        } catch (IllegalArgumentException ex) {
            throw new IllegalStateException("configuration entry " + e.index() + "@" + e.term()
                    + " does not decode: " + ex.getMessage(), ex);
        }
    }
}
