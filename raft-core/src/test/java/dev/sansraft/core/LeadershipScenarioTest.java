package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** PreVote (thesis §9.6) and CheckQuorum (thesis §6.2): keeping a healthy leader, and letting go of a cut-off one. */
class LeadershipScenarioTest {

    @Test
    void preVoteStopsARejoiningPartitionedNodeFromDisruptingTheLeader() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(3);
        // Node 3 times out again and again on its side of the partition; the majority carries on.
        for (int i = 0; i < 100; i++) {
            c.tickAll(1);
            if (i % 10 == 0) {
                c.propose(1, i, "w" + i);
            }
        }
        assertThat(c.node(3).sent(Message.VoteRequest.class)).as("node 3 kept trying").isNotEmpty()
                .allMatch(Message.VoteRequest::preVote);
        assertThat(c.core(3).term()).as("pre-votes never raise the term").isEqualTo(1);
        assertThat(c.node(3).hardState.term()).isEqualTo(1);

        c.heal(3);
        for (int i = 0; i < 30; i++) {
            c.tickAll(1);
        }
        assertThat(c.core(1).role()).as("the leader keeps leading").isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(1);
        assertThat(c.leaderOfTerm).as("no other election succeeded").containsOnlyKeys(1L);
        assertThat(c.core(3).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(3).leaderId()).isEqualTo(1);
        assertThat(c.node(3).log.snapshotEntries()).isEqualTo(c.node(1).log.snapshotEntries());
    }

    @Test
    void withoutPreVoteTheRejoiningNodeStillCannotWinWithAStaleLog() {
        RaftConfig noPreVote = RaftConfig.builder().preVote(false).build();
        TestCluster c = TestCluster.of(noPreVote, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(3);
        for (int i = 0; i < 60; i++) {
            c.tickAll(1);
        }
        c.propose(1, 1, "after the partition");
        c.deliverAll();
        assertThat(c.core(3).term()).as("real elections raise the term").isGreaterThan(1);
        c.heal(3);
        for (int i = 0; i < 60; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        assertThat(leader).as("a leader with the full log").isIn(1L, 2L);
        assertThat(c.node(3).log.snapshotEntries()).isEqualTo(c.node(leader).log.snapshotEntries());
    }

    @Test
    void checkQuorumMakesAnIsolatedLeaderStepDown() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(1);
        int timeout = c.config.electionTimeoutTicks();
        c.tick(1, 2 * timeout);
        assertThat(c.core(1).role()).as("no quorum heard within an election timeout").isEqualTo(Role.FOLLOWER);
        assertThat(c.core(1).term()).as("stepping down does not change the term").isEqualTo(1);
        assertThat(c.core(1).leaderId()).isZero();
        assertThat(c.node(1).actions).contains(new Action.RoleChanged(Role.FOLLOWER, 1, 0));
        assertThat(c.core(1).step(new Event.Propose(9, new byte[0])))
                .contains(new Action.ProposalRejected(9, Action.RejectReason.NOT_LEADER, 0));
    }

    @Test
    void aLeaderThatHearsFromAQuorumStaysAcrossManyElectionTimeouts() {
        TestCluster c = TestCluster.of(1, 2, 3, 4, 5);
        c.elect(1);
        c.deliverAll();
        c.isolate(4);
        c.isolate(5);
        for (int i = 0; i < 10 * c.config.electionTimeoutTicks(); i++) {
            c.tickAll(1);
        }
        assertThat(c.core(1).role()).as("2 followers + itself = 3 of 5").isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(1);
    }

    @Test
    void aLeaderLosingItsQuorumStepsDownWithinTwoElectionTimeouts() {
        TestCluster c = TestCluster.of(1, 2, 3, 4, 5);
        c.elect(1);
        c.deliverAll();
        c.isolate(3);
        c.isolate(4);
        c.isolate(5);
        int ticks = 0;
        while (c.core(1).role() == Role.LEADER && ticks < 100) {
            c.tick(1, 1);
            c.tick(2, 1);
            c.deliverAll();
            ticks++;
        }
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(ticks).as("ticks until step-down").isLessThanOrEqualTo(2 * c.config.electionTimeoutTicks());
    }

    @Test
    void withoutCheckQuorumAnIsolatedLeaderKeepsItsRole() {
        RaftConfig noCheck = RaftConfig.builder().checkQuorum(false).build();
        TestCluster c = TestCluster.of(noCheck, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(1);
        c.tick(1, 5 * noCheck.electionTimeoutTicks());
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
    }

    @Test
    void theMajorityElectsANewLeaderAndTheOldOneFollowsItAfterHealing() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.propose(1, 1, "a");
        c.deliverAll();
        c.isolate(1);
        c.propose(1, 2, "lost");
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        assertThat(leader).isIn(2L, 3L);
        c.heal(1);
        c.tickAll(5);
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(1).leaderId()).isEqualTo(leader);
        assertThat(c.node(1).log.snapshotEntries()).isEqualTo(c.node(leader).log.snapshotEntries());
        assertThat(c.node(1).outcomes(2)).as("the lost proposal: accepted, then dropped")
                .extracting(o -> o.getClass().getSimpleName())
                .containsExactly("ProposalAccepted", "ProposalDropped");
    }
}
