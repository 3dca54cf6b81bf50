package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.3 (Figure 2, AppendEntries rule 5) with etcd's eager commit notice: when the commit index advances the
 * leader tells each follower at once, with an empty append of the round the follower already answered. The follower
 * commits from it but does not answer, since its answer would repeat an acknowledgement the leader already has (issue
 * 17: it halved the messages a follower sends under load). An empty append that claims more than the follower
 * acknowledged, and a heartbeat of a new round, are still answered.
 */
class CommitNoticeScenarioTest {

    private final TestCluster c = TestCluster.of(1, 2, 3);

    /** Leader 1 commits one entry; the empty appends telling its followers so are held back and returned. */
    private List<Message.AppendRequest> leaderOneCommitsAnEntryWithItsNoticesHeld() {
        c.elect(1);
        c.deliverAll();
        c.propose(1, 1, "x");
        // The entry and its acknowledgements travel; the leader's commit notices wait.
        c.deliverWhere(m -> m instanceof Message.AppendResponse
                || m instanceof Message.AppendRequest && !((Message.AppendRequest) m).entries().isEmpty());
        long last = c.core(1).lastLogIndex();
        assertThat(c.core(1).status().commitIndex()).isEqualTo(last);
        assertThat(c.core(2).status().commitIndex()).isLessThan(last);
        List<Message.AppendRequest> notices = c.inFlight.stream()
                .filter(m -> m instanceof Message.AppendRequest)
                .map(m -> (Message.AppendRequest) m)
                .toList();
        assertThat(notices).hasSize(2).allSatisfy(n -> {
            assertThat(n.entries()).isEmpty();
            assertThat(n.prevLogIndex()).isEqualTo(last);
            assertThat(n.leaderCommit()).isEqualTo(last);
        });
        return notices;
    }

    @Test
    @DisplayName("§5.3: a commit notice of an answered round commits on the follower and is not answered")
    void aCommitNoticeIsTakenWithoutAnAnswer() {
        List<Message.AppendRequest> notices = leaderOneCommitsAnEntryWithItsNoticesHeld();
        int mark2 = c.node(2).mark();
        int mark3 = c.node(3).mark();

        c.deliverAll();

        long last = c.core(1).lastLogIndex();
        assertThat(c.core(2).status().commitIndex()).isEqualTo(last);
        assertThat(c.core(3).status().commitIndex()).isEqualTo(last);
        assertThat(c.node(2).sentSince(mark2, Message.AppendResponse.class))
                .as("follower 2 acknowledged index %d in round %d already", last, notices.get(0).round()).isEmpty();
        assertThat(c.node(3).sentSince(mark3, Message.AppendResponse.class)).isEmpty();
    }

    @Test
    @DisplayName("§5.3: after an unanswered notice, a heartbeat of a new round is answered with the match index")
    void aHeartbeatOfANewRoundIsStillAnswered() {
        leaderOneCommitsAnEntryWithItsNoticesHeld();
        c.deliverAll();
        long last = c.core(1).lastLogIndex();
        int mark = c.node(2).mark();

        c.tick(1, c.config.heartbeatIntervalTicks());
        c.deliverWhere(m -> m.to() == 2);

        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.success()).isTrue();
                    assertThat(r.matchIndex()).isEqualTo(last);
                });
    }

    @Test
    @DisplayName("§5.3: an empty append in an answered round but past the acknowledged match is answered")
    void anEmptyAppendPastTheAcknowledgedMatchIsAnswered() {
        // Follower 2 holds entries 1 and 2 of term 1, durable, from leader 1.
        c.deliver(new Message.AppendRequest(1, 2, 1, 0, 0, List.of(TestCluster.entry(1, 1), TestCluster.entry(2, 1)),
                0, 1));
        // Leader 3 of term 2 probes at 1 in its round 1: answered at 1.
        c.deliver(new Message.AppendRequest(3, 2, 2, 1, 1, List.of(), 0, 1));
        assertThat(c.node(2).sent(Message.AppendResponse.class)).last()
                .isEqualTo(new Message.AppendResponse(2, 3, 2, true, 1, 0, 0, 0, 1));
        int mark = c.node(2).mark();

        // Then at 2, still in round 1: the match index 2 is news to leader 3.
        c.deliver(new Message.AppendRequest(3, 2, 2, 2, 1, List.of(), 0, 1));

        assertThat(c.node(2).sentSince(mark, Message.AppendResponse.class))
                .containsExactly(new Message.AppendResponse(2, 3, 2, true, 2, 0, 0, 0, 1));
    }
}
