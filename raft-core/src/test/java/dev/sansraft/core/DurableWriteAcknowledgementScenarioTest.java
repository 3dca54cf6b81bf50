package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.3 (Figure 2, AppendEntries) with group commit: a follower answers an append once what it claims is
 * durable, and a write becoming durable is answered only when an append of the current term is waiting on it. Here
 * follower 2 wrote entries for leader 1 in term 1 that were not yet durable when leader 3 of term 2 took over; the
 * later report that they are durable is owed to nobody, so it sends nothing (one answer per append, issue 17).
 * The test plays both leaders and the runtime, whose disk reports each write separately.
 */
class DurableWriteAcknowledgementScenarioTest {

    private final TestCluster c = TestCluster.of(1, 2, 3);

    DurableWriteAcknowledgementScenarioTest() {
        c.pauseDisk(2);
    }

    /**
     * Makes follower 2's log durable up to {@code index} (a disk finishing one write of several), reports it, and
     * returns the acknowledgements that sent.
     */
    private List<Message.AppendResponse> durableUpTo(long index) {
        TestCluster.Node n = c.node(2);
        InMemoryLog durable = n.log.copy();
        durable.truncateSuffix(index + 1);
        n.durableLog = durable;
        int mark = n.mark();
        c.step(2, new Event.Persisted(index, n.log.term(index), n.epoch));
        return c.node(2).sentSince(mark, Message.AppendResponse.class);
    }

    /** Follower 2 gets entries 1 to {@code last} of term 1 from leader 1; only entry 1 becomes durable. */
    private void termOneEntriesOnlyTheFirstDurable(long last) {
        List<LogEntry> entries = new ArrayList<>();
        for (long i = 1; i <= last; i++) {
            entries.add(entry(i, 1));
        }
        c.deliver(new Message.AppendRequest(1, 2, 1, 0, 0, entries, 0, 1));
        assertThat(durableUpTo(1)).allSatisfy(r -> assertThat(r.matchIndex()).isEqualTo(1));
    }

    @Test
    @DisplayName("§5.3: entries of an earlier term becoming durable are not acknowledged to the new leader")
    void anEarlierTermsWriteBecomingDurableIsNotAcknowledged() {
        termOneEntriesOnlyTheFirstDurable(2);
        // Leader 3's heartbeat at its probe point 1, which 2 holds durable: answered at once.
        c.deliver(new Message.AppendRequest(3, 2, 2, 1, 1, List.of(), 0, 1));
        assertThat(c.core(2).leaderId()).isEqualTo(3);
        assertThat(c.node(2).sent(Message.AppendResponse.class)).last()
                .isEqualTo(new Message.AppendResponse(2, 3, 2, true, 1, 0, 0, 0, 1));

        assertThat(durableUpTo(2)).as("no append of term 2 waits on entry 2").isEmpty();
    }

    @Test
    @DisplayName("§5.3: an append is acknowledged once when durable, and later writes of an earlier term add nothing")
    void anAppendIsAcknowledgedOnceWhenItBecomesDurable() {
        termOneEntriesOnlyTheFirstDurable(3);
        // Leader 3 holds entry 2 of term 1 but not 3: its heartbeat at 2 waits on entry 2 becoming durable.
        c.deliver(new Message.AppendRequest(3, 2, 2, 2, 1, List.of(), 0, 1));
        assertThat(c.core(2).leaderId()).isEqualTo(3);

        assertThat(durableUpTo(2)).as("the heartbeat's claim is durable now")
                .containsExactly(new Message.AppendResponse(2, 3, 2, true, 2, 0, 0, 0, 1));
        assertThat(durableUpTo(3)).as("entry 3 is owed to nobody, and entry 2 was answered").isEmpty();
    }
}
