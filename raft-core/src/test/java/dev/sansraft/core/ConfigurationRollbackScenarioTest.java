package dev.sansraft.core;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.addVoter;
import static dev.sansraft.core.MembershipScenarioTest.acceptedIndex;
import static dev.sansraft.core.MembershipScenarioTest.membership;
import static dev.sansraft.core.MembershipScenarioTest.started;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thesis §4.1: a configuration takes effect when its entry is appended, and is rolled back when the entry is
 * truncated; an installed snapshot (Raft §7) replaces the log, and its configuration becomes the only one. Checked
 * through what a follower does with the configuration in effect: the voters it asks for votes when it campaigns,
 * not only the membership its status reports.
 */
class ConfigurationRollbackScenarioTest {

    private static final List<Long> FIVE = List.of(1L, 2L, 3L, 4L, 5L);

    /** Times {@code id} out with nothing delivered and returns whom it asked for (pre-)votes. */
    private static Set<Long> campaignTargets(TestCluster c, long id) {
        int mark = c.node(id).mark();
        c.timeOut(id);
        Set<Long> to = new TreeSet<>();
        for (Message.VoteRequest r : c.node(id).sentSince(mark, Message.VoteRequest.class)) {
            to.add(r.to());
        }
        return to;
    }

    /**
     * Leader 1 of {1..5} appends "add voter 6" and only node 2 receives it; 1 and 2 are cut off and one of 3, 4, 5
     * (which never saw the change) is elected. Returns the index of the change.
     */
    private static long changeSeenOnlyByNode2ThenNewLeader(TestCluster c) {
        c.changeMembership(1, 100, addVoter(6, "h6"));
        long index = acceptedIndex(c, 1, 100);
        c.deliverWhere(m -> m.to() == 2 && m instanceof Message.AppendRequest);
        assertThat(membership(c, 2).voterIds()).as("appended, uncommitted: in effect on 2")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        c.isolate(1);
        c.isolate(2);
        for (int i = 0; i < 300 && c.leader() == 0; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isIn(3L, 4L, 5L);
        return index;
    }

    @Test
    @DisplayName("thesis §4.1: a truncated configuration is rolled back, and its voter is no longer asked for votes")
    void aTruncatedVoterAdditionNoLongerCountsInElections() {
        TestCluster c = started(1, 1, 2, 3, 4, 5);
        changeSeenOnlyByNode2ThenNewLeader(c);
        c.heal(2);
        c.tickAll(2); // the new leader's entries overwrite the change on 2
        assertThat(c.node(2).actions(Action.TruncateLog.class)).as("2 lost the change's entry").isNotEmpty();

        assertThat(membership(c, 2)).isEqualTo(Membership.ofVoters(FIVE));
        assertThat(campaignTargets(c, 2)).as("2 campaigns in the rolled-back configuration, without 6")
                .containsExactly(1L, 3L, 4L, 5L);
    }

    @Test
    @DisplayName("Raft §7 + thesis §4.1: a snapshot installed over an uncommitted configuration replaces it")
    void aSnapshotInstalledOverAnUncommittedConfigurationReplacesIt() {
        RaftConfig config = RaftConfig.builder().snapshotEntries(3).snapshotTrailingEntries(0).build();
        TestCluster c = started(config, 1, 1, 2, 3, 4, 5);
        long changeIndex = changeSeenOnlyByNode2ThenNewLeader(c);
        long leader = c.leader();
        for (int i = 0; i < 8; i++) {
            c.propose(leader, i, "x" + i);
            c.tickAll(1);
        }
        assertThat(c.core(leader).firstLogIndex()).as("the new leader compacted past the change's index")
                .isGreaterThan(changeIndex);
        c.heal(2);
        c.tickAll(40); // the transfer begun while 2 was cut off waits out its chunk timeouts first

        assertThat(c.node(2).actions(Action.RestoreSnapshot.class)).as("2 had to install the snapshot").isNotEmpty();
        assertThat(c.core(2).commitIndex()).isGreaterThan(changeIndex);
        assertThat(membership(c, 2)).as("the snapshot's configuration, not the discarded one")
                .isEqualTo(Membership.ofVoters(FIVE));
        assertThat(campaignTargets(c, 2)).as("2 campaigns in the snapshot's configuration, without 6")
                .containsExactly(1L, 3L, 4L, 5L);
    }
}
