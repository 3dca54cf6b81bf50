package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.3 with etcd-style flow control: which appends leader 1 sends follower 2 after each scripted answer of
 * 2 (every message to 2 is lost, and the test writes 2's answers), while follower 3 keeps a quorum. One entry per
 * append and a window of three appends in flight, so every append is one index and the window is easy to count.
 */
class FlowControlScenarioTest {

    private static final int WINDOW = 3;
    private static final RaftConfig ONE_PER_APPEND = RaftConfig.builder()
            .maxEntriesPerAppend(1)
            .maxInflightAppends(WINDOW)
            .electionTimeoutTicks(20)
            .heartbeatIntervalTicks(5)
            .build();

    /** Leader 1 with follower 2 pipelining after it matched the NOOP at index 1; 2's answers are scripted. */
    private static final class Leader {
        final TestCluster c = TestCluster.of(ONE_PER_APPEND, 1, 2, 3);
        final long term;
        private long proposals;

        Leader() {
            c.elect(1);
            c.deliverAll();
            term = c.core(1).term();
            assertThat(c.node(1).log.lastIndex()).as("the NOOP").isEqualTo(1);
            assertThat(progressOf2().state()).isEqualTo(PeerProgress.State.REPLICATE);
        }

        /** Proposes {@code count} entries in one step, so they go out in one broadcast. */
        void propose(int count) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                events.add(new Event.Propose(++proposals, new byte[] {(byte) proposals}));
            }
            c.stepAll(1, events);
            settle();
        }

        void acknowledge(long matchIndex) {
            c.deliver(new Message.AppendResponse(2, 1, term, true, matchIndex, 0, 0, 0, 0));
            settle();
        }

        /** 2 rejects the append whose prev is {@code rejectedIndex}; its log ends at {@code lastIndex}. */
        void reject(long rejectedIndex, long lastIndex) {
            c.deliver(new Message.AppendResponse(2, 1, term, false, 0, rejectedIndex, lastIndex, term, 0));
            settle();
        }

        private void settle() {
            c.deliverWhere(m -> m.to() != 2);
            c.dropWhere(TestCluster.to(2));
        }

        int mark() {
            return c.node(1).mark();
        }

        /** The appends carrying entries to 2 since {@code mark}, each as its entry's index (one entry per append). */
        List<Long> appendedSince(int mark) {
            List<Long> indexes = new ArrayList<>();
            for (Message.AppendRequest a : c.node(1).sentSince(mark, Message.AppendRequest.class)) {
                if (a.to() == 2 && !a.entries().isEmpty()) {
                    assertThat(a.entries()).as("append %s", a).hasSize(1);
                    indexes.add(a.entries().get(0).index());
                }
            }
            return indexes;
        }

        PeerProgress progressOf2() {
            return c.core(1).status().peers().stream().filter(p -> p.id() == 2).findFirst().orElseThrow();
        }
    }

    @Test
    @DisplayName("§5.3 pipelining: an acknowledgement frees one slot of the window and resends nothing in flight")
    void anAcknowledgementFreesOneSlotAndResendsNothing() {
        Leader l = new Leader();
        int mark = l.mark();
        l.propose(5);
        assertThat(l.appendedSince(mark)).as("a full window, without waiting").containsExactly(2L, 3L, 4L);
        int acked = l.mark();
        l.acknowledge(2);
        assertThat(l.appendedSince(acked)).as("only the next entry").containsExactly(5L);
        assertThat(l.progressOf2().inflight()).isEqualTo(WINDOW);
    }

    @Test
    @DisplayName("§5.3: a rejection of an index the follower is already known to match is stale and ignored")
    void aRejectionAtTheMatchIndexIsStale() {
        Leader l = new Leader();
        l.propose(4);
        l.acknowledge(2);
        int mark = l.mark();
        // An answer to an old probe at prev 2, from before 2 held entry 2, arrives late.
        l.reject(2, 1);
        assertThat(l.appendedSince(mark)).as("nothing resent").isEmpty();
        assertThat(l.progressOf2().state()).isEqualTo(PeerProgress.State.REPLICATE);
    }

    @Test
    @DisplayName("§5.3: a probe the follower answered early still counts as in flight once pipelining resumes")
    void anEarlyAnsweredProbeCountsAgainstTheWindow() {
        Leader l = new Leader();
        l.propose(5);
        l.acknowledge(2);
        // The append at prev 3 was lost, so 2 rejects the one at prev 4: its log ends at 2. Probe from 3.
        int rejected = l.mark();
        l.reject(4, 2);
        assertThat(l.appendedSince(rejected)).as("one probe").containsExactly(3L);
        assertThat(l.progressOf2().state()).isEqualTo(PeerProgress.State.PROBE);
        // 2 answers the probe before entry 3 is durable (a read round is waiting on it): it matches up to 2.
        int early = l.mark();
        l.acknowledge(2);
        assertThat(l.progressOf2().state()).isEqualTo(PeerProgress.State.REPLICATE);
        assertThat(l.appendedSince(early)).as("the probe's entry is on its way: the window has two more slots")
                .containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("§5.3: a duplicated old acknowledgement leaves an outstanding probe outstanding")
    void aStaleAcknowledgementDoesNotEndAProbe() {
        Leader l = new Leader();
        l.propose(6);
        l.acknowledge(2);
        // 2 holds 3 and 4 (their acknowledgements were lost), the append at prev 4 was lost, and the one at prev 5
        // is rejected: probe from 5.
        int rejected = l.mark();
        l.reject(5, 4);
        assertThat(l.appendedSince(rejected)).as("one probe").containsExactly(5L);
        int stale = l.mark();
        l.acknowledge(2);
        assertThat(l.progressOf2().state()).isEqualTo(PeerProgress.State.PROBE);
        assertThat(l.appendedSince(stale)).as("nothing more until the probe is answered").isEmpty();
    }

    @Test
    @DisplayName("Thesis §6.2 CheckQuorum: a follower heard only through its ReadIndex requests counts as active")
    void readIndexRequestsKeepAFollowerActiveForCheckQuorum() {
        TestCluster c = TestCluster.of(ONE_PER_APPEND, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.isolate(3);
        // Every answer 2 gives to appends is lost; only its forwarded reads reach the leader.
        for (int i = 0; i < 3 * ONE_PER_APPEND.electionTimeoutTicks(); i++) {
            c.tick(1, 1);
            c.tick(2, 1);
            if (i % ONE_PER_APPEND.heartbeatIntervalTicks() == 0) {
                c.step(2, new Event.ReadIndex(i, false));
            }
            c.deliverWhere(m -> !(m instanceof Message.AppendResponse));
            c.dropWhere(m -> m instanceof Message.AppendResponse);
        }
        assertThat(c.node(1).sent(Message.AppendRequest.class)).as("the leader kept sending heartbeats").isNotEmpty();
        assertThat(c.core(1).role()).as("the leader heard from a quorum (2 and itself)").isEqualTo(Role.LEADER);
    }
}
