package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.entry;
import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules a (pre-)candidate follows (Raft §5.2, thesis §9.6), each told by what its peers see: when it asks for
 * votes again, when it gives up, how it answers the leader that deposes it, and how voters answer pre-votes.
 */
class CandidateScenarioTest {

    private static final RaftConfig NO_PREVOTE = RaftConfig.builder().preVote(false).build();

    /** The ticks at which {@code id} sent vote requests, one entry per election round, while nobody answers. */
    private static List<Integer> electionRoundTicks(TestCluster c, long id, int ticks) {
        List<Integer> rounds = new ArrayList<>();
        for (int t = 1; t <= ticks; t++) {
            int mark = c.node(id).mark();
            c.tick(id, 1);
            if (!c.node(id).sentSince(mark, Message.VoteRequest.class).isEmpty()) {
                rounds.add(t);
            }
            c.dropWhere(m -> true);
        }
        return rounds;
    }

    /**
     * Raft §5.2: a candidate restarts its randomized election timeout when it starts an election, so an election that
     * gets no answers is retried only after a whole timeout, not on the next tick.
     */
    @Test
    void anUnansweredCandidateStartsItsNextElectionOnlyAfterAFullTimeout() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        int et = NO_PREVOTE.electionTimeoutTicks();
        List<Integer> rounds = electionRoundTicks(c, 1, 8 * et);
        assertThat(rounds).as("election rounds of an isolated candidate").hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < rounds.size(); i++) {
            assertThat(rounds.get(i) - rounds.get(i - 1)).as("ticks between rounds %s", rounds)
                    .isGreaterThanOrEqualTo(et).isLessThan(2 * et);
        }
        assertThat(c.core(1).term()).as("one term per round").isEqualTo(rounds.size());
    }

    /** Thesis §9.6: the same holds for pre-vote rounds, which also leave the term alone. */
    @Test
    void anUnansweredPreCandidateAsksAgainOnlyAfterAFullTimeout() {
        TestCluster c = TestCluster.of(1, 2, 3);
        int et = RaftConfig.defaults().electionTimeoutTicks();
        List<Integer> rounds = electionRoundTicks(c, 1, 8 * et);
        assertThat(rounds).as("pre-vote rounds of an isolated node").hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < rounds.size(); i++) {
            assertThat(rounds.get(i) - rounds.get(i - 1)).as("ticks between rounds %s", rounds)
                    .isGreaterThanOrEqualTo(et).isLessThan(2 * et);
        }
        assertThat(c.core(1).term()).as("pre-votes never move the term").isZero();
    }

    /** Raft §5.2: a candidate that a majority turned down returns to follower at once and says so. */
    @Test
    void aCandidateRejectedByAMajorityBecomesAFollower() {
        TestCluster c = TestCluster.builder(NO_PREVOTE)
                .node(1, logOfTerms(1), new HardState(2, 0))
                .node(2, logOfTerms(1, 2), new HardState(2, 0))
                .node(3, logOfTerms(1, 2), new HardState(2, 0))
                .build();
        c.timeOut(1);
        assertThat(c.core(1).role()).isEqualTo(Role.CANDIDATE);
        int mark = c.node(1).mark();
        c.deliverAll();
        assertThat(c.node(1).actions.subList(mark, c.node(1).actions.size())).as("node 1 after two rejections")
                .contains(new Action.RoleChanged(Role.FOLLOWER, 3, 0));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
    }

    /** Thesis §9.6: so does a pre-candidate whose pre-vote a majority turned down. */
    @Test
    void aPreCandidateRejectedByAMajorityBecomesAFollower() {
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(1), new HardState(2, 0))
                .node(2, logOfTerms(1, 2), new HardState(2, 0))
                .node(3, logOfTerms(1, 2), new HardState(2, 0))
                .build();
        c.timeOut(1);
        assertThat(c.core(1).role()).isEqualTo(Role.PRE_CANDIDATE);
        int mark = c.node(1).mark();
        c.deliverAll();
        assertThat(c.node(1).actions.subList(mark, c.node(1).actions.size())).as("node 1 after two rejections")
                .contains(new Action.RoleChanged(Role.FOLLOWER, 2, 0));
        assertThat(c.core(1).role()).isEqualTo(Role.FOLLOWER);
    }

    /**
     * Raft §5.2: a candidate that receives an append from a leader of its term becomes that leader's follower, and
     * handles the append like any follower: the leader hears an acknowledgement of it, not silence.
     */
    @Test
    void aCandidateDeposedByAnAppendAcknowledgesThatAppend() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(2);
        c.dropWhere(m -> true);
        assertThat(c.core(2).role()).isEqualTo(Role.CANDIDATE);
        int mark = c.node(2).mark();
        c.deliver(new Message.AppendRequest(1, 2, 1, 0, 0, List.of(entry(1, 1)), 0, 4));
        assertThat(c.core(2).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(2).leaderId()).isEqualTo(1);
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class)).as("answers to the leader")
                .isNotEmpty().allMatch(r -> r.to() == 1 && r.success() && r.round() == 4)
                .anyMatch(r -> r.matchIndex() == 1);
        assertThat(c.node(2).terms()).containsExactly(1L);
    }

    /** The same for a chunk of a snapshot: the candidate follows its sender and answers the chunk. */
    @Test
    void aCandidateDeposedByASnapshotChunkAnswersThatChunk() {
        TestCluster c = TestCluster.of(NO_PREVOTE, 1, 2, 3);
        c.timeOut(2);
        c.dropWhere(m -> true);
        int mark = c.node(2).mark();
        byte[] payload = TestCluster.encode(List.of(entry(1, 1)));
        SnapshotInfo s = new SnapshotInfo(1, 1, List.of(1L, 2L, 3L), payload.length, TestCluster.crc(payload));
        c.deliver(new Message.InstallSnapshot(1, 2, 1, s, 0, payload));
        assertThat(c.core(2).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.core(2).leaderId()).isEqualTo(1);
        assertThat(c.node(2).sentSince(mark, Message.InstallSnapshotResponse.class)).as("answers to the leader")
                .isNotEmpty().allMatch(r -> r.to() == 1 && r.accepted());
        assertThat(c.core(2).snapshot()).contains(s);
    }

    /**
     * Thesis §9.6: a pre-vote is granted only for a term later than the voter's. A voter that cast its vote in term 3
     * does not tell a pre-candidate of term 3 it could win that term.
     */
    @Test
    void aPreVoteForTheVotersOwnTermIsDenied() {
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(1, 2), new HardState(2, 0))
                .node(2, logOfTerms(1, 2), new HardState(3, 3))
                .node(3, logOfTerms(1, 2), new HardState(3, 3))
                .build();
        int mark = c.node(2).mark();
        c.deliver(new Message.VoteRequest(1, 2, 3, 2, 2, true));
        c.deliver(new Message.VoteRequest(1, 2, 4, 2, 2, true));
        assertThat(c.node(2).sentSince(mark, Message.VoteResponse.class)).as("node 2's pre-vote answers")
                .extracting(Message.VoteResponse::voteGranted).containsExactly(false, true);
        assertThat(c.node(2).hardState).as("pre-votes change nothing durable").isEqualTo(new HardState(3, 3));
    }
}
