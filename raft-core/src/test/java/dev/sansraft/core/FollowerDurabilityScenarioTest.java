package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A follower whose disk reports durability one write at a time (the contract of {@link Event.Persisted}). Raft §5.3:
 * it acknowledges an append only for what is durable, and does acknowledge everything once it is, so the leader's
 * view of its log keeps up. Raft §7: the compaction its durable snapshot allows waits for the covered prefix to be
 * durable too, and happens as soon as it is. Driven on one core, the test playing the runtime.
 */
class FollowerDurabilityScenarioTest {

    private final InMemoryLog log = InMemoryLog.of(List.of());
    private final List<Long> epochs = new ArrayList<>();
    private RaftCore follower = follower(RaftConfig.defaults());

    private RaftCore follower(RaftConfig config) {
        return RaftCore.create(2, List.of(1L, 2L, 3L), config, log, HardState.INITIAL);
    }

    /** Steps the follower and carries out its log writes the way a runtime does (without making them durable). */
    private List<Action> step(Event e) {
        List<Action> actions = follower.step(e);
        for (Action a : actions) {
            if (a instanceof Action.AppendLog) {
                log.append(((Action.AppendLog) a).entries());
                epochs.add(((Action.AppendLog) a).epoch());
            }
        }
        return actions;
    }

    private static List<Message.AppendResponse> acks(List<Action> actions) {
        List<Message.AppendResponse> acks = new ArrayList<>();
        for (Action a : actions) {
            if (a instanceof Action.Send && ((Action.Send) a).message() instanceof Message.AppendResponse) {
                acks.add((Message.AppendResponse) ((Action.Send) a).message());
            }
        }
        return acks;
    }

    private static LogEntry entry(long index) {
        return LogEntry.normal(index, 1, ("e" + index).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("§5.3: two appends made durable one after the other are each acknowledged once durable")
    void eachDurableAppendIsAcknowledgedUpToWhatIsDurable() {
        List<Action> first = step(new Event.Receive(new Message.AppendRequest(1, 2, 1, 0, 0,
                List.of(entry(1), entry(2)), 0, 0)));
        assertThat(acks(first)).as("nothing durable yet").isEmpty();
        List<Action> second = step(new Event.Receive(new Message.AppendRequest(1, 2, 1, 2, 1,
                List.of(entry(3)), 0, 0)));
        assertThat(acks(second)).isEmpty();
        assertThat(epochs).hasSize(2);

        assertThat(acks(step(new Event.Persisted(2, 1, epochs.get(0)))))
                .as("the first write is durable: acknowledged up to 2")
                .containsExactly(new Message.AppendResponse(2, 1, 1, true, 2, 0, 0, 0, 0));
        assertThat(acks(step(new Event.Persisted(3, 1, epochs.get(1)))))
                .as("the second write is durable: acknowledged up to 3")
                .containsExactly(new Message.AppendResponse(2, 1, 1, true, 3, 0, 0, 0, 0));
    }

    @Test
    @DisplayName("§7: the compaction a durable snapshot allows happens once exactly the prefix it needs is durable")
    void compactionWaitsForTheCoveredPrefixToBeDurable() {
        follower = follower(RaftConfig.builder().snapshotEntries(6).snapshotTrailingEntries(2).build());
        step(new Event.Receive(new Message.AppendRequest(1, 2, 1, 0, 0,
                List.of(entry(1), entry(2), entry(3), entry(4)), 0, 0)));
        List<Action> second = step(new Event.Receive(new Message.AppendRequest(1, 2, 1, 4, 1,
                List.of(entry(5), entry(6)), 6, 0)));
        Action.TakeSnapshot take = second.stream().filter(a -> a instanceof Action.TakeSnapshot)
                .map(a -> (Action.TakeSnapshot) a).findFirst().orElseThrow();
        assertThat(take.index()).as("6 entries applied before any is durable").isEqualTo(6);

        List<Action> saved = step(new Event.SnapshotSaved(new SnapshotInfo(6, 1, take.membership(), 10, 0)));
        assertThat(saved).as("nothing is durable to drop yet").noneMatch(a -> a instanceof Action.CompactLog);
        List<Action> durable = step(new Event.Persisted(4, 1, epochs.get(0)));
        assertThat(durable).as("entries 1-4 are durable: the snapshot at 6 less 2 trailing entries can go")
                .contains(new Action.CompactLog(4));
    }
}
