package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RaftCoreSmokeTest {

    @Test
    void threeNodesElectAndReplicate() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        for (int i = 0; i < 10; i++) {
            c.step(1, new Event.Propose(i, new byte[] {(byte) i}));
        }
        c.deliverAll();
        c.tickAll(2);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.node(id).applied).as("applied on %d", id).hasSize(11);
            assertThat(c.core(id).commitIndex()).isEqualTo(11);
        }
    }

    @Test
    void singleNodeElectsItselfAndCommits() {
        TestCluster c = TestCluster.of(7);
        c.tick(7, 1);
        assertThat(c.core(7).role()).isEqualTo(Role.LEADER);
        c.step(7, new Event.Propose(1, new byte[] {1}));
        assertThat(c.node(7).applied).hasSize(2);
    }

    @Test
    void linearizableReadWaitsForHeartbeatRound() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.deliverAll();
        var actions = c.step(1, new Event.ReadIndex(42, false));
        assertThat(actions).noneMatch(a -> a instanceof Action.ReadReady);
        c.deliverAll();
        assertThat(c.node(1).actions).contains(new Action.ReadReady(42, 1));
    }

    @Test
    void followerRestartsAndCatchesUp() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.elect(1);
        c.isolated.add(3L);
        for (int i = 0; i < 50; i++) {
            c.step(1, new Event.Propose(i, new byte[] {(byte) i}));
        }
        c.deliverAll();
        c.isolated.remove(3L);
        c.restart(3);
        c.tickAll(3);
        assertThat(c.node(3).log.lastIndex()).isEqualTo(51);
        assertThat(c.core(3).commitIndex()).isEqualTo(51);
    }
}
