package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static dev.sansraft.core.TestCluster.terms;
import static org.assertj.core.api.Assertions.assertThat;

/** Raft §5.4 safety, told through Figure 8. Servers S1..S5 are nodes 1..5. */
class SafetyScenarioTest {

    /** One entry per append makes "index 2 reached S3 but index 3 did not" a matter of message delivery. */
    private static final RaftConfig CONFIG = RaftConfig.builder().preVote(false).maxEntriesPerAppend(1).build();

    /**
     * Figure 8 (c): S1 led term 2 and put 2@2 on S2; S5 led term 3 (votes of S3, S4) and wrote 2@3 only on itself;
     * S5 is now down and S1, having heard of term 3, is elected for term 4. It copies 2@2 to S3, so 2@2 is on a
     * majority (S1, S2, S3), while its own term-4 NOOP at index 3 has reached nobody.
     */
    private static TestCluster figure8c() {
        TestCluster c = TestCluster.builder(CONFIG)
                .node(1, logOfTerms(1, 2), new HardState(3, 0))
                .node(2, logOfTerms(1, 2), new HardState(2, 1))
                .node(3, logOfTerms(1), new HardState(3, 5))
                .node(4, logOfTerms(1), new HardState(3, 5))
                .node(5, logOfTerms(1, 3), new HardState(3, 5))
                .build();
        c.isolate(5);
        c.timeOut(1);
        c.deliverWhere(m -> m instanceof Message.VoteRequest || m instanceof Message.VoteResponse);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(4);
        // The leader's first appends to S2 and S4 are lost.
        c.dropWhere(m -> m.to() == 2 || m.to() == 4);
        // S3 rejects the probe at index 2 (it lacks index 2), then accepts 2@2 alone; the NOOP 3@4 is held back.
        c.deliverWhere(m -> m.to() == 3 && m instanceof Message.AppendRequest
                && ((Message.AppendRequest) m).prevLogIndex() == 2);
        c.deliverWhere(m -> !carriesTermFour(m));
        assertThat(c.node(1).terms()).isEqualTo(terms(1, 2, 4));
        assertThat(c.node(2).terms()).isEqualTo(terms(1, 2));
        assertThat(c.node(3).terms()).isEqualTo(terms(1, 2));
        assertThat(c.queued(Message.AppendRequest.class)).as("the NOOP to S3, held back")
                .singleElement().matches(a -> a.to() == 3 && a.entries().get(0).term() == 4);
        return c;
    }

    private static boolean carriesTermFour(Message m) {
        return m instanceof Message.AppendRequest
                && ((Message.AppendRequest) m).entries().stream().anyMatch(e -> e.term() == 4);
    }

    /**
     * Figure 8 (c), one heartbeat round later: the empty appends reach S2, S3 and S4, and their answers tell S1 that
     * 2@2 is on four of five servers. Its term-4 NOOP still has reached nobody.
     */
    private static TestCluster figure8cKnownOnAMajority(TestCluster c) {
        c.tick(1, CONFIG.heartbeatIntervalTicks());
        c.deliverWhere(m -> !carriesTermFour(m));
        assertThat(c.core(1).status().peers()).as("what S1 knows of its followers")
                .filteredOn(p -> p.id() != 5).extracting(PeerProgress::matchIndex).containsOnly(2L);
        return c;
    }

    /**
     * Raft §5.4.2: a leader commits an entry of an earlier term only by committing one of its own term after it.
     * S1 knows 2@2 is on a majority, yet it neither applies it nor tells anyone it is committed.
     */
    @Test
    void figure8LeaderDoesNotCommitAnOldTermEntryByCountingReplicas() {
        TestCluster c = figure8c();
        int mark = c.node(1).mark();
        c = figure8cKnownOnAMajority(c);
        assertThat(c.core(1).commitIndex()).as("§5.4.2: 2@2 is on 4 of 5 servers, yet not committed").isZero();
        assertThat(c.node(1).sentSince(mark, Message.AppendRequest.class)).as("appends S1 sent")
                .isNotEmpty().allMatch(a -> a.leaderCommit() == 0);
        assertThat(c.appliedAnywhere).as("entries applied anywhere").isEmpty();
    }

