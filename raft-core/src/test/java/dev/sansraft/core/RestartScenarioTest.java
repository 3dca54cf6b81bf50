package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;

/** A core rebuilt from its persisted hard state and log resumes correctly (issue 2 item 8). */
class RestartScenarioTest {

    @Test
    void aRestartedNodeResumesItsTermAndVoteAsAFollower() {
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(1, 1, 3), new HardState(5, 2))
                .node(2, logOfTerms(1, 1, 3), new HardState(5, 2))
                .node(3, logOfTerms(1, 1), new HardState(4, 0))
                .build();
        RaftStatus s = c.core(1).status();
        assertThat(s.role()).isEqualTo(Role.FOLLOWER);
        assertThat(s.term()).isEqualTo(5);
        assertThat(c.core(1).votedFor()).isEqualTo(2);
        assertThat(s.lastLogIndex()).isEqualTo(3);
        assertThat(s.commitIndex()).as("commit is volatile: relearned from the leader").isZero();
        assertThat(c.core(1).persistedIndex()).as("what the view holds at start is durable").isEqualTo(3);
    }

    @Test
    void aVoteCastBeforeACrashIsKeptAfterIt() {
        RaftConfig noPreVote = RaftConfig.builder().preVote(false).build();
        TestCluster c = TestCluster.of(noPreVote, 1, 2, 3);
        c.timeOut(1);
        c.deliverWhere(m -> m.to() == 3 && m instanceof Message.VoteRequest);
        assertThat(c.node(3).hardState).isEqualTo(new HardState(1, 1));
        c.restart(3);
        c.inFlight.clear();
        c.deliver(new Message.VoteRequest(2, 3, 1, 5, 1, false));
        assertThat(c.node(3).sent(Message.VoteResponse.class)).filteredOn(r -> r.to() == 2)
                .as("one vote per term survives the crash").singleElement().matches(r -> !r.voteGranted());
        assertThat(c.node(3).hardState).isEqualTo(new HardState(1, 1));
    }

    @Test
    void aWholeClusterRestartReappliesTheSameLogAndCarriesOn() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        for (int i = 0; i < 5; i++) {
            c.propose(1, i, "before-" + i);
        }
        c.deliverAll();
        c.tickAll(1);
        long termBefore = c.core(1).term();
        for (long id = 1; id <= 3; id++) {
            c.restart(id);
        }
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        long leader = c.leader();
        assertThat(leader).isNotZero();
        assertThat(c.core(leader).term()).isGreaterThan(termBefore);
        c.propose(leader, 99, "after");
        c.deliverAll();
        c.tickAll(2);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.node(id).applied).as("node %d re-applied the log from index 1", id).hasSize(8);
            assertThat(c.node(id).applied.subList(0, 6)).isEqualTo(c.appliedAnywhere.subList(0, 6));
        }
    }

    @Test
    void aFollowerLosesItsUnsyncedTailInACrashAndCatchesUp() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.pauseDisk(3);
        for (int i = 0; i < 4; i++) {
            c.propose(1, i, "p" + i);
        }
        c.deliverAll();
        assertThat(c.node(3).log.lastIndex()).isEqualTo(5);
        c.restart(3);
        assertThat(c.node(3).log.lastIndex()).as("the unsynced writes are gone").isEqualTo(1);
        c.node(3).diskPaused = false;
        c.tickAll(3);
        assertThat(c.node(3).log.snapshotEntries()).isEqualTo(c.node(1).log.snapshotEntries());
        assertThat(c.core(3).commitIndex()).isEqualTo(5);
    }

    @Test
    void aLeaderThatCrashesWithAnUnsyncedTailRejoinsAsAFollower() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.pauseDisk(1);
        c.isolate(1);
        c.propose(1, 1, "only in memory");
        c.restart(1);
        assertThat(c.node(1).log.lastIndex()).isEqualTo(1);
        c.node(1).diskPaused = false;
        c.heal(1);
        for (int i = 0; i < 100 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        c.tickAll(3);
        long leader = c.leader();
        assertThat(leader).isNotZero();
        for (long id = 1; id <= 3; id++) {
            assertThat(c.node(id).log.snapshotEntries()).isEqualTo(c.node(leader).log.snapshotEntries());
        }
        assertThat(c.appliedAnywhere).noneMatch(e -> new String(e.payload()).equals("only in memory"));
    }

    @Test
    void aRestartedLeaderWithADurableLogCommitsItsOldEntriesThroughANewTerm() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.propose(1, 1, "x");
        c.deliverWhere(m -> m instanceof Message.AppendRequest);
        // Everyone holds 2@1 durably but nobody learned that it committed.
        for (long id = 1; id <= 3; id++) {
            c.restart(id);
        }
        // Restarted nodes ignore votes for one election timeout (they may have heard from a leader just before).
        c.tick(1, c.config.electionTimeoutTicks());
        c.tick(3, c.config.electionTimeoutTicks());
        c.inFlight.clear();
        c.elect(2);
        c.deliverAll();
        c.tickAll(1);
        assertThat(c.core(2).commitIndex()).isEqualTo(3);
        assertThat(c.appliedAnywhere).extracting(LogEntry::term).containsExactly(1L, 1L, 2L);
    }
}
