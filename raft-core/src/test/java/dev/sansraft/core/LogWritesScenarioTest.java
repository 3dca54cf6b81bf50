package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.entry;
import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log writes a follower hands to its runtime when a leader's entries conflict with its own (Raft §5.3 receiver
 * rule 3), and the durability reports that let it acknowledge them (an acknowledgement never runs ahead of the disk).
 */
class LogWritesScenarioTest {

    @Test
    @DisplayName("Raft §5.3: after truncating in a term, a follower still acknowledges what it writes in that term")
    void aFollowerThatTruncatedAcknowledgesItsLaterWritesOfTheSameTerm() {
        // Node 2 holds two entries of term 1 that nobody else has; 1 is elected in term 2 with 3's vote.
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(1), new HardState(1, HardState.NO_VOTE))
                .node(2, logOfTerms(1, 1, 1), new HardState(1, HardState.NO_VOTE))
                .node(3, logOfTerms(1), new HardState(1, HardState.NO_VOTE))
                .build();
        c.elect(1);
        c.deliverAll();
        assertThat(c.node(2).actions(Action.TruncateLog.class)).as("the new leader's first entry truncated 2")
                .containsExactly(new Action.TruncateLog(2));
        long term = c.core(1).term();

        c.isolate(3); // from now on, only 2's acknowledgement can make a majority with the leader
        c.propose(1, 7, "after the truncation");
        c.deliverAll();

        long index = c.core(1).lastLogIndex();
        assertThat(c.core(2).termAt(index)).isEqualTo(term);
        assertThat(c.core(1).commitIndex()).as("2 acknowledged its write of the truncation's term once durable")
                .isEqualTo(index);
        assertThat(c.node(1).applied).as("and the leader applied it").extracting(LogEntry::index).contains(index);
    }

    @Test
    @DisplayName("Raft §5.3: entries never handed to storage are replaced in memory, with no TruncateLog")
    void entriesNotYetHandedToStorageAreReplacedWithoutATruncation() {
        InMemoryLog storage = InMemoryLog.of(logOfTerms(1));
        RaftCore core = RaftCore.create(2, List.of(1L, 2L, 3L), RaftConfig.defaults(), storage,
                new HardState(1, HardState.NO_VOTE));
        // One batch: leader 1 of term 1 sends entries 2 and 3, then leader 3 of term 2 overwrites them from 2 on.
        List<Action> actions = core.stepAll(List.of(
                new Event.Receive(new Message.AppendRequest(1, 2, 1, 1, 1, List.of(entry(2, 1), entry(3, 1)), 1,
                        1)),
                new Event.Receive(new Message.AppendRequest(3, 2, 2, 1, 1, List.of(entry(2, 2)), 1, 1))));

        assertThat(actions).as("storage never held entries 2 and 3: nothing to truncate there")
                .noneMatch(a -> a instanceof Action.TruncateLog);
        assertThat(actions).filteredOn(a -> a instanceof Action.AppendLog)
                .containsExactly(new Action.AppendLog(List.of(entry(2, 2)), 2));
        assertThat(core.lastLogIndex()).isEqualTo(2);
        assertThat(core.termAt(2)).isEqualTo(2);
    }

    @Test
    @DisplayName("a follower acknowledges when its durable index advances; a repeated durability report sends nothing")
    void aRepeatedDurabilityReportSendsNoSecondAcknowledgement() {
        RaftCore core = RaftCore.create(2, List.of(1L, 2L, 3L), RaftConfig.defaults(), InMemoryLog.of(logOfTerms(1)),
                new HardState(1, HardState.NO_VOTE));
        core.step(new Event.Receive(new Message.AppendRequest(1, 2, 1, 1, 1, List.of(entry(2, 1), entry(3, 1)), 1,
                1)));

        assertThat(acks(core.step(new Event.Persisted(2, 1, 1)))).as("entry 2 became durable")
                .containsExactly(2L);
        assertThat(acks(core.step(new Event.Persisted(2, 1, 1)))).as("the same report again: nothing new is durable")
                .isEmpty();
        assertThat(acks(core.step(new Event.Persisted(3, 1, 1)))).as("entry 3 became durable").containsExactly(3L);
    }

    /** The match indexes of the successful append acknowledgements among {@code actions}. */
    private static List<Long> acks(List<Action> actions) {
        return actions.stream()
                .filter(a -> a instanceof Action.Send && ((Action.Send) a).message() instanceof Message.AppendResponse)
                .map(a -> (Message.AppendResponse) ((Action.Send) a).message())
                .filter(Message.AppendResponse::success)
                .map(Message.AppendResponse::matchIndex)
                .toList();
    }
}
