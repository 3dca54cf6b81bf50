package dev.sansraft.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Election timeouts drawn from the seeded generator, determinism, heartbeats, and the status snapshot. */
class TimingAndStatusTest {

    private static int ticksUntilCampaign(RaftConfig config, long id) {
        RaftCore core = RaftCore.create(id, List.of(1L, 2L, 3L), config, new InMemoryLog(), HardState.INITIAL);
        int ticks = 0;
        while (core.role() == Role.FOLLOWER) {
            core.step(Event.Tick.INSTANCE);
            ticks++;
            if (ticks > 1000) {
                throw new IllegalStateException("never timed out");
            }
        }
        return ticks;
    }

    @Test
    void electionTimeoutsAreDrawnFromElectionTimeoutToTwiceIt() {
        Set<Integer> seen = new HashSet<>();
        for (long seed = 0; seed < 300; seed++) {
            RaftConfig config = RaftConfig.builder().electionTimeoutTicks(10).randomSeed(seed).build();
            int ticks = ticksUntilCampaign(config, 1);
            assertThat(ticks).as("seed %d", seed).isBetween(10, 19);
            seen.add(ticks);
        }
        assertThat(seen).as("the whole range is used").hasSize(10);
    }

    @Test
    void theSameSeedGivesTheSameTimeoutAndNodesDiffer() {
        RaftConfig config = RaftConfig.builder().randomSeed(12345).build();
        assertThat(ticksUntilCampaign(config, 1)).isEqualTo(ticksUntilCampaign(config, 1));
        Set<Integer> perNode = new HashSet<>();
        for (long id = 1; id <= 3; id++) {
            perNode.add(ticksUntilCampaign(config, id));
        }
        for (long seed = 0; seed < 20 && perNode.size() < 2; seed++) {
            RaftConfig other = RaftConfig.builder().randomSeed(seed).build();
            perNode.clear();
            for (long id = 1; id <= 3; id++) {
                perNode.add(ticksUntilCampaign(other, id));
            }
        }
        assertThat(perNode).as("the node id is mixed into the seed").hasSizeGreaterThan(1);
    }

    @Test
    void aRunIsDeterministic() {
        List<Action> first = run();
        List<Action> second = run();
        assertThat(second).isEqualTo(first);
    }

    private static List<Action> run() {
        TestCluster c = TestCluster.of(1, 2, 3);
        c.tickAll(30);
        c.propose(c.leader(), 1, "x");
        c.tickAll(5);
        List<Action> all = new java.util.ArrayList<>();
        for (TestCluster.Node n : c.nodes.values()) {
            all.addAll(n.actions);
        }
        return all;
    }

    @Test
    void anIdleLeaderSendsAHeartbeatEveryInterval() {
        RaftConfig config = RaftConfig.builder().heartbeatIntervalTicks(3).build();
        TestCluster c = TestCluster.of(config, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        int before = c.node(1).sent(Message.AppendRequest.class).size();
        for (int i = 0; i < 9; i++) {
            c.tick(1, 1);
            c.deliverAll();
        }
        List<Message.AppendRequest> heartbeats = c.node(1).sent(Message.AppendRequest.class)
                .subList(before, c.node(1).sent(Message.AppendRequest.class).size());
        assertThat(heartbeats).as("3 intervals x 2 followers").hasSize(6).allMatch(h -> h.entries().isEmpty())
                .allMatch(h -> h.leaderCommit() == 1, "heartbeats carry the commit index");
    }

    @Test
    void statusDescribesTheLeaderAndItsFollowers() {
        TestCluster c = TestCluster.of(3, 1, 2);
        c.elect(3);
        c.propose(3, 1, "x");
        c.deliverAll();
        RaftStatus s = c.core(3).status();
        assertThat(s.id()).isEqualTo(3);
        assertThat(s.isLeader()).isTrue();
        assertThat(s.term()).isEqualTo(1);
        assertThat(s.leaderId()).isEqualTo(3);
        assertThat(s.commitIndex()).isEqualTo(2);
        assertThat(s.appliedIndex()).isEqualTo(2);
        assertThat(s.lastLogIndex()).isEqualTo(2);
        assertThat(s.members()).containsExactly(1L, 2L, 3L);
        assertThat(s.peers()).extracting(PeerProgress::id).containsExactly(1L, 2L);
        assertThat(s.peers()).allMatch(p -> p.matchIndex() == 2 && p.nextIndex() == 3
                && p.state() == PeerProgress.State.REPLICATE && p.inflight() == 0);
        RaftStatus follower = c.core(1).status();
        assertThat(follower.isLeader()).isFalse();
        assertThat(follower.leaderId()).isEqualTo(3);
        assertThat(follower.peers()).as("only a leader tracks peers").isEmpty();
    }
}
