package dev.sansraft.sim;

import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.MembershipCodec;
import dev.sansraft.core.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks Raft's safety properties incrementally, as the simulator observes each node's actions and status, so that
 * checking after every event costs O(1) per entry rather than a scan of every log.
 *
 * <ul>
 *   <li>Election Safety: the first leader seen in each term is remembered; a second one fails.</li>
 *   <li>Leader Append-Only: a node that is leader of the same term before and after a step must not truncate its
 *   log nor shrink it.</li>
 *   <li>Log Matching: every (index, term) ever appended is registered with its entry and the term of the entry
 *   before it. Two appends of the same (index, term) must carry equal entries and equal previous terms; by induction
 *   on the index, that is the whole Log Matching property. {@link #checkLogs} also compares logs pairwise.</li>
 *   <li>Leader Completeness: every entry known committed (applied anywhere, or below some node's commit index) in a
 *   term below a new leader's term must be in that leader's log when it takes office. An entry's commit term is the
 *   lowest term of any node observing the commit (the committing leader observes it first, in its own term), so the
 *   check never demands more than §5.4 does: a late leader of an older term, elected with votes that arrived late,
 *   need not hold entries committed in newer terms.</li>
 *   <li>State Machine Safety: the committed entries form one global sequence; every apply and every commit advance
 *   must agree with it. Where entries are compacted away the state itself is compared: the first node to reach an
 *   applied index (by applying, restoring a snapshot or restarting from one) records its state machine's digest
 *   there, and every other node reaching that index must have the same digest.</li>
 *   <li>With compacted logs, Log Matching and Leader Completeness compare only the indexes both sides still hold,
 *   plus the term at a compaction point, which the log still knows.</li>
 *   <li>Configuration overlap: each configuration committed (a {@code CONFIG} entry entering the committed sequence)
 *   must have every quorum intersect every quorum of the configuration committed before it (or the starting one),
 *   so that no two leaders or commits, one under each, can miss each other (thesis ch. 4).</li>
 *   <li>Monotonic commit and applied indexes, applied &lt;= commit; persisted term never decreasing and one vote per
 *   term; durable state intact across a restart.</li>
 * </ul>
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class InvariantChecker {

    /** Builds the exception for a violation, adding the run's context (seed, tick, recent events). */
    interface Reporter {
        InvariantViolation violation(Invariant invariant, String detail);
    }

    /** One (index, term) ever appended anywhere; chained when an index held several terms over time. */
    private static final class Registered {
        final LogEntry entry;
        final long prevTerm;
        final long firstNode;
        Registered next;

        Registered(LogEntry entry, long prevTerm, long firstNode) {
            this.entry = entry;
            this.prevTerm = prevTerm;
            this.firstNode = firstNode;
        }
    }

    private final Reporter reporter;
    private final Map<Long, Long> leaderByTerm = new HashMap<>();
    private final List<LogEntry> committed = new ArrayList<>();
    private long[] commitTerm = new long[1024];
    private final List<Registered> registry = new ArrayList<>();
    private final HardState[] persisted;
    private final long[] appliedCount;
    private final long[] lastLeaderTerm;
    /** The state digest recorded at each applied index (index 1 at [1]), and the node that recorded it (0 = none). */
    private long[] digestAt = new long[1024];
    private long[] digestNode = new long[1024];

    /** A commit or apply seen ahead of the contiguous committed prefix (only with {@link #tolerateGaps()}). */
    private record Ahead(LogEntry entry, long term, long node) {
    }

    private final java.util.Map<Long, Ahead> ahead = new java.util.HashMap<>();
    private boolean toleratesGaps;
    /** The newest configuration in the committed sequence, or the starting one; null when not told it. */
    private Membership committedConfiguration;
    private long committedConfigurationIndex;

    InvariantChecker(int nodes, Reporter reporter) {
        this.reporter = reporter;
        this.persisted = new HardState[nodes];
        Arrays.fill(persisted, HardState.INITIAL);
        this.appliedCount = new long[nodes];
        this.lastLeaderTerm = new long[nodes];
    }

    /** The entries known committed, index 1 first. */
    List<LogEntry> committed() {
        return committed;
    }

    /** The highest index known committed. */
    long committedIndex() {
        return committed.size();
    }

    private static long id(int slot) {
        return slot + 1L;
    }

    private InvariantViolation fail(Invariant invariant, String detail) {
        return reporter.violation(invariant, detail);
    }

    /** A {@code PersistHardState} made durable on node {@code slot}. */
    void onHardState(int slot, HardState hs) {
        HardState prev = persisted[slot];
        if (hs.term() < prev.term()) {
            throw fail(Invariant.VOTE_DURABILITY, "node " + id(slot) + " persisted term " + hs.term()
                    + " after term " + prev.term());
        }
        if (hs.term() == prev.term() && prev.votedFor() != HardState.NO_VOTE && hs.votedFor() != prev.votedFor()) {
            throw fail(Invariant.VOTE_DURABILITY, "node " + id(slot) + " changed its vote in term " + hs.term()
                    + " from " + prev.votedFor() + " to " + hs.votedFor());
        }
        persisted[slot] = hs;
    }

    /** Node {@code slot} is about to append {@code entries} to {@code log}. */
    void onAppend(int slot, InMemoryLog log, List<LogEntry> entries) {
        long prevTerm = log.term(entries.get(0).index() - 1);
        for (LogEntry e : entries) {
            register(slot, e, prevTerm);
            prevTerm = e.term();
        }
    }

    private void register(int slot, LogEntry e, long prevTerm) {
        int i = (int) e.index() - 1;
        while (registry.size() <= i) {
            registry.add(null);
        }
        Registered head = registry.get(i);
        for (Registered r = head; r != null; r = r.next) {
            if (r.entry.term() == e.term()) {
                if (!r.entry.equals(e) || r.prevTerm != prevTerm) {
                    throw fail(Invariant.LOG_MATCHING, "node " + id(slot) + " appends " + e + " after term "
                            + prevTerm + " but node " + r.firstNode + " appended " + r.entry + " after term "
                            + r.prevTerm);
                }
                return;
            }
        }
        Registered fresh = new Registered(e, prevTerm, id(slot));
        fresh.next = head;
        registry.set(i, fresh);
    }

    /** Node {@code slot}, now in {@code term}, hands {@code e} to its state machine. */
    void onApply(int slot, LogEntry e, long term) {
        if (e.index() != appliedCount[slot] + 1) {
            throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " applies index " + e.index()
                    + " after index " + appliedCount[slot]);
        }
        appliedCount[slot] = e.index();
        recordCommitted(slot, e, term, "applies");
    }

    /**
     * Node {@code slot}, now in {@code term}, hands the client entry {@code e} to its state machine through the node
     * runtime, which skips NOOP and CONFIG entries: the index must rise, not by exactly one.
     */
    void onApplySkippingNonClient(int slot, LogEntry e, long term) {
        if (e.index() <= appliedCount[slot]) {
            throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " applies index " + e.index()
                    + " after index " + appliedCount[slot]);
        }
        appliedCount[slot] = e.index();
        recordCommitted(slot, e, term, "applies");
    }

    /**
     * Checks what one round of a real node runtime changed on node {@code slot}, as its status shows: commit index
     * monotonic, newly committed entries consistent, a leader's log append-only within its term, at most one leader
     * per term and leader completeness. Applied indexes are checked at each apply instead.
     */
    void afterRound(int slot, NodeState before, NodeState after, InMemoryLog log) {
        if (after.commitIndex() < before.commitIndex()) {
            throw fail(Invariant.COMMIT_MONOTONIC, "node " + id(slot) + " commit index moved back from "
                    + before.commitIndex() + " to " + after.commitIndex() + " (term " + after.term() + ")");
        }
        long upTo = Math.min(after.commitIndex(), log.lastIndex());
        for (long i = Math.max(before.commitIndex(), log.firstIndex() - 1) + 1; i <= upTo; i++) {
            recordCommitted(slot, log.entry(i), after.term(), "commits");
        }
        if (before.role() == Role.LEADER && after.role() == Role.LEADER && before.term() == after.term()
                && after.lastLogIndex() < before.lastLogIndex()) {
            throw fail(Invariant.LEADER_APPEND_ONLY, "leader " + id(slot) + " of term " + after.term()
                    + " shrank its log from last index " + before.lastLogIndex() + " to " + after.lastLogIndex());
        }
        if (after.role() == Role.LEADER && lastLeaderTerm[slot] != after.term()) {
            onNewLeader(slot, after.term(), log);
        }
    }

    private void recordCommitted(int slot, LogEntry e, long term, String verb) {
        long index = e.index();
        if (index <= committed.size()) {
            LogEntry known = committed.get((int) index - 1);
            if (!known.equals(e)) {
                throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " " + verb + " " + e
                        + " but " + known + " was already committed at index " + index);
            }
            commitTerm[(int) index - 1] = Math.min(commitTerm[(int) index - 1], term);
        } else if (index == committed.size() + 1) {
            addCommitted(e, term);
            Ahead next;
            while ((next = ahead.remove((long) committed.size() + 1)) != null) {
                addCommitted(next.entry, next.term);
            }
        } else if (toleratesGaps) {
            Ahead known = ahead.putIfAbsent(index, new Ahead(e, term, id(slot)));
            if (known != null && !known.entry.equals(e)) {
                throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " " + verb + " " + e + " but node "
                        + known.node + " committed " + known.entry + " at index " + index);
            }
        } else {
            throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " " + verb + " index " + index
                    + " while only " + committed.size() + " entries are known committed");
        }
    }

    /** The configuration the cluster starts from, before any {@code CONFIG} entry commits. */
    void startConfiguration(Membership m) {
        committedConfiguration = m;
    }

    /** The newest configuration known committed (or the starting one); null when not told the starting one. */
    Membership committedConfiguration() {
        return committedConfiguration;
    }

    private void addCommitted(LogEntry e, long term) {
        if (e.kind() == EntryKind.CONFIG && committedConfiguration != null) {
            Membership next = MembershipCodec.decode(e.payload());
            String disjoint = Quorums.disjointQuorums(committedConfiguration, next);
            if (disjoint != null) {
                throw fail(Invariant.CONFIGURATION_OVERLAP, "the configuration committed at index " + e.index() + " ("
                        + Quorums.describe(next) + ") has a quorum disjoint from one of the configuration committed"
                        + " before it" + (committedConfigurationIndex == 0 ? " (the starting one)" : " at index "
                        + committedConfigurationIndex) + ": " + disjoint);
            }
            committedConfiguration = next;
            committedConfigurationIndex = e.index();
        }
        committed.add(e);
        if (committed.size() > commitTerm.length) {
            commitTerm = Arrays.copyOf(commitTerm, commitTerm.length * 2);
        }
        commitTerm[committed.size() - 1] = term;
    }

    /**
     * Lets commits and applies be recorded ahead of the contiguous committed prefix, checked once the gap fills: a
     * real node runtime reports commits and applies from different stages, so one node's apply may come before the
     * round that shows another node's commit of the index before it.
     */
    void tolerateGaps() {
        toleratesGaps = true;
    }

    /** Node {@code slot} has just become leader of {@code term} with {@code log}. */
    void onNewLeader(int slot, long term, InMemoryLog log) {
        lastLeaderTerm[slot] = term;
        long id = id(slot);
        Long other = leaderByTerm.putIfAbsent(term, id);
        if (other != null && other != id) {
            throw fail(Invariant.ELECTION_SAFETY, "nodes " + other + " and " + id + " are both leaders of term "
                    + term);
        }
        checkHoldsCommitted(slot, term, log);
    }

    private void checkHoldsCommitted(int slot, long term, InMemoryLog log) {
        long boundary = log.firstIndex() - 1;
        if (boundary >= 1 && boundary <= committed.size() && commitTerm[(int) boundary - 1] < term
                && log.term(boundary) != committed.get((int) boundary - 1).term()) {
            throw fail(Invariant.LEADER_COMPLETENESS, "leader " + id(slot) + " of term " + term + " compacted its log"
                    + " up to " + boundary + "@" + log.term(boundary) + " but " + committed.get((int) boundary - 1)
                    + " was committed there");
        }
        for (long i = Math.max(1, log.firstIndex()); i <= committed.size(); i++) {
            long committedIn = commitTerm[(int) i - 1];
            if (committedIn >= term) {
                continue;
            }
            LogEntry known = committed.get((int) i - 1);
            if (i > log.lastIndex()) {
                throw fail(Invariant.LEADER_COMPLETENESS, "leader " + id(slot) + " of term " + term + " has last index "
                        + log.lastIndex() + " but " + known + " was committed in term " + committedIn);
            }
            LogEntry mine = log.entry(i);
            if (!mine.equals(known)) {
                throw fail(Invariant.LEADER_COMPLETENESS, "leader " + id(slot) + " of term " + term + " holds "
                        + mine + " at index " + i + " where " + known + " was committed in term " + committedIn);
            }
        }
    }

    /**
     * Node {@code slot}'s state machine has applied exactly the entries up to {@code index} and has digest
     * {@code digest}: the first node at an index records it, every later one must match it.
     */
    void onDigest(int slot, long index, long digest) {
        if (index < 1) {
            return;
        }
        if (index >= digestAt.length) {
            int size = (int) Math.max(index + 1, digestAt.length * 2L);
            digestAt = Arrays.copyOf(digestAt, size);
            digestNode = Arrays.copyOf(digestNode, size);
        }
        int i = (int) index;
        if (digestNode[i] == 0) {
            digestAt[i] = digest;
            digestNode[i] = id(slot);
        } else if (digestAt[i] != digest) {
            throw fail(Invariant.STATE_MACHINE_SAFETY, "node " + id(slot) + " has state digest "
                    + Long.toHexString(digest) + " at applied index " + index + " but node " + digestNode[i]
                    + " had " + Long.toHexString(digestAt[i]) + " there");
        }
    }

    /** Node {@code slot} replaced its state machine's state with a snapshot: its applied index jumps to {@code index}.
     */
    void onRestore(int slot, long index, long digest) {
        if (index < appliedCount[slot]) {
            throw fail(Invariant.APPLIED_MONOTONIC, "node " + id(slot) + " restored a snapshot at index " + index
                    + " after applying up to " + appliedCount[slot]);
        }
        appliedCount[slot] = index;
        onDigest(slot, index, digest);
    }

    /** Node {@code slot} crashed: its next incarnation starts with an empty state machine. */
    void onCrash(int slot) {
        appliedCount[slot] = 0;
        lastLeaderTerm[slot] = 0;
    }

    /**
     * Node {@code slot} restarted from durable state.
     *
     * @param reportedIndex the highest index the disk reported as persisted and has not since durably truncated
     * @param reportedTerm  the term it reported for that index
     */
    void onRestart(int slot, HardState durable, InMemoryLog durableLog, long reportedIndex, long reportedTerm,
                   NodeState status) {
        long id = id(slot);
        HardState expected = persisted[slot];
        if (!durable.equals(expected)) {
            throw fail(Invariant.DURABLE_STATE, "node " + id + " restarts with hard state " + durable
                    + " but " + expected + " was persisted");
        }
        if (reportedIndex > durableLog.lastIndex() || (reportedIndex >= durableLog.firstIndex() - 1
                && durableLog.term(reportedIndex) != reportedTerm)) {
            throw fail(Invariant.DURABLE_STATE, "node " + id + " restarts with log ending at "
                    + durableLog.lastIndex() + " but " + reportedIndex + "@" + reportedTerm
                    + " was reported persisted");
        }
        if (status.term() != durable.term() || status.lastLogIndex() != durableLog.lastIndex()) {
            throw fail(Invariant.DURABLE_STATE, "node " + id + " restarted core reports term " + status.term()
                    + " last index " + status.lastLogIndex() + " from durable term " + durable.term()
                    + " and last index " + durableLog.lastIndex());
        }
        appliedCount[slot] = status.appliedIndex();
    }

    /**
     * The full, non-incremental check of Log Matching over every pair of logs, and of the committed prefix against
     * each log that claims it. O(nodes^2 x log length); run at the end of a run or on demand.
     */
    void checkLogs(List<InMemoryLog> logs) {
        for (int a = 0; a < logs.size(); a++) {
            for (int b = a + 1; b < logs.size(); b++) {
                checkPair(a, logs.get(a), b, logs.get(b));
            }
        }
    }

    private void checkPair(int a, InMemoryLog la, int b, InMemoryLog lb) {
        // Both logs hold entries from `from` and know the term at `from - 1` (a compaction point, or index 0).
        long from = Math.max(la.firstIndex(), lb.firstIndex());
        long top = Math.min(la.lastIndex(), lb.lastIndex());
        long match = 0;
        for (long i = top; i >= from - 1 && i >= 1; i--) {
            if (la.term(i) == lb.term(i)) {
                match = i;
                break;
            }
        }
        for (long i = Math.max(1, from - 1); i <= match; i++) {
            if (la.term(i) != lb.term(i)) {
                throw fail(Invariant.LOG_MATCHING, "nodes " + id(a) + " and " + id(b) + " agree on index " + match
                        + " term " + la.term(match) + " but differ in term at index " + i + ": " + la.term(i)
                        + " vs " + lb.term(i));
            }
        }
        for (long i = from; i <= match; i++) {
            if (!la.entry(i).equals(lb.entry(i))) {
                throw fail(Invariant.LOG_MATCHING, "nodes " + id(a) + " and " + id(b) + " agree on index " + match
                        + " term " + la.term(match) + " but differ at index " + i + ": " + la.entry(i) + " vs "
                        + lb.entry(i));
            }
        }
    }
}
