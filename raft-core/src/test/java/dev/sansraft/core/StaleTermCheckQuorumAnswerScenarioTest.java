package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.StaleTermAnswerScenarioTest.someSnapshot;
import static dev.sansraft.core.StaleTermAnswerScenarioTest.startedInTermFive;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.1 with CheckQuorum (thesis §6.2) and without PreVote: followers that heard from their leader recently
 * ignore vote requests, so a stale leader may never see the newer term in one; the answer to its snapshot chunks
 * is how it learns to step down. With neither CheckQuorum nor PreVote a stale leader's next vote request reaches
 * everyone, and its chunks get no answer.
 */
class StaleTermCheckQuorumAnswerScenarioTest {

    @Test
    @DisplayName("§5.1 with CheckQuorum alone: a stale leader's snapshot chunk is answered with the newer term")
    void withCheckQuorumAloneAStaleSnapshotChunkIsAnsweredWithTheNewerTerm() {
        TestCluster c = startedInTermFive(RaftConfig.builder().preVote(false).checkQuorum(true).build());
        int mark = c.node(2).mark();
        c.deliver(new Message.InstallSnapshot(3, 2, 3, someSnapshot(), 0, new byte[4]));
        assertThat(c.node(2).sentSince(mark, Message.InstallSnapshotResponse.class))
                .containsExactly(new Message.InstallSnapshotResponse(2, 3, 5, 1, 0, false, false));
        assertThat(c.node(2).actions(Action.WriteSnapshotChunk.class)).as("nothing of it is written").isEmpty();
        assertThat(c.core(2).leaderId()).as("the follower keeps its leader").isEqualTo(1);
    }

    @Test
    @DisplayName("§5.1 with CheckQuorum alone: a stale leader's append is answered with the newer term")
    void withCheckQuorumAloneAStaleAppendIsAnsweredWithTheNewerTerm() {
        TestCluster c = startedInTermFive(RaftConfig.builder().preVote(false).checkQuorum(true).build());
        int mark = c.node(2).mark();
        c.deliver(new Message.AppendRequest(3, 2, 3, 0, 0, List.of(), 0, 1));
        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class))
                .containsExactly(new Message.AppendResponse(2, 3, 5, false, 0, 0, 0, 0, 0));
    }

    @Test
    @DisplayName("§5.1 without CheckQuorum or PreVote: a stale snapshot chunk is dropped unanswered")
    void withNeitherAStaleSnapshotChunkIsDropped() {
        TestCluster c = startedInTermFive(RaftConfig.builder().preVote(false).checkQuorum(false).build());
        int mark = c.node(2).mark();
        c.deliver(new Message.InstallSnapshot(3, 2, 3, someSnapshot(), 0, new byte[4]));
        assertThat(c.node(2).sentSince(mark, Message.class)).isEmpty();
        assertThat(c.node(2).actions(Action.WriteSnapshotChunk.class)).isEmpty();
        assertThat(c.core(2).term()).isEqualTo(5);
    }
}
