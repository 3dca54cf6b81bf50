package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.RaftNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvStoreTest {

    private KvCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T join(CompletableFuture<T> future) {
        return future.orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void writesAndReadsOfEveryConsistencyOnThreeNodes() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        try (KvStore kv = KvStore.create(leader)) {
            PutResult put = join(kv.put(b("a"), b("1")));
            assertThat(put.index()).isPositive();
            assertThat(join(kv.get(b("a"))).value()).isEqualTo(b("1"));
            assertThat(join(kv.get(b("a"), Consistency.LEASE)).value()).isEqualTo(b("1"));
            GetResult stale = join(kv.get(b("a"), Consistency.STALE));
            assertThat(stale.value()).isEqualTo(b("1"));
            assertThat(stale.appliedIndex()).isGreaterThanOrEqualTo(put.index());
            assertThat(join(kv.getThroughLog(b("a"))).value()).isEqualTo(b("1"));
            assertThat(join(kv.get(b("missing"))).found()).isFalse();

            CasResult absent = join(kv.compareAndSet(b("nope"), b("x"), b("y")));
            assertThat(absent.outcome()).isEqualTo(CasResult.Outcome.ABSENT);
            CasResult mismatch = join(kv.compareAndSet(b("a"), b("x"), b("y")));
            assertThat(mismatch.outcome()).isEqualTo(CasResult.Outcome.MISMATCH);
            assertThat(mismatch.current()).isEqualTo(b("1"));
            assertThat(join(kv.compareAndSet(b("a"), b("1"), b("2"))).swapped()).isTrue();
            assertThat(join(kv.delete(b("a")))).satisfies(d -> assertThat(d.existed()).isTrue());
            assertThat(join(kv.delete(b("a"))).existed()).isFalse();
            DeleteResult last = join(kv.delete(b("a")));

            cluster.awaitApplied(last.index());
            RaftNode follower = cluster.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
            try (KvStore onFollower = KvStore.create(follower)) {
                join(kv.put(b("f"), b("from leader")));
                assertThat(join(onFollower.get(b("f"))).value()).as("linearizable read on a follower")
                        .isEqualTo(b("from leader"));
                assertThatThrownBy(() -> join(onFollower.put(b("f"), b("x"))))
                        .isInstanceOf(CompletionException.class).cause().isInstanceOf(NotLeaderException.class)
                        .satisfies(e -> assertThat(((NotLeaderException) e).leaderHint()).isEqualTo(leader.id()));
            }
            long applied = leader.status().appliedIndex();
            cluster.awaitApplied(applied);
            long digest = cluster.machine(1).digest(); // apply threads are idle and their writes visible after the
            assertThat(cluster.machine(2).digest()).isEqualTo(digest); // volatile applied-index reads above
            assertThat(cluster.machine(3).digest()).isEqualTo(digest);
        }
    }

    @Test
    void concurrentSessionWritesAllApplyOnceAndTheSessionStaysSmall() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        try (KvStore kv = KvStore.builder().node(leader).clientId(42).build()) {
            List<CompletableFuture<PutResult>> futures = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                futures.add(kv.put(b("k" + i), b("v" + i)));
            }
            long[] indexes = futures.stream().mapToLong(f -> join(f).index()).toArray();
            assertThat(Arrays.stream(indexes).distinct().count()).isEqualTo(500);
            long last = join(kv.put(b("done"), b("1"))).index();
            cluster.awaitApplied(last);
            KvStateMachine sm = cluster.machine(leader.id());
            assertThat(sm.sessionCount()).isEqualTo(1);
            assertThat(sm.get(Bytes.ofUtf8("k499"))).isEqualTo(Bytes.ofUtf8("v499"));
            assertThat(sm.size()).isEqualTo(501);
        }
    }

    @Test
    void clientRequestRetryWithTheSameSequenceAppliesOnce() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        try (KvStore kv = KvStore.create(leader)) {
            ClientRequest request = new ClientRequest(0xABCL, 7);
            PutResult first = join(kv.put(b("k"), b("first"), request));
            join(kv.put(b("k"), b("someone else")));
            PutResult retry = join(kv.put(b("k"), b("first"), request));
            assertThat(retry).as("saved response with the original index").isEqualTo(first);
            assertThat(join(kv.get(b("k"))).value()).isEqualTo(b("someone else"));
            assertThatThrownBy(() -> join(kv.put(b("k"), b("old"), new ClientRequest(0xABCL, 6))))
                    .cause().isInstanceOf(KvRejectedException.class)
                    .satisfies(e -> assertThat(((KvRejectedException) e).error()).isEqualTo(KvError.STALE_SEQUENCE));
            assertThatThrownBy(() -> join(kv.delete(b("k"), request))).as("a sequence reused for another command")
                    .cause().isInstanceOf(KvRejectedException.class)
                    .satisfies(e -> assertThat(((KvRejectedException) e).error())
                            .isEqualTo(KvError.SEQUENCE_REUSED));
        }
    }

    @Test
    void timedOutWriteIsRetriedWithTheSameSequenceAndAppliedOnce() {
        // Node 1 elects itself quickly and keeps leading while cut off; the others never campaign. Neither CheckQuorum
        // nor PreVote anywhere: with either, the followers' long timeouts would make them ignore node 1's votes too.
        cluster = new KvCluster(id -> RaftConfig.builder().randomSeed(id).checkQuorum(false).preVote(false)
                .electionTimeoutTicks(id == 1 ? 10 : 100_000).build(), Duration.ofMillis(150));
        RaftNode leader = cluster.node(1);
        Poll.until("node 1 leads", 10_000, () -> leader.status().isLeader());
        RetryPolicy patient = new RetryPolicy(100, Duration.ofMillis(20), Duration.ofMillis(50));
        try (KvStore kv = KvStore.builder().node(leader).retryPolicy(patient).build()) {
            join(kv.put(b("k"), b("old")));
            cluster.network.disconnect(2);
            cluster.network.disconnect(3);
            CompletableFuture<CasResult> cas = kv.compareAndSet(b("k"), b("old"), b("new"));
            Poll.until("the first attempt to time out", 10_000,
                    () -> leader.metrics().values().get("sansraft_requests_timed_out_total") >= 1);
            cluster.network.connect(2);
            cluster.network.connect(3);
            CasResult result = join(cas);
            assertThat(result.outcome()).as("the retry got the first application's result").isEqualTo(
                    CasResult.Outcome.SWAPPED);
            assertThat(join(kv.get(b("k"))).value()).isEqualTo(b("new"));

            long copies = 0;
            byte[] payload = cluster.stores.get(0).entry(result.index()).payload();
            long lastIndex = cluster.stores.get(0).lastIndex();
            for (LogEntry e : cluster.stores.get(0).entries(1, lastIndex + 1, Long.MAX_VALUE)) {
                if (Arrays.equals(e.payload(), payload)) {
                    copies++;
                }
            }
            assertThat(copies).as("the command is in the log more than once but applied once").isGreaterThan(1);
        }
    }

    @Test
    void retriesOfAnUnknownOutcomeStopAtThePolicysDeadline() {
        cluster = new KvCluster(id -> RaftConfig.builder().randomSeed(id).checkQuorum(false).preVote(false)
                .electionTimeoutTicks(id == 1 ? 10 : 100_000).build(), Duration.ofMillis(100));
        RaftNode leader = cluster.node(1);
        Poll.until("node 1 leads", 10_000, () -> leader.status().isLeader());
        // Attempts enough for hours; only the deadline can end the retries.
        RetryPolicy bounded = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(5), Duration.ofMillis(10),
                Duration.ofMillis(500));
        try (KvStore kv = KvStore.builder().node(leader).retryPolicy(bounded).build()) {
            join(kv.put(b("k"), b("old")));
            cluster.network.disconnect(2);
            cluster.network.disconnect(3);

            assertThatThrownBy(() -> kv.put(b("k"), b("new")).orTimeout(60, TimeUnit.SECONDS).join())
                    .as("the last attempt's unknown outcome, once the deadline passed")
                    .cause().isInstanceOf(OutcomeUnknownException.class);
            assertThat(leader.metrics().get("sansraft_proposals_unknown_total")).as("it was retried")
                    .isGreaterThan(1.0);
        }
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deadline must be positive");
    }

    @Test
    void badArgumentsFailTheFutureWithoutSendingAnything() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        KvStore kv = KvStore.builder().node(leader).limits(new KvLimits(4, 8)).maxPendingWrites(1).build();
        assertThatThrownBy(() -> join(kv.put(b("toolong"), b("v")))).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key is 7 bytes, limit is 4");
        assertThatThrownBy(() -> join(kv.put(b("k"), b("value too long")))).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit is 8");
        assertThatThrownBy(() -> join(kv.get(null))).cause().isInstanceOf(IllegalArgumentException.class);
        CompletableFuture<PutResult> first = kv.put(b("k"), b("1"));
        CompletableFuture<PutResult> second = kv.put(b("k"), b("2"));
        assertThat(join(first).index()).isPositive();
        // The second write was refused at once unless the first had already completed when it was issued.
        second.handle((r, e) -> e).thenAccept(e -> {
            if (e != null) {
                assertThat(e).isInstanceOf(OverloadedException.class).hasMessageContaining("1 writes outstanding");
            }
        }).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(join(kv.put(b("k"), b("3"))).index()).as("window reopened").isPositive();
        kv.close();
        assertThatThrownBy(() -> join(kv.put(b("k"), b("v")))).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void withSessionsOffWritesCarryNoTagAndStaleReadsWorkOnFollowers() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        // Failover nodes: on a loaded machine leadership may move between awaitLeader and the write.
        try (KvStore kv = KvStore.builder().node(leader).failoverNodes(cluster.nodes).sessions(false).build()) {
            long index = join(kv.put(b("a"), b("1"))).index();
            cluster.awaitApplied(index);
            for (RaftNode n : cluster.nodes) {
                assertThat(cluster.machine(n.id()).sessionCount()).as("node %d", n.id()).isZero();
            }
            for (RaftNode n : cluster.nodes) {
                try (KvStore local = KvStore.create(n)) {
                    GetResult stale = join(local.get(b("a"), Consistency.STALE));
                    assertThat(stale.value()).as("node %d", n.id()).isEqualTo(b("1"));
                    assertThat(stale.appliedIndex()).as("node %d", n.id()).isGreaterThanOrEqualTo(index);
                }
            }
        }
    }

    @Test
    void storeWithFailoverNodesFollowsTheLeaderAndRetriesExactlyOnceAcrossALeaderCrash() {
        cluster = KvCluster.withDefaults();
        RaftNode leader = cluster.awaitLeader();
        RaftNode follower = cluster.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        RetryPolicy patient = new RetryPolicy(60, Duration.ofMillis(10), Duration.ofMillis(100));
        try (KvStore kv = KvStore.builder().node(follower).failoverNodes(cluster.nodes).retryPolicy(patient)
                .build()) {
            assertThat(join(kv.put(b("k"), b("old"))).index()).as("redirected to the leader").isPositive();
            CompletableFuture<CasResult> inFlight = kv.compareAndSet(b("k"), b("old"), b("new"));
            leader.close();
            assertThat(join(inFlight).outcome()).as("applied exactly once, whichever attempt did it")
                    .isEqualTo(CasResult.Outcome.SWAPPED);
            for (int i = 0; i < 20; i++) {
                join(kv.put(b("after" + i), b("v" + i)));
            }
            assertThat(join(kv.get(b("k"))).value()).isEqualTo(b("new"));
            assertThat(join(kv.get(b("after19"))).value()).isEqualTo(b("v19"));
            RaftNode newLeader = cluster.nodes.stream().filter(n -> n != leader && n.status().isLeader())
                    .findFirst().orElseThrow();
            assertThat(newLeader.id()).isNotEqualTo(leader.id());
        }
    }
}
