package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Log agreement scenarios in the style of the MIT 6.824 Raft tests (2B), on real RaftNodes under the simulator. */
class AgreementScenarioTest {

    static byte[] cmd(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    @Test
    void basicAgreementAtIndexesOneToThree() {
        SimCluster c = SimCluster.create(3, 21);
        long leader = c.checkOneLeader();
        // Index 1 is the new leader's NOOP (Raft §8); wait for it so client commands take the next indexes.
        assertThat(c.runUntil(() -> c.nCommitted(1) == 3, 20)).isTrue();
        assertThat(c.committedEntry(1).kind()).isEqualTo(EntryKind.NOOP);
        for (long index = 2; index <= 3; index++) {
            assertThat(c.nCommitted(index)).as("committed before propose at %d", index).isZero();
            long got = c.one(cmd(index * 100), 3, false);
            assertThat(got).as("index of command %d", index).isEqualTo(index);
        }
        for (long id = 1; id <= 3; id++) {
            assertThat(c.log(id)).as("log of node %d", id).hasSize(3).isEqualTo(c.log(leader));
        }
    }

    @Test
    void progressWithOneFollowerDown() {
        SimCluster c = SimCluster.create(3, 22);
        c.one(cmd(101), 3, false);
        long leader = c.checkOneLeader();
        c.disconnect(leader % 3 + 1);
        c.one(cmd(102), 2, false);
        c.one(cmd(103), 2, false);
        c.runFor(10);
        c.one(cmd(104), 2, false);
        c.connect(leader % 3 + 1);
        c.one(cmd(106), 3, true);
    }

    @Test
    void noCommitWithAMajorityDown() {
        SimCluster c = SimCluster.create(5, 23);
        c.one(cmd(10), 5, false);
        long leader = c.checkOneLeader();
        for (int k = 1; k <= 3; k++) {
            c.disconnect((leader + k - 1) % 5 + 1);
        }
        SimCluster.ProposeResult r = c.propose(leader, cmd(20));
        assertThat(r.accepted()).isTrue();
        c.runFor(20);
        assertThat(c.nCommitted(r.index())).as("nodes that applied index %d without a majority", r.index())
                .isZero();
        for (long id = 1; id <= 5; id++) {
            c.connect(id);
        }
        long leader2 = c.checkOneLeader();
        SimCluster.ProposeResult r2 = c.propose(leader2, cmd(30));
        assertThat(r2.accepted()).isTrue();
        assertThat(r2.index()).isBetween(2L, 4L);
        c.one(cmd(1000), 5, true);
    }

    @Test
    void partitionedOldLeaderRejoinsAndItsUncommittedEntriesAreOverwritten() {
        SimCluster c = SimCluster.create(3, 24);
        c.one(cmd(101), 3, true);
        long leader1 = c.checkOneLeader();
        c.disconnect(leader1);
        List<Long> stale = new ArrayList<>();
        for (int v = 102; v <= 104; v++) {
            SimCluster.ProposeResult r = c.propose(leader1, cmd(v));
            assertThat(r.accepted()).isTrue();
            stale.add((long) v);
        }
        c.one(cmd(103_000), 2, true);
        long leader2 = c.checkOneLeader();
        c.disconnect(leader2);
        c.connect(leader1);
        c.one(cmd(104_000), 2, true);
        c.connect(leader2);
        c.one(cmd(105_000), 3, true);
        c.runFor(10);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.log(id)).as("log of node %d after the rejoin", id).isEqualTo(c.log(c.checkOneLeader()));
            for (LogEntry e : c.log(id)) {
                if (e.payload().length == 8) {
                    assertThat(stale).as("entry %s on node %d", e, id)
                            .doesNotContain(ByteBuffer.wrap(e.payload()).getLong());
                }
            }
        }
    }

    @Test
    void fastBackupOverFiftyEntryDivergentLogsOnFiveNodes() {
        SimCluster c = SimCluster.create(5, 25);
        SplittableRandom r = new SplittableRandom(25);
        c.one(cmd(r.nextLong()), 5, true);
        long leader1 = c.checkOneLeader();
        long f1 = leader1 % 5 + 1;
        long f2 = f1 % 5 + 1;
        long f3 = f2 % 5 + 1;
        long f4 = f3 % 5 + 1;
        // Put the leader and one follower in a partition where 50 entries cannot commit.
        c.disconnect(f2);
        c.disconnect(f3);
        c.disconnect(f4);
        for (int i = 0; i < 50; i++) {
            c.propose(leader1, cmd(r.nextLong()));
        }
        c.runFor(5);
        c.disconnect(leader1);
        c.disconnect(f1);
        // The other three commit 50 entries of their own.
        c.connect(f2);
        c.connect(f3);
        c.connect(f4);
        for (int i = 0; i < 50; i++) {
            c.one(cmd(r.nextLong()), 3, true);
        }
        // Now a second minority leader piles up 50 more uncommitted entries.
        long leader2 = c.checkOneLeader();
        long other = leader2 == f2 ? f3 : f2;
        c.disconnect(other);
        for (int i = 0; i < 50; i++) {
            c.propose(leader2, cmd(r.nextLong()));
        }
        c.runFor(5);
        for (long id = 1; id <= 5; id++) {
            c.disconnect(id);
        }
        // The first leader, its follower and "other" form the majority and must overwrite 50-entry suffixes.
        c.connect(leader1);
        c.connect(f1);
        c.connect(other);
        long messagesBefore = c.messagesSent();
        for (int i = 0; i < 50; i++) {
            c.one(cmd(r.nextLong()), 3, true);
        }
        for (long id = 1; id <= 5; id++) {
            c.connect(id);
        }
        c.one(cmd(r.nextLong()), 5, true);
        c.checkAll();
        assertThat(c.messagesSent() - messagesBefore).as("messages to repair and extend the logs")
                .isLessThan(3_000);
    }

    @Test
    void agreementNeedsFewMessagesPerCommand() {
        SimCluster c = SimCluster.create(3, 26);
        c.one(cmd(1), 3, false);
        long leader = c.checkOneLeader();
        long before = c.messagesSent();
        long term = c.status(leader).term();
        long last = 0;
        for (int i = 0; i < 10; i++) {
            SimCluster.ProposeResult r = c.propose(leader, cmd(100 + i));
            assertThat(r.accepted()).isTrue();
            last = r.index();
        }
        long lastIndex = last;
        assertThat(c.runUntil(() -> c.nCommitted(lastIndex) == 3, 20)).isTrue();
        assertThat(c.status(leader).term()).isEqualTo(term);
        // 6.824's TestCount2B allows (commands + 1 + 3) * servers RPCs; a message here is half an RPC.
        assertThat(c.messagesSent() - before).as("messages for 10 commands, heartbeats included")
                .isLessThanOrEqualTo((10 + 1 + 3) * 3L * 2);
    }
}
