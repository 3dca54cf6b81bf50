package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster configuration (Raft thesis ch. 4): the voters, the learners, and, in the joint state C_old,new, the
 * outgoing voters of C_old. Each member is an id with an opaque endpoint string, so a new member's address reaches
 * every node through the log.
 *
 * <p>Rules the constructor checks: ids are positive; a list never names an id twice; no id is both a voter and a
 * learner; an id named in several lists has the same endpoint in each; there is at least one voter unless the whole
 * membership is {@link #EMPTY} (a node that waits to be added). An outgoing voter may also be a learner: that is a
 * voter being demoted through the joint state.
 *
 * <p>In the joint state ({@link #isJoint()}) every election and every commit needs a majority of {@link #voters()}
 * and a majority of {@link #outgoingVoters()} (thesis §4.3). Learners never vote and never count toward a commit.
 *
 * <p>Immutable and thread-safe; lists are copied and sorted by id, so equal memberships compare equal.
 *
 * @param voters         the voters of the (incoming) configuration, C_new in the joint state
 * @param outgoingVoters the voters of C_old while in the joint state; empty otherwise
 * @param learners       members that receive the log but never vote
 */
public record Membership(List<Member> voters, List<Member> outgoingVoters, List<Member> learners) {

    /** The membership of a node that has not been told any configuration yet: it never campaigns. */
    public static final Membership EMPTY = new Membership(List.of(), List.of(), List.of());

    /**
     * One member: an id and an endpoint string the runtime uses to reach it (for example
     * {@code host:raftPort/httpPort}). The core never interprets the endpoint.
     *
     * @param id the member's node id, positive
     * @param endpoint how the runtime reaches it; may be empty, never null
     */
    public record Member(long id, String endpoint) {
        /** The longest endpoint, in UTF-8 bytes, that codecs accept. */
        public static final int MAX_ENDPOINT_BYTES = 1024;

        /**
         * Checks the id and the endpoint.
         *
         * @param id the member's node id, positive
         * @param endpoint how the runtime reaches it; may be empty, never null
         * @throws IllegalArgumentException if the id is not positive or the endpoint is null or too long
         */
        public Member {
            if (id < 1) {
                throw new IllegalArgumentException("member id must be positive, got " + id);
            }
            if (endpoint == null) {
                endpoint = "";
            }
            if (endpoint.length() > MAX_ENDPOINT_BYTES) {
                throw new IllegalArgumentException("endpoint of member " + id + " is longer than "
                        + MAX_ENDPOINT_BYTES + " characters");
            }
        }
    }

    /**
     * Sorts the lists and checks that they fit together.
     *
     * @param voters the voters of the (incoming) configuration, C_new in the joint state
     * @param outgoingVoters the voters of C_old while in the joint state; empty otherwise
     * @param learners members that receive the log but never vote
     * @throws IllegalArgumentException naming the member or list that is invalid
     */
    public Membership {
        voters = sorted(voters, "voters");
        outgoingVoters = sorted(outgoingVoters, "outgoing voters");
        learners = sorted(learners, "learners");
        if (voters.isEmpty() && (!outgoingVoters.isEmpty() || !learners.isEmpty())) {
            throw new IllegalArgumentException("a membership with members needs at least one voter: outgoing "
                    + outgoingVoters + " learners " + learners);
        }
        Map<Long, String> endpoints = new HashMap<>();
        for (List<Member> list : List.of(voters, outgoingVoters, learners)) {
            for (Member m : list) {
                String known = endpoints.putIfAbsent(m.id(), m.endpoint());
                if (known != null && !known.equals(m.endpoint())) {
                    throw new IllegalArgumentException("member " + m.id() + " has two endpoints: '" + known
                            + "' and '" + m.endpoint() + "'");
                }
            }
        }
        for (Member l : learners) {
            if (contains(voters, l.id())) {
                throw new IllegalArgumentException("member " + l.id() + " is both a voter and a learner");
            }
        }
    }

    /**
     * A simple (not joint) membership of voters with empty endpoints, as the runtime's static member list gives.
     *
     * @param ids the voters' ids, positive and distinct
     * @return the membership
     */
    public static Membership ofVoters(Collection<Long> ids) {
        List<Member> members = new ArrayList<>();
        for (Long id : ids) {
            if (id == null) {
                throw new IllegalArgumentException("null member id in " + ids);
            }
            members.add(new Member(id, ""));
        }
        return new Membership(members, List.of(), List.of());
    }

    /**
     * A simple membership of the given voters and learners.
     *
     * @param voters the voters, positive and distinct ids
     * @param learners the learners, none of them a voter
     * @return the membership
     */
    public static Membership of(List<Member> voters, List<Member> learners) {
        return new Membership(voters, List.of(), learners);
    }

    /** {@return whether this is the joint configuration C_old,new} */
    public boolean isJoint() {
        return !outgoingVoters.isEmpty();
    }

    /** {@return whether no configuration is known (a node waiting to be added)} */
    public boolean isEmpty() {
        return voters.isEmpty();
    }

    /**
     * Whether {@code id} votes: it is a voter of the incoming or, in the joint state, the outgoing configuration.
     *
     * @param id a node id
     * @return true if {@code id} votes
     */
    public boolean isVoter(long id) {
        return contains(voters, id) || contains(outgoingVoters, id);
    }

    /**
     * Whether {@code id} is a learner (and so not an incoming voter).
     *
     * @param id a node id
     * @return true if {@code id} is a learner
     */
    public boolean isLearner(long id) {
        return contains(learners, id);
    }

    /**
     * Whether {@code id} is any kind of member.
     *
     * @param id a node id
     * @return true if {@code id} is a voter or a learner
     */
    public boolean contains(long id) {
        return isVoter(id) || isLearner(id);
    }

    /**
     * The member named {@code id} in any list, or null.
     *
     * @param id a node id
     * @return the member, or null
     */
    public Member member(long id) {
        for (List<Member> list : List.of(voters, outgoingVoters, learners)) {
            for (Member m : list) {
                if (m.id() == id) {
                    return m;
                }
            }
        }
        return null;
    }

    /** {@return the ids of the incoming voters, ascending; unmodifiable} */
    public List<Long> voterIds() {
        return idList(voters);
    }

    /** {@return the ids of the learners, ascending} */
    public List<Long> learnerIds() {
        return idList(learners);
    }

    /** {@return every voter's id (incoming and outgoing), ascending and distinct; unmodifiable} */
    public List<Long> allVoterIds() {
        long[] all = ids(voters, outgoingVoters);
        List<Long> list = new ArrayList<>(all.length);
        for (long id : all) {
            list.add(id);
        }
        return List.copyOf(list);
    }

    /** {@return the simple configuration this joint one leaves to: C_new, with the same learners} */
    public Membership leaveJoint() {
        return new Membership(voters, List.of(), learners);
    }

    /**
     * Applies {@code changes} in order to this simple membership and returns the configuration that results.
     *
     * @param changes the changes, at least one
     * @return the resulting simple configuration
     * @throws IllegalArgumentException with the reason when a change does not apply: this membership is joint, an
     *                                  added member exists already in that role, a promoted or removed member is
     *                                  unknown, or no voter would be left
     */
    public Membership apply(List<MembershipChange> changes) {
        if (isJoint()) {
            throw new IllegalArgumentException("the membership is in the joint state; it must leave it first");
        }
        if (changes == null || changes.isEmpty()) {
            throw new IllegalArgumentException("a membership change needs at least one change");
        }
        List<Member> newVoters = new ArrayList<>(voters);
        List<Member> newLearners = new ArrayList<>(learners);
        for (MembershipChange c : changes) {
            Member known = find(newVoters, c.id());
            if (known == null) {
                known = find(newLearners, c.id());
            }
            String endpoint = c.endpoint() != null ? c.endpoint() : known != null ? known.endpoint() : null;
            switch (c.type()) {
                case ADD_VOTER -> {
                    if (find(newVoters, c.id()) != null) {
                        throw new IllegalArgumentException("member " + c.id() + " is a voter already");
                    }
                    if (endpoint == null) {
                        throw new IllegalArgumentException("new voter " + c.id() + " needs an endpoint");
                    }
                    newLearners.removeIf(m -> m.id() == c.id());
                    newVoters.add(new Member(c.id(), endpoint));
                }
                case ADD_LEARNER -> {
                    if (find(newLearners, c.id()) != null) {
                        throw new IllegalArgumentException("member " + c.id() + " is a learner already");
                    }
                    if (endpoint == null) {
                        throw new IllegalArgumentException("new learner " + c.id() + " needs an endpoint");
                    }
                    newVoters.removeIf(m -> m.id() == c.id());
                    newLearners.add(new Member(c.id(), endpoint));
                }
                case REMOVE -> {
                    if (known == null) {
                        throw new IllegalArgumentException("member " + c.id() + " is not in the configuration");
                    }
                    newVoters.removeIf(m -> m.id() == c.id());
                    newLearners.removeIf(m -> m.id() == c.id());
                }
            }
        }
        if (newVoters.isEmpty()) {
            throw new IllegalArgumentException("the change would leave no voter");
        }
        return new Membership(newVoters, List.of(), newLearners);
    }

    /**
     * The configuration to append on the way from this simple membership to {@code target}: {@code target} itself
     * when at most one voter is added or removed (the single-step path of thesis §4.2, safe because any majority of
     * the old and of the new voter set overlap), otherwise the joint configuration C_old,new (thesis §4.3).
     *
     * @param target the simple configuration to reach
     * @return the next configuration to append
     */
    public Membership transitionTo(Membership target) {
        if (isJoint() || target.isJoint()) {
            throw new IllegalArgumentException("transitions go between simple memberships: " + this + " -> "
                    + target);
        }
        long[] from = ids(voters);
        long[] to = ids(target.voters);
        int differing = 0;
        for (long id : from) {
            if (Arrays.binarySearch(to, id) < 0) {
                differing++;
            }
        }
        for (long id : to) {
            if (Arrays.binarySearch(from, id) < 0) {
                differing++;
            }
        }
        if (differing <= 1) {
            return target;
        }
        return new Membership(target.voters, voters, target.learners);
    }

    /** The ids in both lists, ascending and distinct. */
    static long[] ids(List<Member> first, List<Member> second) {
        return Arrays.stream(new long[][] {ids(first), ids(second)}).flatMapToLong(Arrays::stream).sorted()
                .distinct().toArray();
    }

    static long[] ids(List<Member> members) {
        long[] ids = new long[members.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = members.get(i).id();
        }
        return ids;
    }

    private static List<Long> idList(List<Member> members) {
        List<Long> list = new ArrayList<>(members.size());
        for (Member m : members) {
            list.add(m.id());
        }
        return List.copyOf(list);
    }

    private static List<Member> sorted(List<Member> members, String what) {
        if (members == null) {
            return List.of();
        }
        List<Member> copy = new ArrayList<>(members);
        for (Member m : copy) {
            if (m == null) {
                throw new IllegalArgumentException("null member among " + what);
            }
        }
        copy.sort(Comparator.comparingLong(Member::id));
        for (int i = 1; i < copy.size(); i++) {
            if (copy.get(i).id() == copy.get(i - 1).id()) {
                throw new IllegalArgumentException("member " + copy.get(i).id() + " is listed twice among " + what);
            }
        }
        return List.copyOf(copy);
    }

    private static boolean contains(List<Member> members, long id) {
        return find(members, id) != null;
    }

    private static Member find(List<Member> members, long id) {
        for (Member m : members) {
            if (m.id() == id) {
                return m;
            }
        }
        return null;
    }
}
