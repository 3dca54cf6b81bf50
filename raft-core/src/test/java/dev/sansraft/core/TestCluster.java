package dev.sansraft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hand-driven cluster for scenario tests: each node has an {@link InMemoryLog} and a durable hard state; messages
 * wait in one queue until the test delivers them; log writes are durable at once unless a node's disk is paused.
 * Not thread-safe.
 */
final class TestCluster {

    final Map<Long, Node> nodes = new LinkedHashMap<>();
    final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    final Set<Long> isolated = new HashSet<>();
    final RaftConfig config;

    static final class Node {
        final long id;
        final InMemoryLog log = new InMemoryLog();
        HardState hardState = HardState.INITIAL;
        RaftCore core;
        final List<LogEntry> applied = new ArrayList<>();
        final List<Action> actions = new ArrayList<>();
        boolean diskPaused;
        long writtenUnreported;
        long epoch;

        Node(long id) {
            this.id = id;
        }
    }

    TestCluster(RaftConfig config, long... ids) {
        this.config = config;
        List<Long> members = new ArrayList<>();
        for (long id : ids) {
            members.add(id);
        }
        for (long id : ids) {
            Node n = new Node(id);
            n.core = RaftCore.create(id, members, config.toBuilder().randomSeed(id).build(), n.log, n.hardState);
            nodes.put(id, n);
        }
        boot();
    }

    /**
     * A node ignores votes for its first election timeout after it starts (it may have heard from a leader just
     * before a restart). Run every clock through that period, discarding what the nodes send, so scenarios start
     * from a cluster that has been up a while.
     */
    void boot() {
        for (long id : nodes.keySet()) {
            tick(id, config.electionTimeoutTicks());
        }
        inFlight.clear();
    }

    static TestCluster of(long... ids) {
        return new TestCluster(RaftConfig.defaults(), ids);
    }

    Node node(long id) {
        return nodes.get(id);
    }

    RaftCore core(long id) {
        return nodes.get(id).core;
    }

    List<Action> step(long id, Event event) {
        Node n = nodes.get(id);
        List<Action> actions = n.core.step(event);
        execute(n, actions);
        return actions;
    }

    void execute(Node n, List<Action> actions) {
        n.actions.addAll(actions);
        for (Action a : actions) {
            if (a instanceof Action.PersistHardState) {
                n.hardState = ((Action.PersistHardState) a).state();
            } else if (a instanceof Action.TruncateLog) {
                n.log.truncateSuffix(((Action.TruncateLog) a).fromIndex());
            } else if (a instanceof Action.AppendLog) {
                n.log.append(((Action.AppendLog) a).entries());
                n.epoch = ((Action.AppendLog) a).epoch();
                n.writtenUnreported = n.log.lastIndex();
            } else if (a instanceof Action.Send) {
                Message m = ((Action.Send) a).message();
                if (!isolated.contains(m.from()) && !isolated.contains(m.to())) {
                    inFlight.add(m);
                }
            } else if (a instanceof Action.Apply) {
                n.applied.addAll(((Action.Apply) a).entries());
            }
        }
        if (!n.diskPaused && n.writtenUnreported > 0) {
            long idx = n.writtenUnreported;
            n.writtenUnreported = 0;
            step(n.id, new Event.Persisted(idx, n.log.term(idx), n.epoch));
        }
    }

    /** Delivers queued messages until none are left (or a bound is hit). */
    void deliverAll() {
        int budget = 100_000;
        while (!inFlight.isEmpty() && budget-- > 0) {
            Message m = inFlight.poll();
            if (isolated.contains(m.to()) || isolated.contains(m.from())) {
                continue;
            }
            step(m.to(), new Event.Receive(m));
        }
        if (budget <= 0) {
            throw new IllegalStateException("message storm: more than 100000 deliveries");
        }
    }

    void tick(long id, int times) {
        for (int i = 0; i < times; i++) {
            step(id, Event.Tick.INSTANCE);
        }
    }

    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (long id : nodes.keySet()) {
                step(id, Event.Tick.INSTANCE);
            }
            deliverAll();
        }
    }

    /** Times {@code id} out until it is leader, delivering messages. */
    void elect(long id) {
        for (int i = 0; i < 100 && core(id).role() != Role.LEADER; i++) {
            tick(id, 1);
            deliverAll();
        }
        if (core(id).role() != Role.LEADER) {
            throw new IllegalStateException("node " + id + " did not become leader: " + core(id).status());
        }
    }

    long leader() {
        long found = 0;
        for (Node n : nodes.values()) {
            if (n.core.role() == Role.LEADER && !isolated.contains(n.id)) {
                found = n.id;
            }
        }
        return found;
    }

    /** Restarts a node from its durable state. */
    void restart(long id) {
        Node n = nodes.get(id);
        List<Long> members = new ArrayList<>(nodes.keySet());
        n.applied.clear();
        n.core = RaftCore.create(id, members, config.toBuilder().randomSeed(id + 1000).build(), n.log, n.hardState);
    }
}
