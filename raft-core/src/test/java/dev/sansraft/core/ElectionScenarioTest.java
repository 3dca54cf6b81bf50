package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;

/** Raft §5.2 leader election, and the rules around it, as stories over a hand-driven cluster. */
class ElectionScenarioTest {

    private static final RaftConfig NO_PREVOTE = RaftConfig.builder().preVote(false).build();

    @Test
    void aFollowerThatTimesOutWinsTheElectionWithAMajority() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(1);
        for (long id : new long[] {2, 3}) {
            assertThat(c.core(id).role()).isEqualTo(Role.FOLLOWER);
            assertThat(c.core(id).term()).isEqualTo(1);
            assertThat(c.core(id).leaderId()).as("node %d knows the leader", id).isEqualTo(1);
            assertThat(c.node(id).hardState).as("node %d's durable vote", id).isEqualTo(new HardState(1, 1));
        }
        assertThat(c.node(1).actions).contains(new Action.RoleChanged(Role.LEADER, 1, 1));
    }

    @Test
    void aNewLeaderAppendsANoopInItsTermAndCommitsIt() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        LogEntry last = c.node(1).log.entry(c.core(1).lastLogIndex());
        assertThat(last.kind()).isEqualTo(EntryKind.NOOP);
        assertThat(last.term()).isEqualTo(1);
        assertThat(c.core(1).commitIndex()).isEqualTo(1);
        assertThat(c.node(1).applied).containsExactly(LogEntry.noop(1, 1));
    }

    @Test
    void preVoteRoundComesFirstAndLeavesTermsUntouchedUntilItWins() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.timeOut(1);
        assertThat(c.core(1).role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(c.core(1).term()).as("a pre-candidate has not moved to the new term").isZero();
        assertThat(c.queued(Message.VoteRequest.class)).hasSize(2)
                .allMatch(Message.VoteRequest::preVote).allMatch(v -> v.term() == 1);
        // Thesis §9.6: granting a pre-vote commits the voter to nothing; its term stays where it was, on disk too.
        c.deliverWhere(m -> m instanceof Message.VoteRequest && ((Message.VoteRequest) m).preVote());
        for (long voter : new long[] {2, 3}) {
            assertThat(c.core(voter).term()).as("node %d after granting a pre-vote", voter).isZero();
            assertThat(c.node(voter).hardState.term()).as("node %d's persisted term", voter).isZero();
        }
        c.deliverAll();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(1);
    }

    @Test
    void splitVoteIsResolvedByRandomizedTimeouts() {
        // §5.2: three nodes time out together, each votes for itself, nobody wins term 1.
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(1);
        c.timeOut(2);
        c.timeOut(3);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.core(id).role()).isEqualTo(Role.CANDIDATE);
            assertThat(c.node(id).hardState).isEqualTo(new HardState(1, id));
        }
        c.deliverAll();
        for (long id = 1; id <= 3; id++) {
            assertThat(c.core(id).role()).as("node %d after the split", id).isNotEqualTo(Role.LEADER);
            assertThat(c.core(id).term()).isEqualTo(1);
        }
        assertThat(c.leaderOfTerm).as("nobody led term 1").doesNotContainKey(1L);
        // Lockstep ticks: the randomized timeouts differ, so one node starts term 2 alone and wins it.
        for (int i = 0; i < 40 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        assertThat(leader).as("a leader emerges").isNotZero();
        assertThat(c.core(leader).term()).isEqualTo(2);
        assertThat(c.leaderOfTerm).containsEntry(2L, leader);
    }

    @Test
    void splitVoteInAFourNodeClusterLeavesBothCandidatesShortOfAMajority() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3, 4);
        c.timeOut(1);
        c.timeOut(2);
        // Node 3 hears from candidate 1 first, node 4 from candidate 2.
        c.deliverWhere(m -> m instanceof Message.VoteRequest && ((m.from() == 1 && m.to() == 3)
                || (m.from() == 2 && m.to() == 4)));
        c.deliverAll();
        assertThat(c.node(3).hardState.votedFor()).isEqualTo(1);
        assertThat(c.node(4).hardState.votedFor()).isEqualTo(2);
        assertThat(c.core(1).role()).isEqualTo(Role.CANDIDATE);
        assertThat(c.core(2).role()).isEqualTo(Role.CANDIDATE);
        for (int i = 0; i < 60 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isNotZero();
        assertThat(c.core(c.leader()).term()).isGreaterThan(1);
    }

    @Test
    void voteIsDeniedToACandidateWhoseLogIsBehind() {
        // §5.4.1: node 2's log ends in term 3, the candidate's in term 2; node 3's ends at (2, 2) like node 1's.
        TestCluster c = TestCluster.builder(NO_PREVOTE)
                .node(1, logOfTerms(1, 2), new HardState(3, 0))
                .node(2, logOfTerms(1, 3), new HardState(3, 0))
                .node(3, logOfTerms(1, 2, 2), new HardState(3, 0))
                .build();
        c.timeOut(1);
        c.deliverAll();
        assertThat(c.core(1).role()).as("shorter log of equal last term, and older last term").isNotEqualTo(
                Role.LEADER);
        assertThat(c.node(2).sent(Message.VoteResponse.class)).singleElement()
                .matches(r -> !r.voteGranted(), "denied: candidate's last term 2 < 3");
        assertThat(c.node(3).sent(Message.VoteResponse.class)).singleElement()
                .matches(r -> !r.voteGranted(), "denied: same last term, shorter log");
        assertThat(c.node(2).hardState.votedFor()).isZero();
        assertThat(c.node(3).hardState.votedFor()).isZero();
    }

    @Test
    void preVoteIsDeniedToACandidateWhoseLogIsBehindAndItsTermNeverMoves() {
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(1), new HardState(2, 0))
                .node(2, logOfTerms(1, 2), new HardState(2, 0))
                .node(3, logOfTerms(1, 2), new HardState(2, 0))
                .build();
        for (int i = 0; i < 5; i++) {
            c.timeOut(1);
            c.deliverAll();
        }
        assertThat(c.core(1).term()).as("pre-votes lost: the term stays").isEqualTo(2);
        assertThat(c.core(2).term()).isEqualTo(2);
        assertThat(c.core(3).term()).isEqualTo(2);
        c.elect(2);
        assertThat(c.core(2).term()).isEqualTo(3);
    }

    @Test
    void eachNodeVotesOncePerTermFirstComeFirstServed() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(1);
        c.timeOut(2);
        // Node 3 receives 2's request first.
        c.deliverWhere(m -> m.from() == 2 && m.to() == 3);
        c.deliverAll();
        assertThat(c.node(3).hardState).isEqualTo(new HardState(1, 2));
        assertThat(c.core(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(3).sent(Message.VoteResponse.class)).filteredOn(r -> r.to() == 1)
                .allMatch(r -> !r.voteGranted());
    }

    @Test
    void staleTermMessagesAreIgnored() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.propose(1, 1, "x");
        c.deliverAll();
        c.tickAll(1);
        c.isolate(1);
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        long follower = leader == 2 ? 3 : 2;
        c.heal(1);
        long term = c.core(leader).term();
        assertThat(term).isGreaterThan(1);
        List<Long> followerLog = c.node(follower).terms();
        int mark = c.node(follower).mark();
        // A stale leader's append, a stale vote request, and a stale vote response reach the follower and leader.
        c.deliver(new Message.AppendRequest(1, follower, term - 1, 2, 1,
                List.of(TestCluster.entry(3, term - 1)), 3, 99));
        c.deliver(new Message.VoteRequest(1, follower, term - 1, 10, term - 1, false));
        c.deliver(new Message.VoteResponse(1, leader, term - 1, true, false));
        assertThat(c.node(follower).terms()).as("log unchanged").isEqualTo(followerLog);
        assertThat(c.core(follower).term()).isEqualTo(term);
        assertThat(c.core(follower).leaderId()).isEqualTo(leader);
        assertThat(c.node(follower).hardState.votedFor()).as("no vote for a stale candidate").isNotEqualTo(1);
        assertThat(c.core(leader).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(follower).sentSince(mark, Message.AppendResponse.class)).filteredOn(r -> r.to() == 1)
                .as("the stale leader is told the newer term, so it can step down")
                .isNotEmpty().allMatch(r -> !r.success() && r.term() == term);
        assertThat(c.node(follower).sentSince(mark, Message.VoteResponse.class)).filteredOn(r -> r.to() == 1)
                .allMatch(r -> !r.voteGranted());
        c.deliverAll();
        assertThat(c.core(1).role()).as("old leader learned of the new term").isEqualTo(Role.FOLLOWER);
        assertThat(c.core(1).term()).isEqualTo(term);
    }

    @Test
    void aNodeThatHeardFromALiveLeaderIgnoresVoteRequests() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.tickAll(1);
        int before = c.node(2).actions.size();
        c.deliver(new Message.VoteRequest(3, 2, 5, 100, 1, false));
        c.deliver(new Message.VoteRequest(3, 2, 5, 100, 1, true));
        assertThat(c.core(2).term()).as("term not disturbed").isEqualTo(1);
        assertThat(c.node(2).hardState).isEqualTo(new HardState(1, 1));
        assertThat(c.node(2).actions.subList(before, c.node(2).actions.size()))
                .as("ignored: no answer, no state change").isEmpty();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
    }

    @Test
    void singleNodeClusterElectsItself() {
        TestCluster c = TestCluster.of(7);
        c.tick(7, 1);
        assertThat(c.core(7).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(7).term()).isEqualTo(1);
        assertThat(c.node(7).hardState).isEqualTo(new HardState(1, 7));
        assertThat(c.core(7).commitIndex()).as("its NOOP commits once durable").isEqualTo(1);
        c.propose(7, 1, "a");
        assertThat(c.node(7).applied).extracting(LogEntry::index).containsExactly(1L, 2L);
    }

    @Test
    void voteIsPersistedBeforeTheResponseInTheSameActionList() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(1);
        Message.VoteRequest toTwo = c.queued(Message.VoteRequest.class).stream().filter(v -> v.to() == 2)
                .findFirst().orElseThrow();
        List<Action> actions = c.step(2, new Event.Receive(toTwo));
        int persist = indexOf(actions, a -> a.equals(new Action.PersistHardState(new HardState(1, 1))));
        int respond = indexOf(actions, a -> a instanceof Action.Send
                && ((Action.Send) a).message() instanceof Message.VoteResponse);
        assertThat(persist).as("PersistHardState emitted").isNotNegative();
        assertThat(respond).as("vote response emitted").isGreaterThan(persist);
    }

    @Test
    void candidateTermAndSelfVoteArePersistedBeforeItsVoteRequests() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        List<Action> actions = List.of();
        while (c.core(1).role() == Role.FOLLOWER) {
            actions = c.step(1, Event.Tick.INSTANCE);
        }
        int persist = indexOf(actions, a -> a.equals(new Action.PersistHardState(new HardState(1, 1))));
        int firstSend = indexOf(actions, a -> a instanceof Action.Send);
        assertThat(persist).isNotNegative();
        assertThat(firstSend).isGreaterThan(persist);
    }

    @Test
    void aCandidateStepsBackWhenItHearsFromALeaderOfItsTerm() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(1);
        c.timeOut(2);
        c.deliverWhere(m -> m.from() == 1 || m.to() == 1);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.deliverAll();
        assertThat(c.core(2).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(2).leaderId()).isEqualTo(1);
        assertThat(c.core(2).term()).isEqualTo(1);
    }

    static int indexOf(List<Action> actions, java.util.function.Predicate<Action> p) {
        for (int i = 0; i < actions.size(); i++) {
            if (p.test(actions.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
