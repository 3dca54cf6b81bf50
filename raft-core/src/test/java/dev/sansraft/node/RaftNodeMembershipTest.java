package dev.sansraft.node;

import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Membership changes and leadership transfer through the RaftNode API, on real cores over the in-memory network. */
@Timeout(120)
class RaftNodeMembershipTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("future succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
    }

    private static void write(RaftNode leader, String prefix, int n) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(leader.propose(bytes(prefix + i)));
        }
        futures.forEach(RaftNodeMembershipTest::await);
    }

    @Test
    void aNodeStartedEmptyIsAddedAsLearnerCatchesUpIsPromotedAndTakesOverLeadership() {
        try (TestCluster c = new TestCluster(3, 7).startAll()) {
            RaftNode leader = c.awaitLeader();
            write(leader, "before", 100);
            RaftNode joiner = c.startJoining(4);
            assertThat(joiner.status().membership().isEmpty()).as("a member-to-be knows no configuration").isTrue();

            Membership withLearner = await(leader.addLearner(4, "node-4"));
            assertThat(withLearner.learnerIds()).containsExactly(4L);
            assertThat(withLearner.voterIds()).containsExactly(1L, 2L, 3L);
            Poll.until("the learner applies the log", WAIT, () -> c.machines.get(4L).size() >= 100);
            Poll.until("the leader shows the learner's progress", WAIT,
                    () -> leader.status().matchIndexOf(4) >= leader.status().commitIndex());
            assertThat(joiner.status().role()).as("a learner never campaigns").isEqualTo(Role.FOLLOWER);

            Membership promoted = await(leader.promote(4));
            assertThat(promoted.voterIds()).containsExactly(1L, 2L, 3L, 4L);
            assertThat(promoted.learnerIds()).isEmpty();
            Poll.until("the new voter knows it is one", WAIT,
                    () -> joiner.status().membership().voterIds().contains(4L));

            await(leader.transferLeadership(4));
            Poll.until("node 4 leads", WAIT, () -> joiner.status().isLeader());
            write(joiner, "after", 50);
            Poll.until("node 4 applied everything", WAIT, () -> c.machines.get(4L).size() >= 150);
        }
    }

    @Test
    void listenersHearEachConfigurationANodeTakesOnIncludingOneRestoredFromASnapshot() {
        try (TestCluster c = new TestCluster(3, 13)
                .withSnapshots(10, 2, 256, ListMachine.Snapshots.CAPTURE).startAll()) {
            RaftNode leader = c.awaitLeader();
            write(leader, "before", 60); // compacted: the leader must send node 4 a snapshot
            List<Membership> heardByJoiner = new CopyOnWriteArrayList<>();
            List<Membership> heardByLeader = new CopyOnWriteArrayList<>();
            c.listeners.put(4L, new RaftNodeListener() {
                @Override
                public void onMembershipChange(Membership membership) {
                    heardByJoiner.add(membership);
                }
            });
            leader.addListener(new RaftNodeListener() {
                @Override
                public void onMembershipChange(Membership membership) {
                    heardByLeader.add(membership);
                }
            });
            c.startJoining(4);

            await(leader.addLearner(4, "node-4"));
            awaitAcknowledged(leader, 4);
            await(leader.promote(4));

            Membership four = Membership.of(List.of(new Membership.Member(1, ""), new Membership.Member(2, ""),
                    new Membership.Member(3, ""), new Membership.Member(4, "node-4")), List.of());
            Poll.until("node 4 heard it is a voter", WAIT, () -> !heardByJoiner.isEmpty()
                    && heardByJoiner.get(heardByJoiner.size() - 1).equals(four));
            assertThat(heardByJoiner.get(0)).as("a member-to-be starts with no configuration")
                    .isEqualTo(Membership.EMPTY);
            // The counter is bumped just after the restore completes (see RaftNodeSnapshotClusterTest).
            Poll.until("node 4 caught up by snapshot", WAIT,
                    () -> c.node(4).metrics().get("sansraft_snapshots_installed_total") >= 1);
            assertThat(heardByJoiner.get(1).voterIds()).as("next, the configuration of the snapshot it restored (the"
                    + " static one; no log entry holds it)").containsExactly(1L, 2L, 3L);
            for (int i = 1; i < heardByJoiner.size(); i++) {
                assertThat(heardByJoiner.get(i)).as("no repeats").isNotEqualTo(heardByJoiner.get(i - 1));
            }
            Poll.until("the leader heard the learner added and then promoted", WAIT,
                    () -> heardByLeader.size() >= 2 && heardByLeader.get(heardByLeader.size() - 1).equals(four));
            assertThat(heardByLeader.get(heardByLeader.size() - 2).learnerIds()).containsExactly(4L);
        }
    }

    /** Waits, as an operator reading {@code GET /members} would, until the leader has heard {@code learner} ack. */
    private static void awaitAcknowledged(RaftNode leader, long learner) {
        Poll.until("the leader heard learner " + learner + " acknowledge entries", WAIT,
                () -> leader.status().matchIndexOf(learner) > 0);
    }

    @Test
    void aLearnerTheLeaderNeverReachedIsNotPromotedOnAYoungLogUntilItAcknowledges() {
        try (TestCluster c = new TestCluster(3, 17).startAll()) {
            RaftNode leader = c.awaitLeader();
            write(leader, "w", 10); // far fewer entries than PROMOTE_MAX_LAG_ENTRIES: the lag rule alone lets it pass
            c.network.disconnect(4); // like a wrong endpoint or a certificate from another CA
            c.startJoining(4);

            await(leader.addLearner(4, "node-4"));
            write(leader, "more", 5);
            RaftStatus s = leader.status();
            assertThat(s.matchIndexOf(4)).as("the leader never heard from learner 4").isLessThanOrEqualTo(0);
            assertThat(s.commitIndex()).isLessThan(RaftNode.PROMOTE_MAX_LAG_ENTRIES);
            Throwable unreached = failure(leader.promote(4));
            assertThat(unreached).isInstanceOf(MembershipChangeException.class).hasMessageContaining("not caught up");
            assertThat(((MembershipChangeException) unreached).reason())
                    .isEqualTo(MembershipChangeException.Reason.NOT_CAUGHT_UP);
            assertThat(((MembershipChangeException) unreached).isRetryable()).isTrue();
            assertThat(leader.status().membership().learnerIds()).as("still a learner").containsExactly(4L);

            c.network.connect(4);
            awaitAcknowledged(leader, 4);
            Membership promoted = await(leader.promote(4));
            assertThat(promoted.voterIds()).containsExactly(1L, 2L, 3L, 4L);
            assertThat(promoted.learnerIds()).isEmpty();
        }
    }

    @Test
    void aRemovedFollowerLeavesTheConfigurationAndTheClusterKeepsCommitting() {
        try (TestCluster c = new TestCluster(3, 11).startAll()) {
            RaftNode leader = c.awaitLeader();
            RaftNode follower = c.aFollower();
            write(leader, "first", 1); // a leader changes the configuration only once it committed in its term

            Membership after = await(leader.remove(follower.id()));

            assertThat(after.voterIds()).hasSize(2).doesNotContain(follower.id());
            c.stop(follower.id());
            write(leader, "w", 20);
            RaftStatus s = leader.status();
            assertThat(s.membership().contains(follower.id())).isFalse();
        }
    }

    @Test
    void callerMistakesFailWithClearReasons() {
        try (TestCluster c = new TestCluster(3, 5).startAll()) {
            RaftNode leader = c.awaitLeader();
            RaftNode follower = c.aFollower();

            write(leader, "first", 1);
            Throwable unknown = failure(leader.promote(99));
            assertThat(unknown).isInstanceOf(MembershipChangeException.class).hasMessageContaining("99");
            assertThat(((MembershipChangeException) unknown).reason())
                    .isEqualTo(MembershipChangeException.Reason.UNKNOWN_MEMBER);

            Throwable unknownRemove = failure(leader.remove(42));
            assertThat(((MembershipChangeException) unknownRemove).reason())
                    .isEqualTo(MembershipChangeException.Reason.UNKNOWN_MEMBER);

            Throwable duplicate = failure(leader.addLearner(follower.id(), "x:1/2"));
            assertThat(duplicate).isInstanceOf(MembershipChangeException.class);
            assertThat(((MembershipChangeException) duplicate).isRetryable()).isFalse();

            Throwable notLeader = failure(follower.addLearner(9, "x:1/2"));
            assertThat(notLeader).isInstanceOf(NotLeaderException.class);
            assertThat(((NotLeaderException) notLeader).leaderHint()).isEqualTo(leader.id());

            await(leader.addLearner(9, "nowhere:1/2"));
            Throwable toLearner = failure(leader.transferLeadership(9));
            assertThat(toLearner).isInstanceOf(LeadershipTransferException.class);
            assertThat(((LeadershipTransferException) toLearner).reason())
                    .isEqualTo(LeadershipTransferException.Reason.INVALID_TARGET);

            write(leader, "w", (int) RaftNode.PROMOTE_MAX_LAG_ENTRIES + 100);
            Throwable behind = failure(leader.promote(9));
            assertThat(behind).isInstanceOf(MembershipChangeException.class).hasMessageContaining("not caught up");
            assertThat(((MembershipChangeException) behind).reason())
                    .as("learner 9 never ran, so it is at match index 0")
                    .isEqualTo(MembershipChangeException.Reason.NOT_CAUGHT_UP);
            assertThat(((MembershipChangeException) behind).isRetryable()).isTrue();
        }
    }
}
