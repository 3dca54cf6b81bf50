package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.ProposalDroppedException;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client-outcome invariant ({@link Invariant#CLIENT_OUTCOME}) on real RaftNodes, in the two situations where a
 * runtime is most tempted to lie: a proposal whose entry a new leader overwrote must not be reported a success, and a
 * proposal whose outcome the node cannot know must not be reported "dropped" (not applied), because it may commit
 * through the other nodes. Each scenario runs once as the runtime reports it, which must pass, and once with the lie
 * planted ({@link SimClients.Misreport}), which the check must catch.
 */
class ClientOutcomeScenarioTest {

    private static SimOptions options() {
        return SimOptions.builder().raftConfig(RaftConfig.builder().checkQuorum(true).build()).build();
    }

    private static long awaitLeader(NodeSim sim) {
        assertThat(sim.runUntil(() -> sim.leader() != 0, 200)).as("a leader, seed %d", sim.seed()).isTrue();
        return sim.leader();
    }

    private static Throwable failure(CompletableFuture<byte[]> f) {
        assertThat(f).isDone();
        try {
            f.join();
            throw new AssertionError("succeeded: " + f);
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    /**
     * The old leader accepts a write while cut off; the majority elects a new leader that commits its own entries
     * at that index; the old leader rejoins and its entry is truncated. The write's future must fail as dropped.
     *
     * @return the write's future, completed
     */
    private static CompletableFuture<byte[]> overwrittenWrite(long seed, SimClients.Misreport lie) {
        NodeSim sim = NodeSim.create(3, seed, options(), false, 500);
        SimClients clients = new SimClients(sim, 0, 1, 0, 1000);
        clients.misreport(lie);
        long old = awaitLeader(sim);
        CompletableFuture<byte[]> first = clients.write(old, KvModel.Input.put(0, 1));
        assertThat(sim.runUntil(first::isDone, 50)).as("the first write commits, seed %d", seed).isTrue();
        sim.disconnect(old);
        CompletableFuture<byte[]> lost = clients.write(old, KvModel.Input.put(0, 2));
        assertThat(sim.runUntil(() -> sim.leader() != 0 && sim.leader() != old, 200))
                .as("a new leader among the majority, seed %d", seed).isTrue();
        long fresh = sim.leader();
        CompletableFuture<byte[]> winner = clients.write(fresh, KvModel.Input.put(0, 3));
        assertThat(sim.runUntil(winner::isDone, 100)).as("the majority commits, seed %d", seed).isTrue();
        assertThat(lost).as("the cut-off leader cannot decide its write, seed %d", seed).isNotDone();
        sim.connect(old);
        assertThat(sim.runUntil(lost::isDone, 200)).as("the overwritten write completes, seed %d", seed).isTrue();
        return lost;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void anOverwrittenProposalIsReportedDropped(long seed) {
        CompletableFuture<byte[]> lost = overwrittenWrite(seed, SimClients.Misreport.NONE);
        assertThat(failure(lost)).as("seed %d", seed).isInstanceOf(ProposalDroppedException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void anOverwrittenProposalReportedAsSuccessIsCaught(long seed) {
        assertThatThrownBy(() -> overwrittenWrite(seed, SimClients.Misreport.DROPPED_AS_SUCCESS))
                .isInstanceOfSatisfying(InvariantViolation.class,
                        v -> assertThat(v.invariant()).isEqualTo(Invariant.CLIENT_OUTCOME))
                .hasMessageContaining("with success but never applied it");
    }

    /**
     * The leader's messages reach the followers, but nothing they send reaches it: its write is replicated to both
     * and it never learns so. It steps down (CheckQuorum) and the followers elect one of themselves, whose term's
     * first entry commits the write. The old leader can only time out: outcome unknown, since the write did take
     * effect elsewhere.
     *
     * @return the write's future, completed
     */
    private static CompletableFuture<byte[]> writeOfUnknownOutcome(long seed, SimClients.Misreport lie) {
        NodeSim sim = NodeSim.create(3, seed, options(), false, 40);
        SimClients clients = new SimClients(sim, 0, 1, 0, 1000);
        clients.misreport(lie);
        long old = awaitLeader(sim);
        CompletableFuture<byte[]> first = clients.write(old, KvModel.Input.put(0, 1));
        assertThat(sim.runUntil(first::isDone, 50)).as("the first write commits, seed %d", seed).isTrue();
        for (long id = 1; id <= 3; id++) {
            if (id != old) {
                sim.cutLink(id, old);
            }
        }
        KvBackend codec = sim.codec();
        long[] appliedOn = {0};
        sim.addObserver(new SimObserver() {
            @Override
            public void afterApply(long nodeId, LogEntry entry, KvModel.Output output) {
                KvBackend.ClientWrite w = codec.clientWrite(entry);
                if (w != null && w.value() == 2 && nodeId != old && appliedOn[0] == 0) {
                    appliedOn[0] = nodeId;
                }
            }
        });
        CompletableFuture<byte[]> unsure = clients.write(old, KvModel.Input.put(0, 2));
        assertThat(sim.runUntil(unsure::isDone, 200)).as("the write's future completes, seed %d", seed).isTrue();
        assertThat(sim.runUntil(() -> appliedOn[0] != 0, 300))
                .as("the write commits through the other nodes, seed %d", seed).isTrue();
        return unsure;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void aProposalThatCommitsElsewhereAfterItsLeaderLostTouchIsReportedUnknown(long seed) {
        CompletableFuture<byte[]> unsure = writeOfUnknownOutcome(seed, SimClients.Misreport.NONE);
        assertThat(failure(unsure)).as("seed %d", seed).isInstanceOf(OutcomeUnknownException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void anUnknownOutcomeReportedAsDroppedIsCaught(long seed) {
        assertThatThrownBy(() -> writeOfUnknownOutcome(seed, SimClients.Misreport.UNKNOWN_AS_DROPPED))
                .isInstanceOfSatisfying(InvariantViolation.class,
                        v -> assertThat(v.invariant()).isEqualTo(Invariant.CLIENT_OUTCOME))
                .hasMessageContaining("dropped");
    }
}
