package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.sansraft.core.TestCluster.logOfTerms;
import static dev.sansraft.core.TestCluster.terms;
import static org.assertj.core.api.Assertions.assertThat;

/** Raft §5.3: a new leader forces followers' logs to duplicate its own, with fast conflict backtracking. */
class LogRepairScenarioTest {

    /** Figure 7's leader, at the top of the figure, before it appends its term-8 NOOP. */
    private static final long[] LEADER = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

    static Stream<Arguments> figure7Followers() {
        return Stream.of(
                Arguments.of("a", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}),
                Arguments.of("b", new long[] {1, 1, 1, 4}),
                Arguments.of("c", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}),
                Arguments.of("d", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}),
                Arguments.of("e", new long[] {1, 1, 1, 4, 4, 4, 4}),
                Arguments.of("f", new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}));
    }

    @Test
    void figure7AllSixFollowersAreRepairedByTheLeaderOfTerm8() {
        // Seven servers as in the figure: node 1 is the leader-to-be, nodes 2..7 are followers (a)..(f).
        TestCluster.Builder b = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(LEADER), new HardState(7, 0));
        long id = 2;
        for (Arguments a : (Iterable<Arguments>) figure7Followers()::iterator) {
            b.node(id++, logOfTerms((long[]) a.get()[1]), new HardState(7, 0));
        }
        TestCluster c = b.build();

        c.elect(1);
        assertThat(c.core(1).term()).isEqualTo(8);
        assertThat(c.node(3 + 1).sent(Message.VoteResponse.class)).as("(c) holds a longer log of term 6")
                .noneMatch(Message.VoteResponse::voteGranted);
        assertThat(c.node(4 + 1).sent(Message.VoteResponse.class)).as("(d) holds entries of term 7")
                .noneMatch(Message.VoteResponse::voteGranted);
        c.deliverAll();
        c.tickAll(2);

        List<Long> expected = terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8);
        for (long n = 1; n <= 7; n++) {
            assertThat(c.node(n).terms()).as("log of node %d", n).isEqualTo(expected);
            assertThat(c.node(n).log.snapshotEntries()).as("entries of node %d", n)
                    .isEqualTo(c.node(1).log.snapshotEntries());
            assertThat(c.core(n).commitIndex()).as("commit on node %d", n).isEqualTo(11);
        }
        for (long n = 2; n <= 7; n++) {
            assertThat(c.node(n).sent(Message.AppendResponse.class)).filteredOn(r -> !r.success())
                    .as("fast backtracking: rejections from node %d", n).hasSizeLessThanOrEqualTo(1);
        }
    }

    @ParameterizedTest(name = "follower ({0})")
    @MethodSource("figure7Followers")
    void figure7FollowerIsRepaired(String name, long[] followerTerms) {
        // A third server holding the leader's log makes the leader electable even against (c) and (d).
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(LEADER), new HardState(7, 0))
                .node(2, logOfTerms(followerTerms), new HardState(7, 0))
                .node(3, logOfTerms(LEADER), new HardState(7, 0))
                .build();
        c.elect(1);
        c.deliverAll();
        c.tickAll(2);
        assertThat(c.core(1).term()).isEqualTo(8);
        assertThat(c.node(2).log.snapshotEntries()).as("follower (%s)", name)
                .isEqualTo(c.node(1).log.snapshotEntries());
        assertThat(c.node(2).terms()).isEqualTo(terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8));
        assertThat(c.core(2).commitIndex()).isEqualTo(11);
        assertThat(c.node(2).applied).hasSize(11);
    }

    private static long[] repeat(long term, int times, long... prefix) {
        long[] out = new long[prefix.length + times];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        java.util.Arrays.fill(out, prefix.length, out.length, term);
        return out;
    }

    private static final long[] TEN_OF_TERM_1 = repeat(1, 10);

    static Stream<Arguments> divergentFollowers() {
        return Stream.of(
                Arguments.of("40 entries of term 2 against 40 of term 3", repeat(2, 40, TEN_OF_TERM_1)),
                Arguments.of("80 entries of term 2, longer than the leader", repeat(2, 80, TEN_OF_TERM_1)),
                Arguments.of("only the common prefix", TEN_OF_TERM_1),
                Arguments.of("a long tail of term 1", repeat(1, 45, TEN_OF_TERM_1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("divergentFollowers")
    void divergentFiftyEntryLogsConvergeInFewRoundTrips(String name, long[] followerTerms) {
        long[] leader = repeat(3, 40, TEN_OF_TERM_1);
        TestCluster c = TestCluster.builder(RaftConfig.defaults())
                .node(1, logOfTerms(leader), new HardState(3, 0))
                .node(2, logOfTerms(followerTerms), new HardState(3, 0))
                .node(3, logOfTerms(leader), new HardState(3, 0))
                .build();
        c.elect(1);
        c.deliverAll();
        c.tickAll(1);
        assertThat(c.node(2).log.snapshotEntries()).isEqualTo(c.node(1).log.snapshotEntries());
        long rejections = c.node(2).sent(Message.AppendResponse.class).stream().filter(r -> !r.success()).count();
        assertThat(rejections).as("one rejection per diverging term, not one per entry").isLessThanOrEqualTo(2);
        long appendsTo2 = c.node(1).sent(Message.AppendRequest.class).stream().filter(r -> r.to() == 2).count();
        assertThat(appendsTo2).as("appends to the divergent follower").isLessThanOrEqualTo(6);
    }

    @Test
    void lostDuplicatedAndReorderedAppendsStillConverge() {
        RaftConfig small = RaftConfig.builder().maxEntriesPerAppend(2).maxInflightAppends(4).build();
        TestCluster c = TestCluster.of(small, 1, 2, 3);
        c.elect(1);
        c.deliverAll();
        for (int i = 0; i < 20; i++) {
            c.propose(1, i, "p" + i);
            if (i % 3 == 0) {
                c.dropWhere(m -> m instanceof Message.AppendRequest && m.to() == 2);
            }
            if (i % 4 == 1) {
                c.duplicateWhere(m -> m instanceof Message.AppendRequest);
            }
            if (i % 5 == 2) {
                c.deliverReversed(m -> m instanceof Message.AppendRequest);
            }
        }
        c.deliverAll();
        c.tickAll(5);
        for (long n = 2; n <= 3; n++) {
            assertThat(c.node(n).log.snapshotEntries()).as("node %d", n)
                    .isEqualTo(c.node(1).log.snapshotEntries());
            assertThat(c.core(n).commitIndex()).isEqualTo(21);
        }
        List<String> applied = new ArrayList<>();
        for (LogEntry e : c.node(3).applied) {
            if (e.kind() == EntryKind.NORMAL) {
                applied.add(new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertThat(applied).as("every proposal applied once, in order").hasSize(20).startsWith("p0", "p1")
                .endsWith("p19");
    }
}
