package dev.sansraft.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A hand-driven cluster for scenario tests. Each node has an {@link InMemoryLog} (what its disk holds, synced or
 * not), a durable copy of that log (what survives a crash), and a durable hard state. Messages wait in one network
 * queue until the test delivers, drops, duplicates or reorders them. Log writes are made durable, and reported with
 * {@link Event.Persisted}, right after the step that asked for them, unless the node's disk is paused.
 *
 * <p>Every action is checked against the action contract and the Raft safety properties as it is executed: sends
 * never run ahead of the hard state they depend on, a successful append acknowledgement never claims more than the
 * durable log, at most one leader per term (Election Safety), every new leader holds every entry applied anywhere
 * (Leader Completeness), and every node applies the same entry at each index (State Machine Safety). A violation
 * throws at once, naming the node and the action. Not thread-safe.
 *
 * <p>Snapshots: a node's state machine is the list of entries it applied, and a snapshot's payload encodes that list,
 * so a restored node's state is checked entry by entry like any other. Snapshots become durable at once (the
 * {@link Event.SnapshotSaved} follows the step that asked for them) unless {@link #holdSnapshots} is called; a crash
 * keeps durable snapshots and loses one being received.
 */
final class TestCluster {

    final Map<Long, Node> nodes = new LinkedHashMap<>();
    final List<Message> inFlight = new ArrayList<>();
    final Set<Long> isolated = new HashSet<>();
    /** Cut links, each as "a-b" with a < b. */
    final Set<String> cutLinks = new HashSet<>();
    final RaftConfig config;
    /** Election Safety: the one leader seen in each term. */
    final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** State Machine Safety: the entry applied at each index by any node, index 1 first. */
    final List<LogEntry> appliedAnywhere = new ArrayList<>();
    private long restarts;
    /** The members every node of the initial cluster was started with (nodes added later start with none). */
    private List<Long> initialMembers = List.of();

    /** One simulated server. */
    static final class Node {
        final long id;
        InMemoryLog log;
        InMemoryLog durableLog;
        /** Durable snapshots, oldest first. */
        final List<StoredSnapshot> snapshots = new ArrayList<>();
        /** The snapshot being received, or null. */
        ByteArrayOutputStream receiving;
        /** Snapshots written but not yet reported saved. */
        final List<SnapshotInfo> unreportedSnapshots = new ArrayList<>();
        boolean snapshotsHeld;
        HardState hardState;
        RaftCore core;
        final List<LogEntry> applied = new ArrayList<>();
        /** Every action this node emitted, across restarts. */
        final List<Action> actions = new ArrayList<>();
        boolean diskPaused;
        boolean unreportedWrites;
        /** The epoch of the newest AppendLog executed, echoed in Persisted. */
        long epoch;
        /** Started with no configuration, waiting to be added (see {@link #addNode}). */
        boolean joined;

        Node(long id, List<LogEntry> entries, HardState hardState) {
            this.id = id;
            this.log = InMemoryLog.of(entries);
            this.durableLog = log.copy();
            this.hardState = hardState;
        }

        /** The newest durable snapshot, or null. */
        StoredSnapshot newestSnapshot() {
            return snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
        }

        /** The terms of this node's log, index 1 first: the notation of the paper's figures. */
        List<Long> terms() {
            List<Long> terms = new ArrayList<>();
            for (LogEntry e : log.snapshotEntries()) {
                terms.add(e.term());
            }
            return terms;
        }

        <T extends Action> List<T> actions(Class<T> type) {
            List<T> found = new ArrayList<>();
            for (Action a : actions) {
                if (type.isInstance(a)) {
                    found.add(type.cast(a));
                }
            }
            return found;
        }

        /** Every message this node sent (before any network loss), of {@code type}. */
        <T extends Message> List<T> sent(Class<T> type) {
            List<T> found = new ArrayList<>();
            for (Action a : actions) {
                if (a instanceof Action.Send && type.isInstance(((Action.Send) a).message())) {
                    found.add(type.cast(((Action.Send) a).message()));
                }
            }
            return found;
        }

        /** The messages of {@code type} this node sent after its first {@code mark} actions. */
        <T extends Message> List<T> sentSince(int mark, Class<T> type) {
            List<T> found = new ArrayList<>();
            for (Action a : actions.subList(mark, actions.size())) {
                if (a instanceof Action.Send && type.isInstance(((Action.Send) a).message())) {
                    found.add(type.cast(((Action.Send) a).message()));
                }
            }
            return found;
        }

        /** A mark for {@link #sentSince}. */
        int mark() {
            return actions.size();
        }

        /** Every outcome reported for the proposal {@code correlationId}. */
        List<Action.ProposalOutcome> outcomes(long correlationId) {
            List<Action.ProposalOutcome> found = new ArrayList<>();
            for (Action.ProposalOutcome o : actions(Action.ProposalOutcome.class)) {
                if (o.correlationId() == correlationId) {
                    found.add(o);
                }
            }
            return found;
        }
    }

    /** A durable snapshot and its payload: the applied entries it covers. */
    record StoredSnapshot(SnapshotInfo info, byte[] payload) {
    }

    private TestCluster(RaftConfig config, Map<Long, List<LogEntry>> logs, Map<Long, HardState> hardStates) {
        this.config = config;
        List<Long> members = new ArrayList<>(logs.keySet());
        this.initialMembers = List.copyOf(members);
        for (long id : members) {
            Node n = new Node(id, logs.get(id), hardStates.get(id));
            nodes.put(id, n);
            boot(n, members);
        }
    }

    /**
     * Starts a node as if it had been up for a while. A core ignores votes for its first election timeout after it
     * starts (it may have heard from a leader just before a restart), so each clock is run through that period
     * first. A seed whose timeout fires during it is skipped, so every node starts as a quiet follower with its
     * durable state untouched, and scenarios begin where the paper's figures do.
     */
    private void boot(Node n, List<Long> members) {
        if (members.size() == 1) {
            // A single node needs no votes: it elects itself on its first tick.
            n.core = RaftCore.create(n.id, members, config.toBuilder().randomSeed(config.randomSeed() * 31 + n.id)
                    .build(), n.log, n.hardState);
            return;
        }
        for (long attempt = 0; attempt < 1000; attempt++) {
            RaftConfig seeded = config.toBuilder().randomSeed(config.randomSeed() * 31 + n.id + 7919 * attempt)
                    .build();
            RaftCore core = RaftCore.create(n.id, members, seeded, n.log, n.hardState);
            boolean quiet = true;
            for (int i = 0; i < config.electionTimeoutTicks() && quiet; i++) {
                for (Action a : core.step(Event.Tick.INSTANCE)) {
                    quiet &= a instanceof Action.RoleChanged && ((Action.RoleChanged) a).role() == Role.FOLLOWER;
                }
                quiet &= core.role() == Role.FOLLOWER;
            }
            if (quiet) {
                n.core = core;
                return;
            }
        }
        throw new IllegalStateException("node " + n.id + " could not boot quietly");
    }

    static TestCluster of(long... ids) {
        return builder(RaftConfig.defaults()).nodes(ids).build();
    }

    static TestCluster of(RaftConfig config, long... ids) {
        return builder(config).nodes(ids).build();
    }

    static Builder builder(RaftConfig config) {
        return new Builder(config);
    }

    /** Declares each node with its initial log and hard state. */
    static final class Builder {
        private final RaftConfig config;
        private final Map<Long, List<LogEntry>> logs = new LinkedHashMap<>();
        private final Map<Long, HardState> hardStates = new HashMap<>();

        private Builder(RaftConfig config) {
            this.config = config;
        }

        Builder nodes(long... ids) {
            for (long id : ids) {
                node(id, List.of(), HardState.INITIAL);
            }
            return this;
        }

        Builder node(long id, List<LogEntry> log, HardState hardState) {
            logs.put(id, log);
            hardStates.put(id, hardState);
            return this;
        }

        TestCluster build() {
            return new TestCluster(config, logs, hardStates);
        }
    }

    /** A log whose entry at index i + 1 has {@code terms[i]}; payloads name the (index, term) pair. */
    static List<LogEntry> logOfTerms(long... terms) {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            entries.add(entry(i + 1, terms[i]));
        }
        return entries;
    }

    /** The entry at {@code (index, term)}; by Log Matching every log holding that pair holds this very entry. */
    static LogEntry entry(long index, long term) {
        return LogEntry.normal(index, term, (index + "@" + term).getBytes(StandardCharsets.UTF_8));
    }

    static List<Long> terms(long... terms) {
        List<Long> list = new ArrayList<>();
        for (long t : terms) {
            list.add(t);
        }
        return list;
    }

    Node node(long id) {
        return nodes.get(id);
    }

    RaftCore core(long id) {
        return nodes.get(id).core;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Driving nodes

    List<Action> step(long id, Event event) {
        Node n = nodes.get(id);
        List<Action> actions = n.core.step(event);
        execute(n, actions);
        return actions;
    }

    List<Action> stepAll(long id, List<? extends Event> events) {
        Node n = nodes.get(id);
        List<Action> actions = n.core.stepAll(events);
        execute(n, actions);
        return actions;
    }

    List<Action> propose(long id, long correlationId, String payload) {
        return step(id, new Event.Propose(correlationId, payload.getBytes(StandardCharsets.UTF_8)));
    }

    void tick(long id, int times) {
        for (int i = 0; i < times; i++) {
            step(id, Event.Tick.INSTANCE);
        }
    }

    /** Ticks every node once, then delivers everything, {@code times} over. */
    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (long id : nodes.keySet()) {
                step(id, Event.Tick.INSTANCE);
            }
            deliverAll();
        }
    }

    /** Times {@code id} out until it is leader, delivering messages after each tick. */
    void elect(long id) {
        for (int i = 0; i < 200 && core(id).role() != Role.LEADER; i++) {
            tick(id, 1);
            deliverAll();
        }
        if (core(id).role() != Role.LEADER) {
            throw new IllegalStateException("node " + id + " did not become leader: " + core(id).status());
        }
    }

    /** Ticks {@code id} until it leaves the follower role (starts a (pre-)election), delivering nothing. */
    void timeOut(long id) {
        for (int i = 0; i < 200 && core(id).role() == Role.FOLLOWER; i++) {
            tick(id, 1);
        }
        if (core(id).role() == Role.FOLLOWER) {
            throw new IllegalStateException("node " + id + " never timed out");
        }
    }

    /** The non-isolated leader of the highest term, or 0 (a deposed leader may not have learned it yet). */
    long leader() {
        long found = 0;
        long foundTerm = -1;
        for (Node n : nodes.values()) {
            if (n.core.role() == Role.LEADER && !isolated.contains(n.id) && n.core.term() > foundTerm) {
                found = n.id;
                foundTerm = n.core.term();
            }
        }
        return found;
    }

    // -------------------------------------------------------------------------------------------------------------
    // The disk

    void pauseDisk(long id) {
        nodes.get(id).diskPaused = true;
    }

    /** Makes every write so far durable and reports it, as one group commit. */
    List<Action> resumeDisk(long id) {
        Node n = nodes.get(id);
        n.diskPaused = false;
        return sync(n);
    }

    /** Keeps {@code id}'s snapshots unreported (not yet durable) until {@link #releaseSnapshots}. */
    void holdSnapshots(long id) {
        nodes.get(id).snapshotsHeld = true;
    }

    /** Makes {@code id}'s written snapshots durable and reports them. */
    void releaseSnapshots(long id) {
        Node n = nodes.get(id);
        n.snapshotsHeld = false;
        reportSnapshots(n);
    }

    private void reportSnapshots(Node n) {
        while (!n.snapshotsHeld && !n.unreportedSnapshots.isEmpty()) {
            step(n.id, new Event.SnapshotSaved(n.unreportedSnapshots.remove(0)));
        }
    }

    private List<Action> sync(Node n) {
        if (!n.unreportedWrites) {
            return List.of();
        }
        n.unreportedWrites = false;
        n.durableLog = n.log.copy();
        long last = n.log.lastIndex();
        return step(n.id, new Event.Persisted(last, n.log.term(last), n.epoch));
    }

    /**
     * Crashes {@code id} and starts it again from what it made durable: its hard state and its synced log. Writes
     * not yet synced are lost; its messages in flight stay in the network.
     */
    void restart(long id) {
        Node n = nodes.get(id);
        n.log = n.durableLog.copy();
        n.unreportedWrites = false;
        n.receiving = null;
        n.unreportedSnapshots.clear();
        n.snapshotsHeld = false;
        n.applied.clear();
        StoredSnapshot s = n.newestSnapshot();
        if (s != null) {
            // The runtime's recovery rule: the log must contain the snapshot's position, else it restarts there.
            SnapshotInfo info = s.info();
            if (info.index() > n.log.lastIndex() || info.index() < n.log.firstIndex() - 1
                    || n.log.term(info.index()) != info.term()) {
                n.log.resetTo(info.index(), info.term());
                n.durableLog = n.log.copy();
            }
            n.applied.addAll(decode(s.payload()));
        }
        // Like a runtime started with the same flags: the initial members, which the log and snapshot override.
        Membership bootstrap = n.joined ? Membership.EMPTY : Membership.ofVoters(initialMembers);
        restarts++;
        n.core = RaftCore.create(id, bootstrap,
                config.toBuilder().randomSeed(config.randomSeed() * 31 + id + 1000 * restarts).build(),
                n.log, n.hardState, s == null ? Optional.empty() : Optional.of(s.info()));
    }

    /**
     * Starts a new node with an empty log and no configuration: a member-to-be that waits for a leader to contact it
     * (thesis §4.1). The cluster's membership changes it only through the log.
     */
    Node addNode(long id) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " exists");
        }
        Node n = new Node(id, List.of(), HardState.INITIAL);
        n.joined = true;
        n.core = RaftCore.create(id, Membership.EMPTY, config.toBuilder().randomSeed(config.randomSeed() * 31 + id)
                .build(), n.log, n.hardState, Optional.empty());
        nodes.put(id, n);
        return n;
    }

    /** Proposes a membership change at {@code id}. */
    List<Action> changeMembership(long id, long correlationId, MembershipChange... changes) {
        return step(id, new Event.ChangeMembership(correlationId, List.of(changes)));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Snapshot payloads: the applied entries, encoded

    static byte[] encode(List<LogEntry> entries) {
        int size = 4;
        for (LogEntry e : entries) {
            size += 8 + 8 + 1 + 4 + e.payload().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).putInt(entries.size());
        for (LogEntry e : entries) {
            b.putLong(e.index()).putLong(e.term()).put((byte) e.kind().ordinal()).putInt(e.payload().length)
                    .put(e.payload());
        }
        return b.array();
    }

    static List<LogEntry> decode(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        int n = b.getInt();
        List<LogEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long index = b.getLong();
            long term = b.getLong();
            EntryKind kind = EntryKind.values()[b.get()];
            byte[] data = new byte[b.getInt()];
            b.get(data);
            entries.add(new LogEntry(index, term, kind, data));
        }
        return entries;
    }

    static long crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }

    // -------------------------------------------------------------------------------------------------------------
    // The network

    void isolate(long id) {
        isolated.add(id);
        inFlight.removeIf(m -> m.from() == id || m.to() == id);
    }

    void heal(long id) {
        isolated.remove(id);
    }

    /** Cuts the link between {@code a} and {@code b} both ways; each can still reach everyone else. */
    void cut(long a, long b) {
        cutLinks.add(Math.min(a, b) + "-" + Math.max(a, b));
        inFlight.removeIf(m -> !reachable(m));
    }

    void mend(long a, long b) {
        cutLinks.remove(Math.min(a, b) + "-" + Math.max(a, b));
    }

    private boolean reachable(Message m) {
        return !isolated.contains(m.from()) && !isolated.contains(m.to())
                && !cutLinks.contains(Math.min(m.from(), m.to()) + "-" + Math.max(m.from(), m.to()));
    }

    /** Delivers queued messages, oldest first, until none are left. */
    void deliverAll() {
        deliverWhere(m -> true);
    }

    /**
     * Delivers, oldest first, every queued message matching {@code filter}, including matching messages produced
     * on the way; others stay queued.
     */
    void deliverWhere(Predicate<Message> filter) {
        int budget = 100_000;
        while (budget-- > 0) {
            Message next = null;
            for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
                Message m = it.next();
                if (filter.test(m)) {
                    it.remove();
                    next = m;
                    break;
                }
            }
            if (next == null) {
                return;
            }
            deliver(next);
        }
        throw new IllegalStateException("message storm: more than 100000 deliveries");
    }

    /** Delivers exactly the messages queued now that match {@code filter}, newest first (a reordering). */
    void deliverReversed(Predicate<Message> filter) {
        List<Message> chosen = take(filter);
        for (int i = chosen.size() - 1; i >= 0; i--) {
            deliver(chosen.get(i));
        }
    }

    void deliver(Message m) {
        if (!reachable(m) || !nodes.containsKey(m.to())) {
            return; // a node that does not exist (yet) loses what is sent to it
        }
        step(m.to(), new Event.Receive(m));
    }

    /** Removes the queued messages matching {@code filter}; returns how many. */
    int dropWhere(Predicate<Message> filter) {
        return take(filter).size();
    }

    /** Queues a second copy of every queued message matching {@code filter}. */
    void duplicateWhere(Predicate<Message> filter) {
        List<Message> copies = new ArrayList<>();
        for (Message m : inFlight) {
            if (filter.test(m)) {
                copies.add(m);
            }
        }
        inFlight.addAll(copies);
    }

    /** The queued messages of {@code type}. */
    <T extends Message> List<T> queued(Class<T> type) {
        List<T> found = new ArrayList<>();
        for (Message m : inFlight) {
            if (type.isInstance(m)) {
                found.add(type.cast(m));
            }
        }
        return found;
    }

    private List<Message> take(Predicate<Message> filter) {
        List<Message> chosen = new ArrayList<>();
        for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (filter.test(m)) {
                it.remove();
                chosen.add(m);
            }
        }
        return chosen;
    }

    static Predicate<Message> from(long id) {
        return m -> m.from() == id;
    }

    static Predicate<Message> to(long id) {
        return m -> m.to() == id;
    }

    static Predicate<Message> between(long a, long b) {
        return m -> (m.from() == a && m.to() == b) || (m.from() == b && m.to() == a);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Executing actions, with the contract checked

    private void execute(Node n, List<Action> actions) {
        n.actions.addAll(actions);
        for (Action a : actions) {
            if (a instanceof Action.PersistHardState) {
                HardState hs = ((Action.PersistHardState) a).state();
                if (hs.term() < n.hardState.term()) {
                    throw violation(n, "hard state term moves back from " + n.hardState + " to " + hs);
                }
                if (hs.term() == n.hardState.term() && n.hardState.votedFor() != HardState.NO_VOTE
                        && hs.votedFor() != n.hardState.votedFor()) {
                    throw violation(n, "vote changed within term: " + n.hardState + " -> " + hs);
                }
                n.hardState = hs;
            } else if (a instanceof Action.TruncateLog) {
                n.log.truncateSuffix(((Action.TruncateLog) a).fromIndex());
                n.unreportedWrites = true;
            } else if (a instanceof Action.AppendLog) {
                List<LogEntry> entries = ((Action.AppendLog) a).entries();
                for (LogEntry e : entries) {
                    if (e.term() > n.hardState.term()) {
                        throw violation(n, "appends " + e + " beyond its durable term " + n.hardState.term());
                    }
                }
                n.log.append(entries);
                n.epoch = ((Action.AppendLog) a).epoch();
                n.unreportedWrites = true;
            } else if (a instanceof Action.Send) {
                Message m = ((Action.Send) a).message();
                checkSend(n, m);
                if (reachable(m)) {
                    inFlight.add(m);
                }
            } else if (a instanceof Action.Apply) {
                checkApply(n, ((Action.Apply) a).entries());
            } else if (a instanceof Action.RoleChanged) {
                checkRole(n, (Action.RoleChanged) a);
            } else if (a instanceof Action.TakeSnapshot) {
                Action.TakeSnapshot t = (Action.TakeSnapshot) a;
                if (n.applied.size() != t.index() || n.applied.get((int) t.index() - 1).term() != t.term()) {
                    throw violation(n, "asks for a snapshot at " + t.index() + "@" + t.term() + " after applying "
                            + n.applied.size() + " entries");
                }
                byte[] payload = encode(n.applied);
                SnapshotInfo info = new SnapshotInfo(t.index(), t.term(), t.membership(), payload.length,
                        crc(payload));
                n.snapshots.add(new StoredSnapshot(info, payload));
                n.unreportedSnapshots.add(info);
            } else if (a instanceof Action.CompactLog) {
                long upTo = ((Action.CompactLog) a).upToIndex();
                StoredSnapshot s = n.newestSnapshot();
                if (s == null || s.info().index() < upTo) {
                    throw violation(n, "compacts to " + upTo + " beyond its newest durable snapshot " + s);
                }
                n.log.compactPrefix(upTo);
                n.unreportedWrites = true;
            } else if (a instanceof Action.ResetLog) {
                Action.ResetLog r = (Action.ResetLog) a;
                n.log.resetTo(r.index(), r.term());
                n.unreportedWrites = true;
            } else if (a instanceof Action.SendSnapshotChunk) {
                Action.SendSnapshotChunk sc = (Action.SendSnapshotChunk) a;
                StoredSnapshot s = null;
                for (StoredSnapshot stored : n.snapshots) {
                    if (stored.info().equals(sc.snapshot())) {
                        s = stored;
                    }
                }
                if (s == null) {
                    throw violation(n, "sends a chunk of a snapshot it does not hold: " + sc);
                }
                byte[] data = Arrays.copyOfRange(s.payload(), (int) sc.offset(),
                        (int) sc.offset() + sc.length());
                Message m = new Message.InstallSnapshot(n.id, sc.to(), sc.term(), sc.snapshot(), sc.offset(), data);
                checkSend(n, m);
                if (reachable(m)) {
                    inFlight.add(m);
                }
            } else if (a instanceof Action.WriteSnapshotChunk) {
                Action.WriteSnapshotChunk w = (Action.WriteSnapshotChunk) a;
                if (w.offset() == 0) {
                    n.receiving = new ByteArrayOutputStream();
                }
                if (n.receiving == null || n.receiving.size() != w.offset()) {
                    throw violation(n, "writes a snapshot chunk at " + w.offset() + " that does not continue "
                            + (n.receiving == null ? "anything" : n.receiving.size() + " bytes"));
                }
                n.receiving.write(w.data(), 0, w.data().length);
                if (w.isLast()) {
                    byte[] payload = n.receiving.toByteArray();
                    n.receiving = null;
                    if (crc(payload) != w.snapshot().checksum()) {
                        throw violation(n, "received snapshot " + w.snapshot() + " with a wrong checksum");
                    }
                    n.snapshots.add(new StoredSnapshot(w.snapshot(), payload));
                    n.unreportedSnapshots.add(w.snapshot());
                }
                checkSend(n, w.reply());
                if (reachable(w.reply())) {
                    inFlight.add(w.reply());
                }
            } else if (a instanceof Action.RestoreSnapshot) {
                SnapshotInfo info = ((Action.RestoreSnapshot) a).snapshot();
                StoredSnapshot s = n.newestSnapshot();
                if (s == null || !s.info().equals(info)) {
                    throw violation(n, "restores snapshot " + info + " that is not its newest durable one " + s);
                }
                List<LogEntry> restored = decode(s.payload());
                if (restored.size() < n.applied.size()) {
                    throw violation(n, "restores a snapshot at " + info.index() + " after applying "
                            + n.applied.size());
                }
                n.applied.clear();
                checkApply(n, restored);
            }
        }
        if (!n.diskPaused) {
            sync(n);
        }
        reportSnapshots(n);
    }

    private void checkSend(Node n, Message m) {
        if (m.from() != n.id) {
            throw violation(n, "sends a message from another node: " + m);
        }
        boolean preVote = (m instanceof Message.VoteRequest && ((Message.VoteRequest) m).preVote())
                || (m instanceof Message.VoteResponse && ((Message.VoteResponse) m).preVote());
        if (!preVote && m.term() > n.hardState.term()) {
            throw violation(n, "sends " + m + " before persisting term " + m.term() + " (durable " + n.hardState
                    + ")");
        }
        if (m instanceof Message.VoteResponse && !preVote && ((Message.VoteResponse) m).voteGranted()
                && (n.hardState.votedFor() != m.to() || n.hardState.term() != m.term())) {
            throw violation(n, "grants a vote before persisting it: " + m + " durable " + n.hardState);
        }
        checkInstalledReply(n, m);
        if (m instanceof Message.AppendResponse && ((Message.AppendResponse) m).success()) {
            long match = ((Message.AppendResponse) m).matchIndex();
            // A durable snapshot covers its index: after a crash the log restarts there if it must.
            StoredSnapshot snap = n.newestSnapshot();
            long durableEnd = Math.max(n.durableLog.lastIndex(), snap == null ? 0 : snap.info().index());
            boolean held = match >= n.durableLog.firstIndex() && match >= n.log.firstIndex()
                    && match <= n.durableLog.lastIndex();
            if (match > durableEnd || match > n.log.lastIndex()
                    || (held && !n.durableLog.entry(match).equals(n.log.entry(match)))) {
                throw violation(n, "acknowledges index " + match + " but its durable log ends at "
                        + n.durableLog.lastIndex() + " (newest snapshot " + snap + "): " + m);
            }
        }
    }

    private void checkInstalledReply(Node n, Message m) {
        if (m instanceof Message.InstallSnapshotResponse && ((Message.InstallSnapshotResponse) m).installed()) {
            long index = ((Message.InstallSnapshotResponse) m).snapshotIndex();
            StoredSnapshot snap = n.newestSnapshot();
            long durableEnd = Math.max(n.durableLog.lastIndex(), snap == null ? 0 : snap.info().index());
            if (index > durableEnd) {
                throw violation(n, "claims snapshot " + index + " installed but its durable log ends at "
                        + n.durableLog.lastIndex() + " (newest snapshot " + snap + "): " + m);
            }
        }
    }

    private void checkApply(Node n, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            if (e.index() != n.applied.size() + 1) {
                throw violation(n, "applies " + e + " after " + n.applied.size() + " entries");
            }
            if (e.index() <= appliedAnywhere.size()) {
                LogEntry other = appliedAnywhere.get((int) e.index() - 1);
                if (!other.equals(e)) {
                    throw violation(n, "applies " + e + " where another node applied " + other);
                }
            } else {
                appliedAnywhere.add(e);
            }
            n.applied.add(e);
        }
    }

    private void checkRole(Node n, Action.RoleChanged rc) {
        if (rc.role() != Role.LEADER) {
            return;
        }
        Long previous = leaderOfTerm.putIfAbsent(rc.term(), n.id);
        if (previous != null && previous != n.id) {
            throw violation(n, "is leader of term " + rc.term() + ", already led by " + previous);
        }
        for (LogEntry e : appliedAnywhere) {
            if (e.index() < n.core.firstLogIndex() - 1) {
                continue; // compacted: its snapshot holds it
            }
            if (e.index() > n.core.lastLogIndex() || n.core.termAt(e.index()) != e.term()) {
                throw violation(n, "became leader of term " + rc.term() + " without applied entry " + e);
            }
        }
    }

    private static IllegalStateException violation(Node n, String what) {
        return new IllegalStateException("node " + n.id + " " + what);
    }
}
