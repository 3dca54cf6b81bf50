package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addLearner;
import static dev.sansraft.core.MembershipChange.remove;
import static dev.sansraft.core.MembershipScenarioTest.acceptedIndex;
import static dev.sansraft.core.MembershipScenarioTest.membership;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Learners (they get the log and snapshots, never vote, never count) and removal (a removed leader leads until the
 * configuration without it commits; a removed node stops campaigning and cannot disrupt the cluster), thesis ch. 4.
 */
class RemovalScenarioTest {

    @Test
    void aLearnerReceivesTheLogAndSnapshotsAndTheLeaderShowsItsMatchIndex() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        for (int i = 0; i < 6; i++) {
            c.propose(1, i, "x" + i);
            c.tickAll(1);
        }
        assertThat(c.core(1).firstLogIndex()).as("compacted: the learner needs the snapshot").isGreaterThan(1);
        c.addNode(4);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.tickAll(5);

        assertThat(c.node(4).actions(Action.RestoreSnapshot.class)).isNotEmpty();
        assertThat(c.core(4).appliedIndex()).isEqualTo(c.core(1).commitIndex());
        assertThat(c.core(1).status().matchIndexOf(4)).as("the leader exposes the learner's match index")
                .isEqualTo(c.core(1).lastLogIndex());
        assertThat(c.core(1).status().membership().learnerIds()).containsExactly(4L);
    }

    /**
     * A learner that gets the leader's log from its first entry (nothing compacted) applies entries from before the
     * first configuration entry, whose configuration (the bootstrap one) it never learned: it must not snapshot them
     * without a configuration, only once it applied the entry that added it. Found by the membership swarm, seed 13
     * (a fail-stop: "snapshot at 7 without a configuration").
     */
    @Test
    void aLearnerGivenTheWholeLogSnapshotsOnlyOnceItKnowsAConfiguration() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(2).snapshotTrailingEntries(1000)
                .maxEntriesPerAppend(1).build(); // one entry per append: it applies them one at a time
        TestCluster c = started(config, 1, 1, 2, 3);
        for (int i = 0; i < 6; i++) {
            c.propose(1, i, "x" + i);
            c.tickAll(1);
        }
        assertThat(c.core(1).firstLogIndex()).as("not compacted: the learner gets the whole log").isEqualTo(1);
        c.addNode(4);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        long index = acceptedIndex(c, 1, 100);
        c.tickAll(5);

        assertThat(c.core(4).appliedIndex()).isEqualTo(c.core(1).commitIndex());
        List<Action.TakeSnapshot> taken = c.node(4).actions(Action.TakeSnapshot.class);
        assertThat(taken).as("it snapshots, but only from the entry that added it on").isNotEmpty()
                .allMatch(t -> t.index() >= index && t.membership().learnerIds().contains(4L));
    }

    @Test
    void aLearnerNeverCampaigns() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.changeMembership(1, 100, addLearner(4, "h4"));
        c.tickAll(3);
        c.isolate(1);
        c.tickAll(100);

        assertThat(c.node(4).sent(Message.VoteRequest.class)).as("the learner lost its leader and stayed quiet")
                .isEmpty();
        assertThat(c.core(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.leader()).isIn(2L, 3L);
    }

    @Test
    void aLearnerNeverCountsTowardACommit() {
        TestCluster c = started(1, 1, 2, 3);
        c.addNode(4);
        c.addNode(5);
        c.changeMembership(1, 100, addLearner(4, "h4"), addLearner(5, "h5"));
        c.tickAll(3);
        c.isolate(2);
        c.isolate(3);
        c.propose(1, 101, "needs a voter");
        c.deliverAll();
        c.tick(1, 2);
        c.deliverAll();

        assertThat(c.core(4).lastLogIndex()).isEqualTo(c.core(1).lastLogIndex());
        assertThat(c.core(5).lastLogIndex()).isEqualTo(c.core(1).lastLogIndex());
        assertThat(c.core(1).commitIndex()).as("three of five nodes hold it, but only one of three voters")
                .isLessThan(c.core(1).lastLogIndex());
    }

    @Test
    void aRemovedLeaderLeadsUntilTheConfigurationWithoutItCommitsThenStepsDown() {
        TestCluster c = started(1, 1, 2, 3);
        c.changeMembership(1, 100, remove(1));
        long index = acceptedIndex(c, 1, 100);
        assertThat(membership(c, 1).voterIds()).containsExactly(2L, 3L);

        c.isolate(3);
        c.deliverAll();
        c.tick(1, 2);
        c.deliverAll();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(2).lastLogIndex()).isGreaterThanOrEqualTo(index);
        assertThat(c.core(1).commitIndex()).as("C_new = {2, 3}: the leader does not count itself")
                .isLessThan(index);

        c.heal(3);
        int mark = c.node(1).mark();
        c.tick(1, 1);
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
        assertThat(c.core(1).role()).as("stepped down once C_new committed").isEqualTo(Role.FOLLOWER);
        assertThat(c.core(2).commitIndex()).as("after telling the others").isGreaterThanOrEqualTo(index);

        for (int i = 0; i < 200 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isIn(2L, 3L);
        assertThat(c.node(1).sentSince(mark, Message.VoteRequest.class)).as("a removed node never campaigns")
                .isEmpty();
    }

    /**
     * Thesis §4.2.2: a node not in its own newest configuration still campaigns while that configuration is not
     * committed. Here leader 1 of {1, 2} appends C_new = {2} (its own removal), which never reaches 2, and loses
     * leadership (CheckQuorum: C_new's only voter is silent). 2 cannot win under {1, 2}: 1 holds the longer log and
     * refuses it. Only 1 can be elected (by 2, the voter of C_new; its own vote does not count), and it must, to get
     * C_new committed. Found by the membership swarm, seed 52 (MembershipSwarmTest).
     */
    @Test
    void aLeaderThatLostLeadershipBeforeItsRemovalCommittedCampaignsToCommitIt() {
        TestCluster c = started(1, 1, 2);
        c.isolate(2);
        c.changeMembership(1, 100, remove(1));
        long index = acceptedIndex(c, 1, 100);
        assertThat(membership(c, 1).voterIds()).containsExactly(2L);
        c.tick(1, 3 * RaftConfig.defaults().electionTimeoutTicks());
        assertThat(c.core(1).role()).as("CheckQuorum: the only voter of C_new is silent").isNotEqualTo(Role.LEADER);
        assertThat(c.core(2).lastLogIndex()).as("2 never got C_new").isLessThan(index);

        c.heal(2);
        for (int i = 0; i < 400 && !(c.leader() == 2 && c.core(2).commitIndex() >= index); i++) {
            c.tickAll(1);
        }

        assertThat(c.node(1).sent(Message.VoteRequest.class)).as("1 campaigned for C_new").isNotEmpty();
        assertThat(c.core(2).commitIndex()).as("C_new committed").isGreaterThanOrEqualTo(index);
        assertThat(membership(c, 2).voterIds()).containsExactly(2L);
        assertThat(c.leader()).as("and 2, C_new's only voter, leads it").isEqualTo(2L);
    }

    @Test
    void aRemovedFollowerLearnsItsRemovalAndStopsCampaigning() {
        TestCluster c = started(1, 1, 2, 3);
        c.changeMembership(1, 100, remove(3));
        long index = acceptedIndex(c, 1, 100);
        c.tickAll(3);
        assertThat(membership(c, 3).voterIds()).as("the leader sent 3 the entry that removes it")
                .containsExactly(1L, 2L);
        // Until 3 knows that entry committed it may still be needed to elect a leader, and campaigns (thesis
        // §4.2.2; aLeaderThatLostLeadershipBeforeItsRemovalCommittedCampaignsToCommitIt); the next heartbeat tells it.
        c.tickAll(RaftConfig.defaults().heartbeatIntervalTicks() + 1);
        assertThat(c.core(3).commitIndex()).as("3 learned its removal is committed").isGreaterThanOrEqualTo(index);

        int mark = c.node(3).mark();
        c.isolate(1);
        c.isolate(2);
        c.tick(3, 200);
        assertThat(c.node(3).sentSince(mark, Message.VoteRequest.class)).isEmpty();
        assertThat(c.core(3).role()).isEqualTo(Role.FOLLOWER);
    }

    @ParameterizedTest(name = "preVote={0} checkQuorum={1}")
    @CsvSource({"true, true", "false, true", "true, false"})
    void aRemovedNodeThatMissedItsRemovalCannotDisruptTheCluster(boolean preVote, boolean checkQuorum) {
        RaftConfig config = RaftConfig.builder().preVote(preVote).checkQuorum(checkQuorum).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.isolate(3);
        c.changeMembership(1, 100, remove(3));
        c.tickAll(3);
        long index = acceptedIndex(c, 1, 100);
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(index);
        assertThat(membership(c, 3).voterIds()).as("3 never heard").containsExactly(1L, 2L, 3L);
        long term = c.core(1).term();

        c.heal(3);
        c.tickAll(200);

        assertThat(c.node(3).sent(Message.VoteRequest.class)).as("3 keeps trying").isNotEmpty();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).as("and never moves the cluster's term").isEqualTo(term);
        assertThat(c.core(2).term()).isEqualTo(term);
        c.propose(1, 101, "still available");
        c.tickAll(2);
        assertThat(c.core(2).commitIndex()).isEqualTo(c.core(1).lastLogIndex());
    }

    @Test
    void anAnswerFromARemovedNodeInANewerTermIsIgnored() {
        RaftConfig config = RaftConfig.builder().preVote(false).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.changeMembership(1, 100, remove(3));
        // Hold one heartbeat to 3 back, sent while 3 was still a member.
        c.deliverWhere(m -> m.to() != 3);
        List<Message.AppendRequest> held = c.queued(Message.AppendRequest.class);
        assertThat(held).anyMatch(m -> m.to() == 3);
        c.dropWhere(m -> m.to() == 3);
        c.tickAll(2);
        c.dropWhere(m -> m.to() == 3);
        assertThat(c.core(1).commitIndex()).isGreaterThanOrEqualTo(acceptedIndex(c, 1, 100));
        long term = c.core(1).term();

        c.isolate(3);
        c.timeOut(3); // 3, which never learned of its removal, campaigns alone into a newer term
        c.heal(3);
        assertThat(c.core(3).term()).isGreaterThan(term);
        c.deliver(held.stream().filter(m -> m.to() == 3).findFirst().orElseThrow());
        c.deliverAll();

        assertThat(c.node(3).sent(Message.AppendResponse.class)).anyMatch(r -> r.term() > term);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(term);
    }
}
