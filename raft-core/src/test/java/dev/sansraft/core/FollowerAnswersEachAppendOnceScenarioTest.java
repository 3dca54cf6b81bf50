package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A follower answers each append once, when what it claims is durable (Raft §5.3), unless the leader waits on the
 * append's round for reads (thesis §6.4): then it answers at once as well, with its old match index, because the
 * leader needs the round confirmed, not the entries. A heartbeat of a new round is answered at once: that answer is
 * its only one. Three nodes, node 1 leading; the followers' disks are paused so that their writes are not durable.
 */
class FollowerAnswersEachAppendOnceScenarioTest {

    private final RaftConfig config = RaftConfig.defaults();
    private final TestCluster c = TestCluster.of(config, 1, 2, 3);

    FollowerAnswersEachAppendOnceScenarioTest() {
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
    }

    private static Event propose(long correlationId) {
        return new Event.Propose(correlationId, ("v" + correlationId).getBytes(StandardCharsets.UTF_8));
    }

    private Message.AppendRequest onlyAppendTo(long follower) {
        List<Message.AppendRequest> appends = new ArrayList<>();
        for (Message.AppendRequest a : c.queued(Message.AppendRequest.class)) {
            if (a.to() == follower) {
                appends.add(a);
            }
        }
        assertThat(appends).as("appends queued for node %d", follower).hasSize(1);
        return appends.get(0);
    }

    private List<Message.AppendResponse> answersFrom(long follower) {
        List<Message.AppendResponse> answers = new ArrayList<>();
        for (Message.AppendResponse r : c.queued(Message.AppendResponse.class)) {
            if (r.from() == follower) {
                answers.add(r);
            }
        }
        return answers;
    }

    @Test
    @DisplayName("§5.3: an append that opens a round no read waits on is answered once, when its entries are durable")
    void anAppendOfAHeartbeatRoundIsAnsweredOnceWhenDurable() {
        c.pauseDisk(2);
        c.pauseDisk(3);
        // A heartbeat interval's ticks and a proposal in one batch: the new round rides on the entries.
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < config.heartbeatIntervalTicks(); i++) {
            batch.add(Event.Tick.INSTANCE);
        }
        batch.add(propose(1));
        c.stepAll(1, batch);
        Message.AppendRequest append = onlyAppendTo(2);
        assertThat(append.entries()).as("the proposal").hasSize(1);
        assertThat(append.roundAwaited()).as("no read waits on the heartbeat's round").isFalse();

        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("nothing durable yet, and the leader waits on nothing").isEmpty();

        c.resumeDisk(2);
        assertThat(answersFrom(2)).as("one answer, once the entry is durable, confirming the round too")
                .containsExactly(new Message.AppendResponse(2, 1, append.term(), true, append.lastIndex(), 0, 0, 0,
                        append.round()));
    }

    @Test
    @DisplayName("§6.4: an append carrying a round a read waits on is answered at once, and again once durable")
    void anAppendOfAReadRoundIsAnsweredAtOnce() {
        c.pauseDisk(2);
        c.pauseDisk(3);
        long commitBefore = c.core(1).commitIndex();
        c.stepAll(1, List.of(propose(1), new Event.ReadIndex(7, false)));
        Message.AppendRequest append = onlyAppendTo(2);
        assertThat(append.entries()).as("the proposal").hasSize(1);
        assertThat(append.roundAwaited()).as("the read waits on this round").isTrue();

        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("the round confirmed at once, with only what is durable")
                .containsExactly(new Message.AppendResponse(2, 1, append.term(), true, append.prevLogIndex(), 0, 0,
                        0, append.round()));
        c.deliverWhere(m -> m.from() == 2);
        assertThat(c.node(1).actions(Action.ReadReady.class)).as("served while no follower's disk has written")
                .containsExactly(new Action.ReadReady(7, commitBefore));
        assertThat(c.core(1).commitIndex()).as("the entry is on no follower's disk yet").isEqualTo(commitBefore);

        c.resumeDisk(2);
        assertThat(answersFrom(2)).as("the answer for the entry, once durable")
                .containsExactly(new Message.AppendResponse(2, 1, append.term(), true, append.lastIndex(), 0, 0, 0,
                        append.round()));
        c.deliverWhere(m -> m.from() == 2);
        assertThat(c.core(1).commitIndex()).isEqualTo(append.lastIndex());
    }

    @Test
    @DisplayName("§6.4: a read round is confirmed once; a later append of the same round is answered once durable")
    void aReadRoundIsConfirmedOnce() {
        c.pauseDisk(2);
        c.pauseDisk(3);
        c.stepAll(1, List.of(propose(1), new Event.ReadIndex(7, false)));
        Message.AppendRequest first = onlyAppendTo(2);
        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("the round confirmed at once").hasSize(1);

        c.dropWhere(m -> true);
        c.step(1, propose(2));
        Message.AppendRequest second = onlyAppendTo(2);
        assertThat(second.round()).as("no new round started").isEqualTo(first.round());
        assertThat(second.roundAwaited()).as("the read still waits on it at the leader").isTrue();
        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("the round is confirmed already, and the entries are not durable").isEmpty();

        c.resumeDisk(2);
        assertThat(answersFrom(2)).as("one answer for both appends, once durable")
                .containsExactly(new Message.AppendResponse(2, 1, second.term(), true, second.lastIndex(), 0, 0, 0,
                        second.round()));
    }

    @Test
    @DisplayName("§6.4: a heartbeat of a new round is answered at once even while the follower's log is not durable")
    void aHeartbeatOfANewRoundIsAnsweredAtOnce() {
        c.pauseDisk(2);
        c.step(1, propose(1));
        Message.AppendRequest append = onlyAppendTo(2);
        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("the entry is not durable, and its round is already confirmed").isEmpty();

        c.dropWhere(m -> m.to() != 2);
        c.tick(1, config.heartbeatIntervalTicks());
        Message.AppendRequest heartbeat = onlyAppendTo(2);
        assertThat(heartbeat.entries()).isEmpty();
        assertThat(heartbeat.round()).isGreaterThan(append.round());
        c.deliverWhere(m -> m.to() == 2);
        assertThat(answersFrom(2)).as("the heartbeat's one answer, confirming its round")
                .containsExactly(new Message.AppendResponse(2, 1, append.term(), true, append.prevLogIndex(), 0, 0,
                        0, heartbeat.round()));

        c.dropWhere(m -> true);
        c.resumeDisk(2);
        assertThat(answersFrom(2)).as("the entry's one answer")
                .containsExactly(new Message.AppendResponse(2, 1, append.term(), true, append.lastIndex(), 0, 0, 0,
                        heartbeat.round()));
    }
}
