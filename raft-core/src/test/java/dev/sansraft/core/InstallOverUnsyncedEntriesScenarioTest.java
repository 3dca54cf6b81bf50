package dev.sansraft.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §7 receiver rule 7 on a follower with a slow disk: a snapshot that replaces the log also replaces the entries
 * the follower appended but had not yet written, so the entries the leader sends after the snapshot are the ones it
 * writes and applies.
 */
class InstallOverUnsyncedEntriesScenarioTest {

    @Test
    @DisplayName("§7: entries appended but not yet durable when a snapshot replaces the log are discarded with it")
    void aSnapshotDiscardsTheEntriesTheFollowerHadNotYetWritten() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3);
        c.pauseDisk(2);
        c.propose(1, 1, "unsynced on 2");
        c.deliverAll();
        long unsynced = c.core(2).lastLogIndex();
        assertThat(c.core(2).persistedIndex()).as("node 2 has not written it").isLessThan(unsynced);
        c.isolate(2);
        for (int i = 0; i < 6; i++) {
            c.propose(1, 10 + i, "e" + i);
            c.deliverAll();
            c.tickAll(1);
        }
        assertThat(c.core(1).firstLogIndex() - 1).as("the leader compacted past node 2's log")
                .isGreaterThan(unsynced);
        c.heal(2);
        for (int i = 0; i < 10; i++) {
            c.tickAll(1);
            c.deliverAll();
        }
        assertThat(c.core(2).firstLogIndex() - 1).as("node 2 installed the leader's snapshot").isGreaterThan(unsynced);
        c.propose(1, 99, "after the snapshot");
        c.deliverAll();
        c.resumeDisk(2);
        for (int i = 0; i < 4; i++) {
            c.tickAll(1);
            c.deliverAll();
        }
        long last = c.core(1).lastLogIndex();
        assertThat(c.core(2).commitIndex()).isEqualTo(last);
        assertThat(c.node(2).applied).as("node 2 applies what the leader applied after the snapshot")
                .isNotEmpty()
                .isEqualTo(c.node(1).applied.subList(c.node(1).applied.size() - c.node(2).applied.size(),
                        c.node(1).applied.size()));
        assertThat(c.node(2).applied.get(c.node(2).applied.size() - 1).index()).isEqualTo(last);
    }
}
