package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviours that exposed core bugs (reported in the project's core-bugs notes, fixed on main); each is a named
 * regression test.
 */
class CoreBugRegressionTest {

    @Test
    void aProbeTheFollowerAcceptedIsNotSentAgain() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        long noopSends = c.node(1).sent(Message.AppendRequest.class).stream()
                .filter(a -> a.to() == 2 && !a.entries().isEmpty()).count();
        assertThat(noopSends).as("appends carrying the NOOP to node 2 on a lossless network").isEqualTo(1);
    }

    @Test
    void aFollowerThatRestartsRightAfterAcknowledgingALeaseRoundDoesNotVoteWithinTheLease() {
        // Five nodes; 4 and 5 lost contact with leader 1 long ago but still reach 2 and 3.
        TestCluster c = TestCluster.of(1, 2, 3, 4, 5);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        c.cut(1, 4);
        c.cut(1, 5);
        c.tick(4, 3 * c.config.electionTimeoutTicks());
        c.tick(5, 3 * c.config.electionTimeoutTicks());
        c.deliverAll();
        // Leader 1 gets a fresh round acknowledged by 2 and 3: its lease now runs.
        c.tick(1, 1);
        c.deliverAll();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        // Then 1 is cut off, and 2 crashes and restarts at once.
        c.isolate(1);
        c.restart(2);
        for (int i = 0; i < 3 * c.config.electionTimeoutTicks() && c.leader() == 0; i++) {
            c.tick(4, 1);
            c.tick(5, 1);
            c.deliverAll();
        }
        long newLeader = c.leader();
        if (newLeader != 0) {
            c.propose(newLeader, 1, "write the old leader cannot see");
            c.deliverAll();
        }
        long committedElsewhere = newLeader == 0 ? 0 : c.core(newLeader).commitIndex();
        List<Action> read = c.step(1, new Event.ReadIndex(1, true));
        List<Action.ReadReady> served = new java.util.ArrayList<>();
        for (Action a : read) {
            if (a instanceof Action.ReadReady) {
                served.add((Action.ReadReady) a);
            }
        }
        assertThat(served).as("node 1's lease read (leader elsewhere: %d, commit there: %d)", newLeader,
                committedElsewhere).allMatch(r -> r.readIndex() >= committedElsewhere);
    }

    @Test
    void aForwardedReadWhoseRequestIsLostIsStillAnswered() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        c.step(2, new Event.ReadIndex(5, false));
        assertThat(c.dropWhere(m -> m instanceof Message.ReadIndexRequest)).as("the request is lost").isEqualTo(1);
        for (int i = 0; i < 10 * c.config.electionTimeoutTicks(); i++) {
            c.tickAll(1);
        }
        assertThat(c.core(1).role()).as("the leader never changed").isEqualTo(Role.LEADER);
        assertThat(c.node(2).actions).as("Event.ReadIndex promises ReadReady or ReadRejected")
                .anyMatch(a -> (a instanceof Action.ReadReady && ((Action.ReadReady) a).readId() == 5)
                        || (a instanceof Action.ReadRejected && ((Action.ReadRejected) a).readId() == 5));
    }

    @Test
    void followersLearnANewCommitIndexWithoutWaitingForTheNextHeartbeat() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        c.propose(1, 1, "x");
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(2);
        assertThat(c.core(2).commitIndex()).as("follower 2 after every message was delivered, before any tick")
                .isEqualTo(2);
    }

    @Test
    void anAcknowledgementBeyondTheLeadersLogDoesNotCrashTheLeader() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        // Cross-talk or a buggy peer: followers claim an index the leader never had, in the current term.
        c.deliver(new Message.AppendResponse(2, 1, 1, true, 50, 0, 0, 0, 0));
        c.deliver(new Message.AppendResponse(3, 1, 1, true, 50, 0, 0, 0, 0));
        c.tickAll(3);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).commitIndex()).as("nothing beyond the leader's own log commits").isEqualTo(1);
        c.propose(1, 1, "still works");
        c.deliverAll();
        assertThat(c.core(1).commitIndex()).isEqualTo(2);
    }
}
