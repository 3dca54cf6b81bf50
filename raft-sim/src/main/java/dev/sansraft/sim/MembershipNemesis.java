package dev.sansraft.sim;

import dev.sansraft.core.Membership;
import dev.sansraft.core.MembershipChange;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.node.LeadershipTransferException;
import dev.sansraft.node.MembershipChangeException;
import dev.sansraft.node.NodeClosedException;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.ProposalDroppedException;
import dev.sansraft.node.RaftNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * Changes a {@link NodeSim} cluster's membership while the {@link Nemesis} injects faults and the clients run, through
 * the real {@link RaftNode} API of whichever node leads: it grows and shrinks the voters among 1, 3, 5 and 7 (one voter
 * at a time, or two at once through the joint configuration), adds learners on new nodes with empty disks and promotes
 * them, replaces a voter whose disk is lost by a new node with a new id (in one joint change, or as the README's recipe
 * does: join as learner, promote, remove the dead one), retires nodes once their removal is committed, and transfers
 * leadership, now and then to a learner, which must be refused.
 *
 * <p>Every call's outcome is checked as a client's is: it must complete within the node's request timeout (unless its
 * incarnation died or is paused), only with the failures the API documents, and a transfer to a learner never succeeds.
 * The safety of the changes themselves is checked by the simulator's invariants ({@link Invariant#CONFIGURATION_OVERLAP},
 * {@link Invariant#COMMIT_QUORUM}, {@link Invariant#ELECTION_SAFETY} across every node that ever ran).
 *
 * <p>Not thread-safe: runs on the simulation's thread.
 */
final class MembershipNemesis {

    /** The voter counts the cluster moves between. */
    private static final int[] SIZES = {1, 3, 5, 7};

    /** One call to the node API and where it went. */
    private static final class Call {
        final String what;
        final long nodeId;
        final NodeSim.Incarnation incarnation;
        final long submittedAt;
        final long pausedAtSubmit;
        final boolean mustFail;
        CompletableFuture<?> future;

        Call(String what, long nodeId, NodeSim.Incarnation incarnation, long submittedAt, long pausedAtSubmit,
             boolean mustFail) {
            this.what = what;
            this.nodeId = nodeId;
            this.incarnation = incarnation;
            this.submittedAt = submittedAt;
            this.pausedAtSubmit = pausedAtSubmit;
            this.mustFail = mustFail;
        }
    }

    private final NodeSim sim;
    private final SplittableRandom random;
    private final long everyMicros;
    private final List<Call> open = new ArrayList<>();
    /** Nodes started on empty disks and not yet seen in the leader's configuration. */
    private final Set<Long> joiners = new LinkedHashSet<>();
    private int targetVoters;
    private boolean stopped;
    private long changesRequested;
    private long changesCommitted;
    private long transfersRequested;
    private long transfersCompleted;
    private long nodesAdded;
    private long nodesRetired;
    private long promotionsDeferred;
    private int maxVoters;
    private int minVoters = Integer.MAX_VALUE;

    /**
     * @param everyTicks the mean number of ticks between two decisions
     */
    MembershipNemesis(NodeSim sim, long everyTicks) {
        this.sim = sim;
        this.random = sim.random();
        this.everyMicros = everyTicks * sim.options().tickMicros();
        this.targetVoters = SIZES[random.nextInt(SIZES.length)];
    }

    void start() {
        scheduleNext();
    }

    void stop() {
        stopped = true;
    }

    /** A one-line account of what was asked and what took effect. */
    String summary() {
        return changesRequested + " membership changes asked (" + changesCommitted + " committed), "
                + promotionsDeferred + " promotions deferred until the learner caught up, " + transfersRequested
                + " transfers (" + transfersCompleted + " done), " + nodesAdded
                + " nodes added, " + nodesRetired + " retired, voters between " + minVoters + " and " + maxVoters;
    }

    long changesCommitted() {
        return changesCommitted;
    }

    long transfersCompleted() {
        return transfersCompleted;
    }

    private void scheduleNext() {
        sim.schedule(1 + everyMicros / 2 + random.nextLong(everyMicros), "membership", this::act);
    }

    private void act() {
        if (stopped) {
            return;
        }
        scheduleNext();
        long leaderId = sim.leader();
        if (leaderId == 0) {
            return;
        }
        RaftNode leader = sim.node(leaderId);
        RaftStatus s = leader.status();
        Membership c = s.membership();
        int voters = c.allVoterIds().size();
        maxVoters = Math.max(maxVoters, voters);
        minVoters = Math.min(minVoters, voters);
        joiners.removeIf(id -> c.contains(id) || sim.isRetired(id));
        // The leader's configuration is the one committed last: nodes removed by it may go for good.
        boolean settled = !c.isJoint() && c.equals(sim.checker().committedConfiguration());
        if (settled) {
            retireRemoved(c);
        }
        if (random.nextInt(5) == 0) {
            transfer(leader, c);
            return;
        }
        if (c.isJoint()) {
            return; // the leader leaves the joint configuration by itself once it is committed
        }
        if (!c.learnerIds().isEmpty() && random.nextInt(3) != 0) {
            long learner = pick(c.learnerIds());
            if (random.nextInt(5) == 0) {
                change(leader, "remove learner " + learner, List.of(MembershipChange.remove(learner)));
            } else if (caughtUp(s, learner)) {
                changesRequested++;
                call(leaderId, "promote " + learner, false, leader.promote(learner));
            } else {
                // As an operator reading GET /members would: wait, and draw the promotion again at a later decision.
                promotionsDeferred++;
                sim.note("n" + leaderId + " has not heard learner " + learner + " catch up; promotion deferred");
            }
            return;
        }
        for (long id : c.voterIds()) {
            if (sim.isRetired(id)) {
                change(leader, "remove dead voter " + id, List.of(MembershipChange.remove(id)));
                return;
            }
        }
        if (voters == targetVoters) {
            if (voters >= 3 && settled && random.nextBoolean()) {
                replace(leader, c);
                return;
            }
            targetVoters = SIZES[random.nextInt(SIZES.length)];
        }
        if (voters < targetVoters) {
            grow(leader, c, targetVoters - voters);
        } else if (voters > targetVoters) {
            shrink(leader, c, voters - targetVoters);
        }
    }

    /**
     * Whether the leader's status shows {@code learner} caught up as {@link RaftNode#promote} asks: acknowledged
     * (match index positive) and within {@link RaftNode#PROMOTE_MAX_LAG_ENTRIES} of the commit index. The node
     * checks again and may still refuse, with a retryable failure, if its state moved on since.
     */
    private static boolean caughtUp(RaftStatus leader, long learner) {
        long match = leader.matchIndexOf(learner);
        return match > 0 && match + RaftNode.PROMOTE_MAX_LAG_ENTRIES >= leader.commitIndex();
    }

    /** Retires, now and then, a node no longer in the committed configuration: its process and disk are gone. */
    private void retireRemoved(Membership c) {
        for (long id = 1; id <= sim.size(); id++) {
            if (!c.contains(id) && !joiners.contains(id) && !sim.isRetired(id) && random.nextInt(3) == 0) {
                nodesRetired++;
                sim.retire(id);
            }
        }
    }

    /** A node to add: one that was started earlier and never made it in, or a new one on an empty disk (0: none). */
    private long newMember() {
        for (long id : joiners) {
            if (sim.isUp(id)) {
                return id;
            }
        }
        long id = sim.addNode();
        if (id != 0) {
            nodesAdded++;
            joiners.add(id);
        }
        return id;
    }

    private void grow(RaftNode leader, Membership c, int missing) {
        long a = newMember();
        if (a == 0) {
            targetVoters = c.voterIds().size();
            return;
        }
        if (missing >= 2 && random.nextBoolean()) {
            joiners.remove(a); // so that the second one is another node
            long b = newMember();
            joiners.add(a);
            if (b != 0) {
                change(leader, "add voters " + a + " and " + b, List.of(MembershipChange.addVoter(a, endpoint(a)),
                        MembershipChange.addVoter(b, endpoint(b))));
                return;
            }
        }
        if (random.nextInt(4) == 0) {
            change(leader, "add voter " + a, List.of(MembershipChange.addVoter(a, endpoint(a))));
        } else {
            call(leader.id(), "add learner " + a, false, leader.addLearner(a, endpoint(a)));
            changesRequested++;
        }
    }

    private void shrink(RaftNode leader, Membership c, int extra) {
        List<Long> voters = new ArrayList<>(c.voterIds());
        long a = voters.remove(random.nextInt(voters.size()));
        if (extra >= 2 && random.nextBoolean()) {
            long b = voters.get(random.nextInt(voters.size()));
            change(leader, "remove voters " + a + " and " + b, List.of(MembershipChange.remove(a),
                    MembershipChange.remove(b)));
        } else {
            change(leader, "remove voter " + a, List.of(MembershipChange.remove(a)));
        }
    }

    /**
     * A voter lost its disk: it is retired, and a new node with a new id takes its place, either in one joint change
     * or as a learner that is promoted later (the dead voter is removed by a later decision).
     */
    private void replace(RaftNode leader, Membership c) {
        List<Long> voters = c.voterIds();
        long dead = voters.get(random.nextInt(voters.size()));
        long fresh = newMember();
        if (fresh == 0) {
            return;
        }
        nodesRetired++;
        sim.retire(dead);
        if (dead == leader.id()) {
            return; // the leader died with its disk; a later decision finds the next leader and the dead voter
        }
        if (random.nextBoolean()) {
            change(leader, "replace " + dead + " by " + fresh, List.of(MembershipChange.remove(dead),
                    MembershipChange.addVoter(fresh, endpoint(fresh))));
        } else {
            call(leader.id(), "add learner " + fresh + " to replace " + dead, false,
                    leader.addLearner(fresh, endpoint(fresh)));
            changesRequested++;
        }
    }

    private void transfer(RaftNode leader, Membership c) {
        if (!c.learnerIds().isEmpty() && open.isEmpty() && random.nextInt(4) == 0) {
            // No change of ours is queued at the leader, so the learner is still one when the leader takes this.
            long learner = pick(c.learnerIds());
            call(leader.id(), "transfer leadership to learner " + learner, true,
                    leader.transferLeadership(learner));
            return;
        }
        List<Long> others = new ArrayList<>(c.voterIds());
        others.remove(leader.id());
        if (others.isEmpty()) {
            return;
        }
        transfersRequested++;
        long target = pick(others);
        call(leader.id(), "transfer leadership to " + target, false, leader.transferLeadership(target));
    }

    private void change(RaftNode leader, String what, List<MembershipChange> changes) {
        changesRequested++;
        call(leader.id(), what, false, leader.changeMembership(changes));
    }

    private static String endpoint(long id) {
        return "sim-node-" + id;
    }

    private long pick(List<Long> ids) {
        return ids.get(random.nextInt(ids.size()));
    }

    private void call(long nodeId, String what, boolean mustFail, CompletableFuture<?> future) {
        NodeSim.Member m = sim.member(nodeId);
        Call call = new Call(what, nodeId, m.live, sim.nowMicros(), m.pausedMicros(), mustFail);
        call.future = future;
        sim.note("n" + nodeId + " asked to " + what);
        open.add(call);
        future.whenComplete((result, failure) -> outcome(call, failure));
    }

    private void outcome(Call call, Throwable failure) {
        open.remove(call);
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        sim.note("n" + call.nodeId + ": " + call.what + " -> " + (cause == null ? "done" : cause.toString()));
        if (cause == null) {
            if (call.mustFail) {
                throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + call.nodeId + " completed \"" + call.what
                        + "\"; a transfer to a learner must be refused");
            }
            if (call.what.startsWith("transfer")) {
                transfersCompleted++;
            } else {
                changesCommitted++;
            }
            return;
        }
        boolean documented = cause instanceof NotLeaderException || cause instanceof MembershipChangeException
                || cause instanceof LeadershipTransferException || cause instanceof OutcomeUnknownException
                || cause instanceof TimeoutException || cause instanceof NodeClosedException
                || cause instanceof ProposalDroppedException || cause instanceof OverloadedException;
        if (!documented) {
            throw sim.violation(Invariant.CLIENT_OUTCOME, "node " + call.nodeId + " failed \"" + call.what
                    + "\" with an undocumented " + cause, cause);
        }
    }

    /** Every call to an incarnation still alive and awake has its outcome within its deadline and a margin. */
    void checkAllCompleted() {
        long tick = sim.options().tickMicros();
        long bound = (long) (sim.requestTimeoutMicros() * 1.25) + 4 * tick;
        for (Call call : open) {
            NodeSim.Member m = sim.member(call.nodeId);
            if (call.future.isDone() || m.live != call.incarnation || m.paused) {
                continue;
            }
            long waited = sim.nowMicros() - call.submittedAt - (m.pausedMicros() - call.pausedAtSubmit);
            if (waited > bound) {
                throw sim.violation(Invariant.CLIENT_OUTCOME, "\"" + call.what + "\" on node " + call.nodeId
                        + " is still pending after " + waited / tick + " ticks awake (request timeout "
                        + sim.requestTimeoutMicros() / tick + " ticks)");
            }
        }
    }
}
