package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipChange.addVoter;
import static dev.sansraft.core.MembershipChange.promote;
import static dev.sansraft.core.MembershipChange.remove;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configurations in the log (Raft thesis ch. 4): they take effect when appended and are rolled back when truncated,
 * joint consensus needs majorities of both configurations, one change at a time, exactly one outcome per change,
 * and a node not yet told it was added still takes the log and answers votes.
 */
class MembershipScenarioTest {

    /** Elects {@code leader} and lets its first entry commit everywhere. */
    static TestCluster started(RaftConfig config, long leader, long... ids) {
        TestCluster c = TestCluster.of(config, ids);
        c.elect(leader);
        c.tickAll(2);
        return c;
    }

    static TestCluster started(long leader, long... ids) {
        return started(RaftConfig.defaults(), leader, ids);
    }

    static Membership membership(TestCluster c, long id) {
        return c.core(id).status().membership();
    }

    /** The index at which {@code correlationId} was accepted. */
    static long acceptedIndex(TestCluster c, long leader, long correlationId) {
        List<Action.ProposalOutcome> outcomes = c.node(leader).outcomes(correlationId);
        assertThat(outcomes).as("outcomes of " + correlationId).hasSize(1);
        assertThat(outcomes.get(0)).isInstanceOf(Action.ProposalAccepted.class);
        return ((Action.ProposalAccepted) outcomes.get(0)).index();
    }

    @Test
    void aConfigurationTakesEffectWhenAppendedNotWhenCommitted() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.changeMembership(1, 100, addVoter(4, "host4:9004/8004"));
        long index = acceptedIndex(c, 1, 100);

        assertThat(c.core(1).commitIndex()).isLessThan(index);
        assertThat(membership(c, 1).voterIds()).as("the leader uses C_new before it commits")
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(c.queued(Message.AppendRequest.class)).as("so it replicates to the new voter at once")
                .anyMatch(m -> m.to() == 4);

