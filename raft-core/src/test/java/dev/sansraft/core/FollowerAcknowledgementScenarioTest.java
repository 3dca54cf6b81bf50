package dev.sansraft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §5.3 with a disk that reports durability one write at a time (the contract of {@link Event.Persisted}): a
 * follower acknowledges an append only for what is durable, and it does acknowledge everything once it is, so the
 * leader's view of the follower's log keeps up with it. Driven on one core, the test playing the runtime.
 */
class FollowerAcknowledgementScenarioTest {

    private final InMemoryLog log = InMemoryLog.of(List.of());
    private final RaftCore follower = RaftCore.create(2, List.of(1L, 2L, 3L), RaftConfig.defaults(), log,
            HardState.INITIAL);
    private final List<Long> epochs = new ArrayList<>();

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
}
