package dev.sansraft.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static dev.sansraft.node.CountingStateMachine.string;
import static org.assertj.core.api.Assertions.assertThat;

/** Three real RaftNodes (real RaftCore) over the in-memory network and log stores. */
class RaftNodeClusterTest {

    private static List<String> writeAll(RaftNode leader, String prefix, int n) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            written.add(prefix + i);
            futures.add(leader.propose(bytes(prefix + i)));
        }
        for (int i = 0; i < n; i++) {
            assertThat(string(futures.get(i).join())).isEqualTo("applied:" + prefix + i);
        }
        return written;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(20, TimeUnit.SECONDS);
            throw new AssertionError("future succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
    }

    private static void awaitApplied(TestCluster c, long id, int count) {
        Poll.until("node " + id + " applies " + count + " commands", Duration.ofSeconds(20),
                () -> c.machines.get(id).size() >= count);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void electsALeaderAndReplicatesWritesToEveryNode(long seed) {
        try (TestCluster c = new TestCluster(3, seed).startAll()) {
            RaftNode leader = c.awaitLeader();

            List<String> written = writeAll(leader, "w", 200);

            for (long id : c.ids) {
                awaitApplied(c, id, 200);
                assertThat(c.machines.get(id).applied).as("node %d, seed %d", id, seed).isEqualTo(written);
            }
            assertThat(leader.metrics().get("sansraft_is_leader")).isEqualTo(1.0);
            Poll.until("every node's status shows the writes applied", () -> c.ids.stream()
                    .allMatch(id -> c.node(id).status().appliedIndex() >= 201));
        }
    }

    @Test
    void followerRejectsProposalsWithTheLeaderHint() {
        try (TestCluster c = new TestCluster(3, 4).startAll()) {
            RaftNode leader = c.awaitLeader();
            RaftNode follower = c.aFollower();

            Throwable t = failure(follower.propose(bytes("x")));

            assertThat(t).isInstanceOf(NotLeaderException.class);
            assertThat(((NotLeaderException) t).leaderHint()).isEqualTo(leader.id());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {5, 6})
    void failsOverWhenTheLeaderIsClosedAndKeepsEveryAcknowledgedWrite(long seed) {
        try (TestCluster c = new TestCluster(3, seed).startAll()) {
            RaftNode first = c.awaitLeader();
            List<String> written = new ArrayList<>(writeAll(first, "a", 50));
            List<Long> leaderChanges = new ArrayList<>();
            c.nodes.values().forEach(n -> n.addLeaderChangeListener((leader, term) -> {
                synchronized (leaderChanges) {
                    leaderChanges.add(leader);
                }
            }));

            c.stop(first.id());
            RaftNode second = c.awaitLeader();
            written.addAll(writeAll(second, "b", 50));

            assertThat(second.id()).as("seed %d", seed).isNotEqualTo(first.id());
            for (long id : c.nodes.keySet()) {
                awaitApplied(c, id, 100);
                assertThat(c.machines.get(id).applied).as("node %d, seed %d", id, seed).isEqualTo(written);
            }
            Poll.until("listeners heard of the new leader", () -> {
                synchronized (leaderChanges) {
                    return leaderChanges.contains(second.id());
                }
            });
        }
    }

    @Test
    void linearizableReadsSeeTheLatestWriteOnLeaderAndFollower() throws Exception {
        try (TestCluster c = new TestCluster(3, 7).startAll()) {
            RaftNode leader = c.awaitLeader();
            RaftNode follower = c.aFollower();
            for (int round = 0; round < 20; round++) {
                leader.propose(bytes("v" + round)).get(10, TimeUnit.SECONDS);

                byte[] onLeader = leader.query(bytes("last"), ReadConsistency.LINEARIZABLE).get(10, TimeUnit.SECONDS);
                byte[] onFollower = follower.query(bytes("last"), ReadConsistency.LINEARIZABLE)
                        .get(10, TimeUnit.SECONDS);
                byte[] lease = leader.query(bytes("last"), ReadConsistency.LEASE).get(10, TimeUnit.SECONDS);

                assertThat(string(onLeader)).as("leader, round %d", round).isEqualTo("v" + round);
                assertThat(string(onFollower)).as("follower, round %d", round).isEqualTo("v" + round);
                assertThat(string(lease)).as("lease, round %d", round).isEqualTo("v" + round);
            }
        }
    }

    @Test
    void manyConcurrentReadsAreAllServed() {
        try (TestCluster c = new TestCluster(3, 8).startAll()) {
            RaftNode leader = c.awaitLeader();
            writeAll(leader, "x", 10);
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                reads.add(leader.query(bytes("count"), ReadConsistency.LINEARIZABLE));
            }

            for (CompletableFuture<byte[]> r : reads) {
                assertThat(string(r.join())).isEqualTo("10");
            }
            assertThat(leader.metrics().get("sansraft_reads_total")).isEqualTo(2000.0);
        }
    }

    @Test
    void isolatedLeaderNeverServesAStaleLinearizableRead() throws Exception {
        try (TestCluster c = new TestCluster(3, 9, Duration.ofSeconds(2)).startAll()) {
            RaftNode old = c.awaitLeader();
            writeAll(old, "before", 5);

            c.network.disconnect(old.id());
            c.nodes.remove(old.id());
            RaftNode fresh = c.awaitLeader();
            fresh.propose(bytes("after")).get(10, TimeUnit.SECONDS);
            CompletableFuture<byte[]> staleAttempt = old.query(bytes("last"), ReadConsistency.LINEARIZABLE);

            Throwable t = failure(staleAttempt);
            assertThat(t).as("the deposed leader must not answer from its old state")
                    .isInstanceOfAny(NotLeaderException.class, TimeoutException.class);

            c.network.connect(old.id());
            c.nodes.put(old.id(), old);
            Poll.until("the old leader catches up", Duration.ofSeconds(20),
                    () -> c.machines.get(old.id()).size() == 6);
            assertThat(string(old.query(bytes("last"), ReadConsistency.LINEARIZABLE).get(10, TimeUnit.SECONDS)))
                    .isEqualTo("after");
        }
    }

    @Test
    void restartFromTheSameStoresKeepsTheData() throws Exception {
        try (TestCluster c = new TestCluster(3, 10).startAll()) {
            List<String> written = new ArrayList<>(writeAll(c.awaitLeader(), "r", 100));
            for (long id : c.ids) {
                awaitApplied(c, id, 100);
            }

            for (long id : c.ids) {
                c.stop(id);
            }
            for (long id : c.ids) {
                c.start(id);
            }
            RaftNode leader = c.awaitLeader();
            written.addAll(writeAll(leader, "s", 10));

            for (long id : c.ids) {
                awaitApplied(c, id, 110);
                assertThat(c.machines.get(id).applied).as("node %d re-applied its log", id).isEqualTo(written);
            }
            assertThat(string(leader.query(bytes("count"), ReadConsistency.LINEARIZABLE).get(10, TimeUnit.SECONDS)))
                    .isEqualTo("110");
        }
    }

    @Test
    void aRestartedFollowerCatchesUp() {
        try (TestCluster c = new TestCluster(3, 11).startAll()) {
            RaftNode leader = c.awaitLeader();
            long followerId = c.aFollower().id();
            c.stop(followerId);
            List<String> written = writeAll(leader, "m", 100);

            c.start(followerId);

            awaitApplied(c, followerId, 100);
            assertThat(c.machines.get(followerId).applied).isEqualTo(written);
        }
    }

    @Test
    void closingEveryNodeUnderLoadLeavesNoFutureHanging() {
        TestCluster c = new TestCluster(3, 12).startAll();
        RaftNode leader = c.awaitLeader();
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            futures.add(leader.propose(bytes("z" + i)));
            futures.add(c.node(1).query(bytes("count"), ReadConsistency.LINEARIZABLE));
        }

        c.close();

        for (CompletableFuture<byte[]> f : futures) {
            assertThat(f).isDone();
            try {
                f.join();
            } catch (CompletionException e) {
                // A proposal the leader had accepted when it closed may still commit: unknown, caused by the close.
                if (e.getCause() instanceof OutcomeUnknownException) {
                    assertThat(e.getCause()).hasCauseInstanceOf(NodeClosedException.class);
                } else {
                    assertThat(e.getCause()).isInstanceOfAny(NodeClosedException.class, NotLeaderException.class,
                            ProposalDroppedException.class);
                }
            }
        }
    }
}
