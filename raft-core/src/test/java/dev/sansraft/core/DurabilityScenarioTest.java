package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The action contract's durability rules: nothing is acknowledged or counted before it is on disk. */
class DurabilityScenarioTest {

    private static TestCluster electedCluster(long... ids) {
        TestCluster c = TestCluster.of(ids);
        c.elect(ids[0]);
        c.deliverAll();
        c.tickAll(1);
        return c;
    }

    @Test
    void followerAcknowledgesAppendsOnlyAfterPersisted() {
        TestCluster c = electedCluster(1, 2, 3);
        c.pauseDisk(2);
        int mark = c.node(2).mark();
        c.propose(1, 1, "x");
        c.propose(1, 2, "y");
        c.deliverWhere(TestCluster.to(2));
        assertThat(c.node(2).log.lastIndex()).as("written, not yet synced").isEqualTo(3);
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class)).as("no acknowledgement of 2..3")
                .noneMatch(r -> r.success() && r.matchIndex() >= 2);

        List<Action> onSync = c.resumeDisk(2);
        assertThat(onSync).as("the Persisted step emits the acknowledgement").singleElement()
                .matches(a -> a instanceof Action.Send
                        && ((Action.Send) a).message() instanceof Message.AppendResponse
                        && ((Message.AppendResponse) ((Action.Send) a).message()).success()
                        && ((Message.AppendResponse) ((Action.Send) a).message()).matchIndex() == 3);
    }

    @Test
    void oneAcknowledgementCoversAGroupCommit() {
        TestCluster c = electedCluster(1, 2, 3);
        c.pauseDisk(2);
        int mark = c.node(2).mark();
        for (int i = 0; i < 5; i++) {
            c.propose(1, i, "p" + i);
            c.deliverWhere(TestCluster.to(2));
        }
        c.resumeDisk(2);
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class)).filteredOn(r -> r.matchIndex() > 1)
                .as("five appends, one sync, one acknowledgement").singleElement()
                .matches(r -> r.success() && r.matchIndex() == 6);
    }

    @Test
    void aHeartbeatRoundIsAnsweredWhileTheDiskIsBusyButOnlyForWhatIsDurable() {
        TestCluster c = electedCluster(1, 2, 3);
        c.pauseDisk(2);
        c.propose(1, 1, "x");
        c.deliverWhere(TestCluster.to(2));
        int mark = c.node(2).mark();
        c.tick(1, 1);
        c.deliverWhere(TestCluster.to(2));
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class)).as("the round is acknowledged")
                .isNotEmpty().allMatch(r -> r.matchIndex() <= 1, "claims only the durable prefix");
    }

    @Test
    void leaderCommitsWithTwoFollowersWhileItsOwnDiskIsSlow() {
        TestCluster c = electedCluster(1, 2, 3);
        c.pauseDisk(1);
        c.propose(1, 1, "x");
        c.deliverAll();
        assertThat(c.core(1).persistedIndex()).isEqualTo(1);
        assertThat(c.core(1).commitIndex()).as("2 of 3 followers durable is a majority without the leader")
                .isEqualTo(2);
    }

    @Test
    void leaderCountsItselfOnlyUpToItsPersistedIndex() {
        TestCluster c = electedCluster(1, 2, 3, 4, 5);
        c.pauseDisk(1);
        c.pauseDisk(4);
        c.pauseDisk(5);
        c.propose(1, 1, "x");
        c.deliverAll();
        assertThat(c.core(1).status().peers()).filteredOn(p -> p.matchIndex() == 2).extracting(PeerProgress::id)
                .containsExactlyInAnyOrder(2L, 3L);
        assertThat(c.core(1).commitIndex()).as("leader's write in flight: 2 of 5 durable").isEqualTo(1);
        c.resumeDisk(1);
        assertThat(c.core(1).commitIndex()).as("leader durable: 3 of 5").isEqualTo(2);
    }

    @Test
    void leaderSendsEntriesBeforeItsOwnWriteIsDurable() {
        TestCluster c = electedCluster(1, 2, 3);
        c.pauseDisk(1);
        List<Action> actions = c.propose(1, 1, "x");
        assertThat(actions).anyMatch(a -> a instanceof Action.AppendLog);
        assertThat(actions).anyMatch(a -> a instanceof Action.Send
                && ((Action.Send) a).message() instanceof Message.AppendRequest);
    }

    @Test
    void persistedReportForAReplacedEntryIsIgnored() {
        // Node 3 holds 2@1 (unsynced) from an old leader; a new leader replaces it before the sync report arrives.
        RaftConfig plain = RaftConfig.builder().preVote(false).checkQuorum(false).build();
        TestCluster c = TestCluster.of(plain, 1, 2, 3, 4, 5);
        c.elect(1);
        c.deliverAll();
        c.pauseDisk(3);
        c.propose(1, 1, "doomed");
        c.deliverWhere(TestCluster.to(3));
        assertThat(c.node(3).terms()).containsExactly(1L, 1L);
        c.isolate(1);
        c.elect(2);
        c.deliverAll();
        long term = c.core(2).term();
        assertThat(c.node(3).terms()).as("2@1 replaced by the new leader's NOOP").containsExactly(1L, term);
        assertThat(c.node(1).outcomes(1)).hasSize(1);
        List<Action> stale = c.step(3, new Event.Persisted(2, 1, 1));
        assertThat(stale).as("a report about 2@1 says nothing about 2@" + term).isEmpty();
        assertThat(c.core(3).persistedIndex()).isEqualTo(1);
        c.resumeDisk(3);
        assertThat(c.core(3).persistedIndex()).isEqualTo(2);
        c.deliverAll();
        assertThat(c.core(2).status().peers()).filteredOn(p -> p.id() == 3).singleElement()
                .matches(p -> p.matchIndex() == 2, "node 3 acknowledged 2@" + term + " once durable");
    }

    @Test
    void votesAndTermsAreDurableBeforeAnyMessageDependsOnThem() {
        // The harness fails any send that runs ahead of the durable hard state; this runs a busy election.
        TestCluster c = TestCluster.of(RaftConfig.builder().preVote(false).build(), 1, 2, 3, 4, 5);
        for (int i = 0; i < 200; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isNotZero();
        for (TestCluster.Node n : c.nodes.values()) {
            assertThat(n.hardState.term()).as("node %d durable term", n.id).isEqualTo(n.core.term());
            assertThat(n.hardState.votedFor()).isEqualTo(n.core.votedFor());
        }
    }
}
