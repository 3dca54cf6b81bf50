package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Leader election scenarios in the style of the MIT 6.824 Raft tests (2A), on real RaftNodes under the simulator. */
class ElectionScenarioTest {

    @Test
    void initialElectionProducesOneStableLeader() {
        SimCluster c = SimCluster.create(3, 11);
        long leader = c.checkOneLeader();
        long term = c.checkTerms();
        assertThat(term).as("term after the first election").isGreaterThanOrEqualTo(1);
        c.runFor(50);
        assertThat(c.checkTerms()).as("term after 5 s without failures").isEqualTo(term);
        assertThat(c.checkOneLeader()).as("leader after 5 s without failures").isEqualTo(leader);
    }

    @Test
    void reElectionAfterTheLeaderIsCutOffAndTheOldLeaderRejoinsWithoutDisruption() {
        SimCluster c = SimCluster.create(3, 12);
        long leader1 = c.checkOneLeader();
        c.disconnect(leader1);
        long leader2 = c.checkOneLeader();
        assertThat(leader2).isNotEqualTo(leader1);
        long term2 = c.status(leader2).term();

        // PreVote keeps the rejoining node from bumping the term; CheckQuorum has already demoted it.
        c.connect(leader1);
        c.runFor(30);
        assertThat(c.checkOneLeader()).as("leader after the old leader rejoins").isEqualTo(leader2);
        assertThat(c.status(leader2).term()).as("term after the old leader rejoins").isEqualTo(term2);

        long other = 6 - leader1 - leader2;
        c.disconnect(leader2);
        c.disconnect(other);
        c.runFor(20);
        c.checkNoLeader();
        c.connect(other);
        c.checkOneLeader();
        c.connect(leader2);
        c.checkOneLeader();
    }

    @Test
    void noLeaderWithoutAQuorum() {
        SimCluster c = SimCluster.create(5, 13);
        long leader = c.checkOneLeader();
        int cut = 0;
        for (long id = 1; id <= 5 && cut < 3; id++) {
            c.disconnect(id);
            cut++;
        }
        c.runFor(60);
        c.checkNoLeader();
        for (long id = 1; id <= 5; id++) {
            c.connect(id);
        }
        assertThat(c.checkOneLeader()).isPositive();
        assertThat(leader).isPositive();
    }

    @Test
    void manyElectionsWithRandomDisconnectsOnSevenNodes() {
        SimCluster c = SimCluster.create(7, 14);
        SplittableRandom r = new SplittableRandom(14);
        c.checkOneLeader();
        for (int iter = 0; iter < 10; iter++) {
            long a = 1 + r.nextInt(7);
            long b = 1 + r.nextInt(7);
            long d = 1 + r.nextInt(7);
            c.disconnect(a);
            c.disconnect(b);
            c.disconnect(d);
            // Either the old leader is still alive or the remaining four (at least) elect a new one.
            c.checkOneLeader();
            c.connect(a);
            c.connect(b);
            c.connect(d);
        }
        c.checkOneLeader();
        c.checkAll();
    }

    @Test
    void electingALeaderOnThreeNodesTakesAFewDozenMessagesAtMost() {
        SimCluster c = SimCluster.create(3, 15);
        c.checkOneLeader();
        // checkOneLeader lets heartbeats run too; count from a fresh cluster up to the first leader instead.
        SimCluster fresh = SimCluster.create(3, 15);
        assertThat(fresh.runUntil(() -> fresh.leader() != 0, 100)).isTrue();
        assertThat(fresh.messagesSent()).as("messages sent until the first leader").isLessThanOrEqualTo(36);
    }

    @Test
    void idleHeartbeatsAreAboutTenPerSecondPerFollower() {
        SimCluster c = SimCluster.create(3, 16);
        c.checkOneLeader();
        c.one(new byte[] {1}, 3, false);
        c.runFor(10);
        long before = c.messagesSent();
        long ticks = 100;
        c.runFor(ticks);
        double seconds = ticks * c.options().tickMicros() / 1e6;
        double perFollowerPerSecond = (c.messagesSent() - before) / 2.0 / 2.0 / seconds;
        assertThat(perFollowerPerSecond).as("heartbeat requests per follower per second (requests + responses / 2)")
                .isLessThanOrEqualTo(11.0);
    }
}
