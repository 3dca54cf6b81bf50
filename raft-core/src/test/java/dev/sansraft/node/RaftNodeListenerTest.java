package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.sansraft.node.CountingStateMachine.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link RaftNodeListener}: which events reach it, on which thread, and that a slow one cannot stall the node. */
class RaftNodeListenerTest {

    private static final List<Long> MEMBERS = List.of(1L);

    private final List<RaftNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(RaftNode::close);
    }

    private RaftNode build(FakeCore core, LogStore store, RaftNodeListener listener) {
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(store)
                .transport(new RecordingTransport()).stateMachine(new ListMachine(ListMachine.Snapshots.CAPTURE))
                .tickInterval(Duration.ofMillis(5)).coreFactory(FakeCore.factory(core)).listener(listener).build();
        nodes.add(node);
        return node;
    }

    /** Records each event with the thread it arrived on. */
    private static class Recorder implements RaftNodeListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        void add(String event) {
            events.add(event);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onRoleChange(Role role, long term, long leaderId) {
            add("role " + role + " term " + term + " leader " + leaderId);
        }

        @Override
        public void onLeaderChange(long leaderId, long term) {
            add("leader " + leaderId + " term " + term);
        }

        @Override
        public void onSnapshotTaken(SnapshotInfo snapshot) {
            add("snapshot taken " + snapshot.index());
        }

        @Override
        public void onFailStop(Throwable cause) {
            add("fail-stop " + cause.getMessage());
        }
    }

    @Test
    void roleAndLeaderChangesArriveInOrderOnTheListenerThread() {
        FakeCore core = new FakeCore(1);
        Recorder recorder = new Recorder();
        RaftNode node = build(core, new InMemoryLogStore(), recorder);
        core.onNextTick.add(List.of(new Action.RoleChanged(Role.CANDIDATE, 2, 0),
                new Action.RoleChanged(Role.LEADER, 2, 1)));
        node.start();

        Poll.until("the listener saw the election", () -> recorder.events.size() >= 3);
        assertThat(recorder.events).containsExactly("role CANDIDATE term 2 leader 0", "role LEADER term 2 leader 1",
                "leader 1 term 2");
        assertThat(recorder.threads).as("never on a Raft thread").allMatch(t -> t.equals("sansraft-1-listener"));
    }

    /**
     * The listener is a stage of the node's scheduler, not a thread of its own: on the deterministic scheduler its
     * events arrive on the thread that runs the scheduler, only when that scheduler runs them, and the node starts
     * no thread (a simulator that abandons crashed nodes would otherwise leak one per incarnation).
     */
    @Test
    void onTheDeterministicSchedulerListenerEventsRunAsAStageAndNoThreadIsStarted() {
        FakeCore core = new FakeCore(1);
        Recorder recorder = new Recorder();
        ManualScheduler scheduler = new ManualScheduler();
        RaftNode node = RaftNode.builder().id(1).members(MEMBERS).logStore(new InMemoryLogStore())
                .transport(new RecordingTransport()).stateMachine(new ListMachine(ListMachine.Snapshots.CAPTURE))
                .tickInterval(Duration.ofMillis(5)).coreFactory(FakeCore.factory(core)).listener(recorder)
                .nodeScheduler(scheduler).build();
        nodes.add(node);
        core.onNextTick.add(List.of(new Action.RoleChanged(Role.LEADER, 2, 1)));
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        node.start();

        scheduler.advance(Duration.ofMillis(5));

        assertThat(recorder.events).containsExactly("role LEADER term 2 leader 1", "leader 1 term 2");
        assertThat(recorder.threads).as("delivered by the scheduler's own thread")
                .allMatch(t -> t.equals(Thread.currentThread().getName()));
        assertThat(Thread.getAllStackTraces().keySet()).as("threads the node started")
                .noneMatch(t -> !before.contains(t) && t.getName().startsWith("sansraft-1-"));
    }

    @Test
    void eachConfigurationTheNodeTakesOnReachesTheListenerOnceInOrder() {
        FakeCore core = new FakeCore(1);
        Recorder recorder = new Recorder() {
            @Override
            public void onMembershipChange(Membership membership) {
                super.add("membership voters " + membership.voterIds() + " learners " + membership.learnerIds()
                        + (membership.isJoint() ? " joint" : ""));
            }
        };
        RaftNode node = build(core, new InMemoryLogStore(), recorder);
        node.start();
        Poll.until("the listener heard the starting configuration", () -> !recorder.events.isEmpty());

        Membership old = Membership.of(List.of(new Membership.Member(1, "a")), List.of());
        Membership withLearner = Membership.of(List.of(new Membership.Member(1, "a")),
                List.of(new Membership.Member(2, "b")));
        core.membership = withLearner; // the learner's configuration entry appended
        Poll.until("the listener heard the learner added", () -> recorder.events.size() >= 2);
        core.membership = old; // that entry truncated: the configuration before it is back
        Poll.until("the listener heard the roll-back", () -> recorder.events.size() >= 3);
        core.membership = old.transitionTo(Membership.of(List.of(new Membership.Member(2, "b")), List.of()));
        Poll.until("the listener heard the joint configuration", () -> recorder.events.size() >= 4);
        node.propose(bytes("x")).join(); // more rounds with the same configuration: nothing more to tell

        assertThat(recorder.events).containsExactly("membership voters [1] learners []",
                "membership voters [1] learners [2]", "membership voters [1] learners []",
                "membership voters [2] learners [] joint");
        assertThat(recorder.threads).as("never on a Raft thread").allMatch(t -> t.equals("sansraft-1-listener"));
    }

    @Test
    void aSnapshotTakenReachesTheListener() {
        FakeCore core = new FakeCore(1);
        core.mode = FakeCore.Mode.NEVER_COMMIT;
        Recorder recorder = new Recorder();
        RaftNode node = build(core, new InMemoryLogStore(), recorder);
        node.start();
        List<dev.sansraft.core.LogEntry> entries = List.of(dev.sansraft.core.LogEntry.normal(1, 3, bytes("a")),
                dev.sansraft.core.LogEntry.normal(2, 3, bytes("b")));
        core.onNextTick.add(List.of(new Action.Apply(entries), new Action.TakeSnapshot(2, 3, MEMBERS)));

        Poll.until("the listener saw the snapshot", () -> recorder.events.contains("snapshot taken 2"));
    }

    @Test
    void aFailStopReachesTheListenerWithItsCause() {
        Recorder recorder = new Recorder();
        InMemoryLogStore delegate = new InMemoryLogStore();
        LogStore store = new ForwardingLogStore(delegate) {
            @Override
            public void sync() throws IOException {
                throw new IOException("disk gone");
            }
        };
        RaftNode node = build(new FakeCore(1), store, recorder);
        node.start();
        node.propose(bytes("x"));

        Poll.until("the listener saw the fail-stop", () -> recorder.events.stream().anyMatch(
                e -> e.startsWith("fail-stop")));
        assertThat(recorder.events.get(recorder.events.size() - 1)).contains("log store of node 1 failed");
    }

    @Test
    void aBlockedListenerDoesNotStallCommitsAndItsOverflowIsCounted() throws Exception {
        FakeCore core = new FakeCore(1);
        CountDownLatch release = new CountDownLatch(1);
        RaftNodeListener blocked = new RaftNodeListener() {
            @Override
            public void onRoleChange(Role role, long term, long leaderId) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        RaftNode node = build(core, new InMemoryLogStore(), blocked);
        List<Action> flood = new ArrayList<>();
        for (int i = 0; i < ListenerQueue.CAPACITY + 100; i++) {
            flood.add(new Action.RoleChanged(Role.LEADER, 3 + i, 1));
        }
        core.onNextTick.add(flood);
        node.start();
        Poll.until("the flood was stepped", core.onNextTick::isEmpty);

        byte[] result = node.propose(bytes("still going")).get(10, TimeUnit.SECONDS);

        assertThat(result).as("the node commits while its listener is blocked").isNotNull();
        assertThat(node.metrics().get("sansraft_listener_events_dropped_total"))
                .as("events beyond the queue's capacity are dropped, not waited for").isGreaterThan(0.0);
        release.countDown();
    }

    @Test
    void aRemovedListenerHearsNothingMore() {
        FakeCore core = new FakeCore(1);
        Recorder kept = new Recorder();
        Recorder removed = new Recorder();
        RaftNode node = build(core, new InMemoryLogStore(), kept);
        node.addListener(removed);
        assertThat(node.removeListener(removed)).isTrue();
        node.start();
        core.onNextTick.add(List.of(new Action.RoleChanged(Role.LEADER, 5, 1)));

        Poll.until("the kept listener saw the change", () -> kept.events.contains("role LEADER term 5 leader 1"));
        assertThat(removed.events).isEmpty();
    }
}
