package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §7 receiver rule 7 with the proposal contract of {@link Action}: a node that installs a snapshot in place of a
 * log that did not hold the snapshot's last entry never applies the entries it covers one by one, so its own pending
 * proposals there are settled at the install. One of a newer term than the snapshot's last entry cannot be in it and
 * is dropped; one of that very term may be in it, so its fate is reported unknown, never dropped. Either way the
 * proposal is settled once, and stops counting against {@code maxUncommittedBytes}.
 *
 * <p>The history, on five nodes so that every election in it has its votes: node 1 leads term t and accepts proposals
 * 77 and 78 at indexes 2 and 3 while cut off from all but node 2, which receives them. Node 3 leads term t + 1 (votes
 * of 4 and 5) and overwrites node 1's index 2 with its NOOP before it loses leadership. Node 2 leads term t + 2 (votes
 * of 4 and 5) and commits indexes 2 and 3 with its NOOP at 4. Node 4 applies up to 3 as its follower (a follower
 * commits up to the last entry an append carried), snapshots there, and leads term t + 3: it sends node 1 that
 * snapshot, which ends at 3@t. Node 1 sees only the messages of nodes 3 and 4, which the test writes.
 */
class SnapshotCoveredProposalScenarioTest {

    private static final int PAYLOAD = 50;

    /** Node 1 just installed node 4's snapshot ending at 3@t; {@code t} is the term node 1 led. */
    private record Installed(TestCluster c, long t) {
    }

    private static Installed nodeOneInstallsASnapshotOfItsOwnTerm(RaftConfig config) {
        TestCluster c = TestCluster.of(config, 1, 2, 3, 4, 5);
        c.elect(1);
        c.deliverAll();
        long t = c.core(1).term();
        LogEntry noop = c.node(1).applied.get(0);
        c.isolate(1);
        assertThat(c.step(1, new Event.Propose(77, new byte[PAYLOAD]))).contains(new Action.ProposalAccepted(77, 2, t));
        assertThat(c.step(1, new Event.Propose(78, new byte[PAYLOAD]))).contains(new Action.ProposalAccepted(78, 3, t));

        c.step(1, new Event.Receive(new Message.AppendRequest(3, 1, t + 1, 1, t, List.of(LogEntry.noop(2, t + 1)),
                1, 0)));
        assertThat(c.node(1).terms()).as("node 3's NOOP replaced both proposals").containsExactly(t, t + 1);

        byte[] payload = TestCluster.encode(List.of(noop, LogEntry.normal(2, t, new byte[PAYLOAD]),
                LogEntry.normal(3, t, new byte[PAYLOAD])));
        SnapshotInfo snapshot = new SnapshotInfo(3, t, List.of(1L, 2L, 3L, 4L, 5L), payload.length,
                TestCluster.crc(payload));
        c.step(1, new Event.Receive(new Message.InstallSnapshot(4, 1, t + 3, snapshot, 0, payload)));
        assertThat(c.node(1).actions).as("the log did not hold 3@t: it is reset")
                .contains(new Action.ResetLog(3, t), new Action.RestoreSnapshot(snapshot));
        return new Installed(c, t);
    }

    @Test
    @DisplayName("§7: a pending proposal of the snapshot's own last term is reported unknown, not dropped")
    void proposalsOfTheSnapshotsLastTermAreReportedUnknown() {
        Installed s = nodeOneInstallsASnapshotOfItsOwnTerm(RaftConfig.defaults());
        // Both are in fact in the snapshot: "dropped" would tell the client a write that took effect did not.
        assertThat(s.c().node(1).outcomes(77)).containsExactly(new Action.ProposalAccepted(77, 2, s.t()),
                new Action.ProposalUnknown(77, 2, s.t()));
        assertThat(s.c().node(1).outcomes(78)).containsExactly(new Action.ProposalAccepted(78, 3, s.t()),
                new Action.ProposalUnknown(78, 3, s.t()));
    }

    @Test
    @DisplayName("§7: proposals settled by a snapshot get no second outcome when the entries after it apply")
    void proposalsSettledByTheSnapshotAreNotSettledAgainByLaterApplies() {
        Installed s = nodeOneInstallsASnapshotOfItsOwnTerm(RaftConfig.defaults());
        long t = s.t();
        // Node 4 continues the log after its snapshot: node 2's NOOP at 4, its own at 5, both committed.
        s.c().step(1, new Event.Receive(new Message.AppendRequest(4, 1, t + 3, 3, t,
                List.of(LogEntry.noop(4, t + 2), LogEntry.noop(5, t + 3)), 5, 0)));

        assertThat(s.c().core(1).appliedIndex()).isEqualTo(5);
        assertThat(s.c().node(1).outcomes(77)).as("accepted, then unknown, and nothing more").hasSize(2);
        assertThat(s.c().node(1).outcomes(78)).as("accepted, then unknown, and nothing more").hasSize(2);
    }

    @Test
    @DisplayName("§7: proposals settled by a snapshot no longer count against maxUncommittedBytes")
    void proposalsSettledByTheSnapshotFreeTheirBytes() {
        long each = LogEntry.OVERHEAD_BYTES + PAYLOAD;
        Installed s = nodeOneInstallsASnapshotOfItsOwnTerm(
                RaftConfig.builder().maxUncommittedBytes(2 * each).build());
        TestCluster c = s.c();
        long t = s.t();
        // Node 1 leads again, in term t + 4, with the votes of nodes 2 and 3 (pre-vote, then vote).
        c.timeOut(1);
        assertThat(c.core(1).role()).isEqualTo(Role.PRE_CANDIDATE);
        for (boolean preVote : new boolean[] {true, false}) {
            c.step(1, new Event.Receive(new Message.VoteResponse(2, 1, t + 4, true, preVote)));
            c.step(1, new Event.Receive(new Message.VoteResponse(3, 1, t + 4, true, preVote)));
        }
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(t + 4);

        // Nothing of this leadership is pending: a proposal of the whole budget fits.
        assertThat(c.step(1, new Event.Propose(99, new byte[(int) (2 * each - LogEntry.OVERHEAD_BYTES)])))
                .as("the bytes of 77 and 78 were released when the snapshot settled them")
                .anyMatch(a -> a instanceof Action.ProposalAccepted);
    }
}
