package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.1: a request carrying a stale term is rejected, and the answer carries the current term so that the stale
 * sender learns of it. With PreVote (thesis §9.6) a stale leader may never see the newer term in a vote request, so
 * the answer to its appends and snapshot chunks is how it learns to step down; a stale PreVote and a stale forwarded
 * read get a refusal too, so neither waits for a timeout.
 */
class StaleTermAnswerScenarioTest {

    /** Every node starts in term 4, so node 1 leads term 5 and a message of term 3 is stale. */
    static TestCluster startedInTermFive(RaftConfig config) {
        HardState term4 = new HardState(4, HardState.NO_VOTE);
        TestCluster c = TestCluster.builder(config).node(1, List.of(), term4).node(2, List.of(), term4)
                .node(3, List.of(), term4).build();
        c.elect(1);
        c.tickAll(2);
        assertThat(c.core(1).term()).isEqualTo(5);
        assertThat(c.core(2).leaderId()).isEqualTo(1);
        return c;
    }

    static SnapshotInfo someSnapshot() {
        return new SnapshotInfo(1, 3, List.of(1L, 2L, 3L), 4, 0);
    }

    @Test
    @DisplayName("§5.1 with PreVote alone: a stale leader's append is answered with the newer term")
    void withPreVoteAloneAStaleAppendIsAnsweredWithTheNewerTerm() {
        TestCluster c = startedInTermFive(RaftConfig.builder().preVote(true).checkQuorum(false).build());
        int mark = c.node(2).mark();
        c.deliver(new Message.AppendRequest(3, 2, 3, 0, 0, List.of(), 0, 1));
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class))
                .as("the stale leader 3 is told term 5 so it steps down")
                .singleElement().satisfies(r -> {
                    assertThat(r.to()).isEqualTo(3);
                    assertThat(r.term()).isEqualTo(5);
                    assertThat(r.success()).isFalse();
                });
        assertThat(c.core(2).leaderId()).as("the follower keeps its leader").isEqualTo(1);
    }

    @Test
    @DisplayName("§5.1 with PreVote alone: a stale leader's snapshot chunk is answered with the newer term")
    void withPreVoteAloneAStaleSnapshotChunkIsAnsweredWithTheNewerTerm() {
        TestCluster c = startedInTermFive(RaftConfig.builder().preVote(true).checkQuorum(false).build());
        int mark = c.node(2).mark();
        c.deliver(new Message.InstallSnapshot(3, 2, 3, someSnapshot(), 0, new byte[4]));
        assertThat(c.node(2).sentSince(mark, Message.InstallSnapshotResponse.class))
                .singleElement().satisfies(r -> {
                    assertThat(r.to()).isEqualTo(3);
                    assertThat(r.term()).isEqualTo(5);
                    assertThat(r.accepted()).isFalse();
                    assertThat(r.installed()).isFalse();
                });
        assertThat(c.node(2).actions(Action.WriteSnapshotChunk.class)).as("nothing of it is written").isEmpty();
    }

    @Test
    @DisplayName("§9.6: a PreVote of a stale term is refused with the voter's term, so the pre-candidate catches up")
    void aStalePreVoteIsRefusedWithTheVotersTerm() {
        TestCluster c = startedInTermFive(RaftConfig.defaults());
        int mark = c.node(2).mark();
        c.deliver(new Message.VoteRequest(3, 2, 4, 100, 4, true));
        assertThat(c.node(2).sentSince(mark, Message.VoteResponse.class))
                .containsExactly(new Message.VoteResponse(2, 3, 5, false, true));
    }

    @Test
    @DisplayName("§5.1: a real vote request of a stale term gets no answer (it cannot win anything)")
    void aStaleVoteRequestIsNotAnswered() {
        TestCluster c = startedInTermFive(RaftConfig.defaults());
        int mark = c.node(2).mark();
        c.deliver(new Message.VoteRequest(3, 2, 4, 100, 4, false));
        c.deliver(new Message.VoteResponse(3, 2, 4, true, false));
        assertThat(c.node(2).sentSince(mark, Message.class)).isEmpty();
        assertThat(c.core(2).term()).isEqualTo(5);
    }

    @Test
    @DisplayName("§5.1: a read forwarded in a stale term is refused at once, so the follower retries with the leader")
    void aStaleForwardedReadIsRefused() {
        TestCluster c = startedInTermFive(RaftConfig.defaults());
        int mark = c.node(1).mark();
        c.deliver(new Message.ReadIndexRequest(3, 1, 4, 42));
        assertThat(c.node(1).sentSince(mark, Message.ReadIndexResponse.class))
                .containsExactly(new Message.ReadIndexResponse(1, 3, 5, 42, 0, false));
        assertThat(c.node(1).actions(Action.ReadReady.class)).isEmpty();
    }
}