        c.deliverWhere(m -> m.to() == 2 && m instanceof Message.AppendRequest);
        assertThat(c.core(2).commitIndex()).isLessThan(index);
        assertThat(membership(c, 2).voterIds()).as("a follower uses it once appended, uncommitted")
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(membership(c, 2).member(4).endpoint()).isEqualTo("host4:9004/8004");
    }

    @Test
    void aTruncatedConfigurationIsRolledBack() {
        TestCluster c = started(1, 1, 2, 3, 4, 5);
        c.changeMembership(1, 100, addLearner(6, "h6"));
        c.deliverWhere(m -> m.to() == 2 && m instanceof Message.AppendRequest);
        assertThat(membership(c, 2).learnerIds()).containsExactly(6L);

        c.isolate(1);
        c.isolate(2);
        for (int i = 0; i < 300 && c.leader() == 0; i++) {
            c.tickAll(1); // 3, 4 and 5 never saw the change, and elect one of them
        }
        assertThat(c.leader()).isIn(3L, 4L, 5L);
        c.heal(2);
        c.tickAll(2); // the new leader's first entry overwrites the change on 2

        assertThat(membership(c, 2).learnerIds()).as("the entry was truncated, and its configuration with it")
                .isEmpty();
        assertThat(membership(c, 2)).isEqualTo(Membership.ofVoters(List.of(1L, 2L, 3L, 4L, 5L)));
    }

    @Test
    void changingOneVoterTakesASingleStep() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.changeMembership(1, 100, addVoter(4, "h4"));
        assertThat(membership(c, 1).isJoint()).isFalse();
        c.tickAll(5);
        for (long id = 1; id <= 4; id++) {
            assertThat(membership(c, id).voterIds()).as("node " + id).containsExactly(1L, 2L, 3L, 4L);
            assertThat(c.core(id).commitIndex()).as("node " + id).isGreaterThanOrEqualTo(acceptedIndex(c, 1, 100));
        }
    }

    @Test
    void replacingSeveralVotersGoesThroughTheJointStateAndLeavesItOnceCommitted() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.changeMembership(1, 100, addVoter(4, "h4"), addVoter(5, "h5"), remove(2), remove(3));
        Membership joint = membership(c, 1);
        assertThat(joint.isJoint()).isTrue();
        assertThat(joint.voterIds()).containsExactly(1L, 4L, 5L);
        assertThat(Membership.ids(joint.outgoingVoters())).containsExactly(1L, 2L, 3L);

        c.tickAll(6);

        long jointIndex = acceptedIndex(c, 1, 100);
        assertThat(c.core(1).commitIndex()).isGreaterThan(jointIndex);
        assertThat(c.core(1).termAt(jointIndex + 1)).isEqualTo(c.core(1).term());
        for (long id : new long[] {1, 4, 5}) {
            assertThat(membership(c, id)).as("node " + id + " left the joint state")
                    .isEqualTo(new Membership(joint.voters(), List.of(), List.of()));
        }
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.propose(1, 101, "after");
        c.tickAll(2);
        assertThat(c.node(4).applied.get(c.node(4).applied.size() - 1).payload()).isEqualTo("after".getBytes());
    }

    @Test
    void inTheJointStateACommitNeedsAMajorityOfTheOutgoingVoters() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.isolate(2);
        c.isolate(3);
        c.changeMembership(1, 100, addVoter(4, "h4"), addVoter(5, "h5"), remove(2), remove(3));
        long index = acceptedIndex(c, 1, 100);
        c.deliverAll();
        c.tick(1, 3);
        c.deliverAll();

        assertThat(c.core(4).lastLogIndex()).as("C_new's voters hold it").isGreaterThanOrEqualTo(index);
        assertThat(c.core(1).commitIndex()).as("but C_old has only the leader").isLessThan(index);

        c.heal(2);
        c.tick(1, 2);
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
    }

    @Test
    void inTheJointStateACommitNeedsAMajorityOfTheIncomingVoters() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.isolate(4);
        c.isolate(5);
        c.changeMembership(1, 100, addVoter(4, "h4"), addVoter(5, "h5"), remove(2), remove(3));
        long index = acceptedIndex(c, 1, 100);
        c.deliverAll();
        c.tick(1, 3);
        c.deliverAll();

        assertThat(c.core(2).lastLogIndex()).as("C_old's voters hold it").isGreaterThanOrEqualTo(index);
        assertThat(c.core(1).commitIndex()).as("but C_new has only the leader").isLessThan(index);
    }

    @Test
    void inTheJointStateAnElectionNeedsAMajorityOfBoth() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.changeMembership(1, 99, addLearner(4, "h4"), addLearner(5, "h5"));
        c.tickAll(3);
        c.changeMembership(1, 100, promote(4), promote(5), remove(2), remove(3));
        long index = acceptedIndex(c, 1, 100);
        // Everyone appends C_old,new; nobody learns that it committed.
        c.deliverWhere(m -> m instanceof Message.AppendRequest);
        c.dropWhere(m -> true);
        for (long id = 2; id <= 5; id++) {
            assertThat(membership(c, id).isJoint()).as("node " + id).isTrue();
        }
        c.isolate(1);
        c.isolate(2);
        c.isolate(3);

        for (int i = 0; i < 100; i++) {
            c.tick(4, 1);
            c.tick(5, 1);
            c.deliverAll();
        }
        assertThat(c.core(4).role()).as("4 and 5 are a majority of C_new but none of C_old").isNotEqualTo(Role.LEADER);
        assertThat(c.core(5).role()).isNotEqualTo(Role.LEADER);

        c.heal(2);
        c.heal(3);
        for (int i = 0; i < 200 && c.leader() == 0; i++) {
            for (long id = 2; id <= 5; id++) {
                c.tick(id, 1);
            }
            c.deliverAll();
        }
        assertThat(c.leader()).as("with 2 and 3, a majority of both can elect").isIn(2L, 3L, 4L, 5L);
        assertThat(c.core(c.leader()).lastLogIndex()).isGreaterThanOrEqualTo(index);
    }

    @Test
    void aSecondChangeIsRejectedAtOnceWhileOneIsUncommitted() {
        TestCluster c = started(1, 1, 2, 3);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        List<Action> actions = c.changeMembership(1, 101, addLearner(5, "h5"));

        assertThat(actions).filteredOn(a -> a instanceof Action.ProposalOutcome).singleElement()
                .isInstanceOfSatisfying(Action.ProposalRejected.class, r -> assertThat(r.reason())
                        .isEqualTo(Action.RejectReason.MEMBERSHIP_CHANGE_IN_PROGRESS));
        assertThat(membership(c, 1).learnerIds()).containsExactly(4L);

        c.tickAll(3);
        c.changeMembership(1, 102, addLearner(5, "h5"));
        assertThat(c.node(1).outcomes(102)).singleElement().isInstanceOf(Action.ProposalAccepted.class);
    }

    @Test
    void aNewLeaderTakesNoChangeBeforeItCommitsAnEntryOfItsTerm() {
        TestCluster c = TestCluster.of(1, 2, 3);
        for (int i = 0; i < 200 && c.core(1).role() != Role.LEADER; i++) {
            c.tick(1, 1);
            c.deliverWhere(m -> !(m instanceof Message.AppendRequest));
        }
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        assertThat(c.node(1).outcomes(100)).singleElement().isInstanceOf(Action.ProposalRejected.class)
                .extracting(o -> ((Action.ProposalRejected) o).reason())
                .isEqualTo(Action.RejectReason.MEMBERSHIP_CHANGE_IN_PROGRESS);

        c.deliverAll();
        c.changeMembership(1, 101, addLearner(4, "h4"));
        assertThat(c.node(1).outcomes(101)).singleElement().isInstanceOf(Action.ProposalAccepted.class);
    }

    @Test
    void everyChangeGetsExactlyOneOutcome() {
        TestCluster c = started(1, 1, 2, 3);
        c.changeMembership(1, 100, remove(9));
        assertThat(c.node(1).outcomes(100)).singleElement().isInstanceOf(Action.ProposalRejected.class)
                .satisfies(o -> {
                    Action.ProposalRejected r = (Action.ProposalRejected) o;
                    assertThat(r.reason()).isEqualTo(Action.RejectReason.INVALID_MEMBERSHIP_CHANGE);
                    assertThat(r.detail()).contains("9");
                });
        c.changeMembership(2, 101, addLearner(4, "h4"));
        assertThat(c.node(2).outcomes(101)).singleElement()
                .isEqualTo(new Action.ProposalRejected(101, Action.RejectReason.NOT_LEADER, 1));

        c.changeMembership(1, 102, addLearner(4, "h4"));
        long index = acceptedIndex(c, 1, 102);
        c.tickAll(3);
        assertThat(c.node(1).outcomes(102)).as("accepted once, then applied, never reported again").hasSize(1);
        assertThat(c.node(1).applied).anyMatch(e -> e.index() == index && e.kind() == EntryKind.CONFIG
                && e.term() == c.core(1).term());
    }

    @Test
    void aNodeNotYetToldItWasAddedTakesTheLogFromTheLeader() {
        TestCluster c = started(1, 1, 2, 3);
        c.propose(1, 1, "before");
        c.tickAll(1);
        c.addNode(4);
        assertThat(membership(c, 4).isEmpty()).isTrue();
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.tickAll(5);

        assertThat(c.core(4).commitIndex()).isEqualTo(c.core(1).commitIndex());
        assertThat(membership(c, 4).learnerIds()).containsExactly(4L);
        assertThat(c.node(4).applied).extracting(LogEntry::payload).anyMatch(p -> new String(p).equals("before"));
    }

    @Test
    void aVoterGrantsItsVoteToACandidateItDoesNotKnowYet() {
        // Thesis §4.1: servers answer RequestVote without consulting their configuration, or a new voter that
        // a lagging voter has not heard of could never be elected.
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.isolate(3);
        c.changeMembership(1, 100, addVoter(4, "h4"));
        c.tickAll(3);
        long index = acceptedIndex(c, 1, 100);
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
        assertThat(membership(c, 3).contains(4)).as("3 has not heard of 4").isFalse();

        c.isolate(1);
        c.isolate(2);
        c.heal(3);
        // 4 needs 3 of {1, 2, 3, 4}: itself, 3, and one more; 2 answers too once healed.
        c.heal(2);
        c.cut(2, 3);
        for (int i = 0; i < 300 && c.core(4).role() != Role.LEADER; i++) {
            c.tick(2, 1);
            c.tick(3, 1);
            c.tick(4, 1);
            c.deliverAll();
        }
        assertThat(c.core(4).role()).as("3 voted for 4 without knowing it").isEqualTo(Role.LEADER);
        assertThat(c.node(3).sent(Message.VoteResponse.class)).anyMatch(r -> r.to() == 4 && r.voteGranted());
    }

    @Test
    void aSnapshotCarriesTheWholeConfigurationAndARestoredNodeHasExactlyIt() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.changeMembership(1, 100, addLearner(4, "h4:1/2"));
        c.tickAll(2);
        for (int i = 0; i < 5; i++) {
            c.propose(1, i, "x" + i);
        }
        c.tickAll(3);
        Membership expected = membership(c, 1);
        assertThat(expected.learners()).containsExactly(new Membership.Member(4, "h4:1/2"));

        TestCluster.StoredSnapshot s = c.node(2).newestSnapshot();
        assertThat(s).isNotNull();
        assertThat(s.info().membership()).isEqualTo(expected);

        c.restart(2);
        assertThat(c.core(2).firstLogIndex()).as("the configuration entry was compacted away")
                .isGreaterThan(acceptedIndex(c, 1, 100));
        assertThat(membership(c, 2)).as("restored from the snapshot, not from the start-up member list")
                .isEqualTo(expected);
    }

    @Test
    void aLaggingNodeTakesTheConfigurationOfTheSnapshotItInstalls() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.isolate(3);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        for (int i = 0; i < 6; i++) {
            c.propose(1, i, "x" + i);
            c.tickAll(1);
        }
        assertThat(c.core(1).firstLogIndex()).isGreaterThan(acceptedIndex(c, 1, 100));
        c.heal(3);
        c.tickAll(5);

        assertThat(c.node(3).actions(Action.RestoreSnapshot.class)).isNotEmpty();
        assertThat(membership(c, 3)).isEqualTo(membership(c, 1));
        assertThat(membership(c, 3).learnerIds()).containsExactly(4L);
    }

    @Test
    void aSnapshotTakenInTheJointStateKeepsTheOutgoingVoters() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(1).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.changeMembership(1, 100, addVoter(4, "h4"), addVoter(5, "h5"), remove(3));
        long jointIndex = acceptedIndex(c, 1, 100);
        c.tickAll(6);

        assertThat(c.node(1).actions(Action.TakeSnapshot.class)).anySatisfy(t -> {
            assertThat(t.index()).isEqualTo(jointIndex);
            assertThat(t.membership().isJoint()).isTrue();
            assertThat(Membership.ids(t.membership().outgoingVoters())).containsExactly(1L, 2L, 3L);
        });
    }

    @Test
    void promotionIsAConfigurationChange() {
        TestCluster c = started(1, 1, 2, 3);
        assertThat(c.core(1).status().members()).containsExactly(1L, 2L, 3L);
        c.addNode(4);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.tickAll(3);
        c.changeMembership(1, 101, promote(4));
        long index = acceptedIndex(c, 1, 101);
        assertThat(c.core(1).status().membership().voterIds()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(c.core(1).status().members()).as("status() keeps its voter ids only while the membership stands")
                .containsExactly(1L, 2L, 3L, 4L);
        c.tickAll(3);
        assertThat(c.core(4).commitIndex()).isGreaterThanOrEqualTo(index);
        assertThat(membership(c, 4).member(4)).isEqualTo(new Membership.Member(4, "h4"));
        assertThat(membership(c, 4).learners()).isEmpty();
    }

    @Test
    void messagesFromOutsideTheConfigurationAreIgnored() {
        TestCluster c = started(1, 1, 2, 3);
        long term = c.core(1).term();
        // A stranger claims a newer term in an answer: a correct member never sends this unasked.
        c.deliver(new Message.AppendResponse(7, 1, term + 5, false, 0, 0, 0, 0, 0));
        c.deliver(new Message.VoteResponse(7, 2, term + 5, false, false));
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(term);
        assertThat(c.core(2).term()).isEqualTo(term);
    }

    @Test
    void applyingChangesChecksThemAgainstTheConfiguration() {
        Membership m = Membership.of(List.of(new Membership.Member(1, "a"), new Membership.Member(2, "b")),
                List.of(new Membership.Member(3, "c")));
        assertThat(m.apply(List.of(promote(3))).voterIds()).containsExactly(1L, 2L, 3L);
        assertThat(m.apply(List.of(promote(3))).member(3).endpoint()).isEqualTo("c");
        assertThat(m.apply(List.of(addLearner(2, null))).learnerIds()).containsExactly(2L, 3L);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.apply(List.of(addVoter(1, "a"))))
                .hasMessageContaining("voter already");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.apply(List.of(remove(1), remove(2))))
                .hasMessageContaining("no voter");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.apply(List.of(addVoter(4, null))))
                .hasMessageContaining("endpoint");
        assertThat(m.transitionTo(m.apply(List.of(addVoter(4, "d")))).isJoint()).isFalse();
        assertThat(m.transitionTo(m.apply(List.of(addVoter(4, "d"), addVoter(5, "e")))).isJoint()).isTrue();
        assertThat(m.transitionTo(m.apply(List.of(addVoter(4, "d"), remove(2)))).isJoint())
                .as("replacing a voter changes two").isTrue();
    }

    @Test
    void theCodecRoundTripsEveryMembership() {
        Membership joint = new Membership(
                List.of(new Membership.Member(1, "h1:1/2"), new Membership.Member(4, "ĥ4")),
                List.of(new Membership.Member(1, "h1:1/2"), new Membership.Member(2, "h2"),
                        new Membership.Member(3, "")),
                List.of(new Membership.Member(2, "h2"), new Membership.Member(9, "h9")));
        for (Membership m : List.of(joint, Membership.EMPTY, Membership.ofVoters(List.of(5L)), joint.leaveJoint())) {
            assertThat(MembershipCodec.decode(MembershipCodec.encode(m))).isEqualTo(m);
            assertThat(MembershipCodec.encode(m)).hasSize(MembershipCodec.encodedSize(m));
        }
        byte[] bytes = MembershipCodec.encode(joint);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MembershipCodec.decode(
                java.util.Arrays.copyOf(bytes, bytes.length - 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
        bytes[0] = 9;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MembershipCodec.decode(bytes))
                .hasMessageContaining("version");
    }
}