    @Test
    void figure8dTheUncommittedOldEntryIsOverwrittenByS5() {
        TestCluster c = figure8cKnownOnAMajority(figure8c());
        // S1 crashes; S5 comes back and wins with the votes of S2, S3 and S4: its last term 3 beats their 2.
        c.isolate(1);
        c.heal(5);
        // S2, S3 and S4 heard from S1 and refuse votes for an election timeout (thesis §4.2.3); let it pass.
        for (long n = 2; n <= 4; n++) {
            c.tick(n, CONFIG.electionTimeoutTicks());
        }
        c.dropWhere(m -> m.from() != 5);
        c.elect(5);
        c.deliverAll();
        c.tickAll(3);
        long term = c.core(5).term();
        assertThat(term).isGreaterThan(4);
        for (long n = 2; n <= 5; n++) {
            assertThat(c.node(n).terms()).as("S%d after S5 repaired it", n).isEqualTo(terms(1, 3, term));
        }
        assertThat(c.appliedAnywhere).extracting(LogEntry::term).as("what the cluster applied")
                .containsExactly(1L, 3L, term);
        // Had S1 committed 2@2 in (c), knowing it on a majority, State Machine Safety would now be broken: S1 would
        // have applied 2@2 where the others apply 2@3 (the harness checks every apply).
    }

    @Test
    void figure8eOnceAnEntryOfTheCurrentTermIsOnAMajorityEverythingBeforeItCommits() {
        TestCluster c = figure8c();
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).as("S1 and S3 hold 3@4: 2 of 5").isZero();
        c.tick(1, CONFIG.heartbeatIntervalTicks());
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.node(2).terms()).isEqualTo(terms(1, 2, 4));
        assertThat(c.core(1).commitIndex()).as("3@4 on a majority commits 2@2 with it").isEqualTo(3);
        assertThat(c.node(1).applied).extracting(LogEntry::term).containsExactly(1L, 2L, 4L);

        // S1 crashes; S5 can no longer win: S2, S3 and S4 hold the term-4 entry, which beats S5's last term 3.
        c.isolate(1);
        c.heal(5);
        long leader = 0;
        for (int i = 0; i < 200 && leader == 0; i++) {
            c.tickAll(1);
            leader = c.leader();
        }
        assertThat(leader).as("a new leader").isNotZero().isNotEqualTo(5);
        c.tickAll(3);
        assertThat(c.node(5).terms()).as("S5's 2@3 is overwritten").startsWith(1L, 2L, 4L);
        assertThat(c.appliedAnywhere).extracting(LogEntry::term).startsWith(1L, 2L, 4L);
    }

    @Test
    void aFollowerNeverAppliesMoreThanTheLeaderCommitted() {
        TestCluster c = figure8c();
        c.deliverAll();
        c.tick(1, 1);
        c.deliverAll();
        for (long n = 1; n <= 4; n++) {
            assertThat(c.core(n).commitIndex()).as("node %d", n).isLessThanOrEqualTo(c.core(1).commitIndex());
        }
    }

    /**
     * Raft Figure 2, AppendEntries rule 5: a follower commits up to the leader's commit index, but never past the
     * last entry the append vouched for. Entries after it may be a deposed leader's that the current leader does not
     * hold: S3 keeps 3@2 and 4@2 from term 2, the term-3 leader has committed 3@3..5@3 and probes S3 at index 2.
     */
    @Test
    void aFollowerCommitsNoFurtherThanTheLastEntryTheAppendVouchedFor() {
        TestCluster c = TestCluster.builder(CONFIG)
                .node(1, logOfTerms(1, 1, 3, 3, 3), new HardState(3, 1))
                .node(2, logOfTerms(1, 1, 3, 3, 3), new HardState(3, 1))
                .node(3, logOfTerms(1, 1, 2, 2), new HardState(3, 1))
                .build();
        c.deliver(new Message.AppendRequest(1, 3, 3, 2, 1, List.of(), 5, 0));
        assertThat(c.node(3).applied).as("S3 applies only what the append vouched for")
                .extracting(LogEntry::index).containsExactly(1L, 2L);
        assertThat(c.node(3).sent(Message.AppendResponse.class)).as("and acknowledges only that")
                .allMatch(r -> r.success() && r.matchIndex() == 2);
    }
}
