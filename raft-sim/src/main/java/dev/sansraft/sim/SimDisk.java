package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One node's simulated disk. Hard state writes are synchronous (durable at once), which satisfies the action
 * contract's "hard state before sends" trivially. Log writes ({@code TruncateLog}, {@code AppendLog},
 * {@code CompactLog}, {@code ResetLog}) queue up in order and become durable together when a sync completes (group
 * commit): a sync covers every write queued when it started, and writes that arrive meanwhile wait for the next one.
 *
 * <p>The durable log shares {@link LogEntry} instances with the node's in-memory log (entries are immutable), so the
 * copy costs a reference per entry. A crash discards every write not yet synced; with some probability a prefix of
 * them survives (the data reached the platter but the acknowledgement never reached the node).
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimDisk {

    private record PendingWrite(long seq, Action write) {
    }

    private final InMemoryLog durableLog = new InMemoryLog();
    private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
    private HardState hardState = HardState.INITIAL;
    private long nextSeq = 1;
    private boolean syncInFlight;
    private long reportedIndex;
    private long reportedTerm;
    private long newestAppendIndex;
    private long newestAppendTerm;
    private long newestAppendEpoch;

    HardState hardState() {
        return hardState;
    }

    void writeHardState(HardState hs) {
        hardState = hs;
    }

    InMemoryLog durableLog() {
        return durableLog;
    }

    /** The highest index reported persisted, and not durably truncated since. */
    long reportedIndex() {
        return reportedIndex;
    }

    long reportedTerm() {
        return reportedTerm;
    }

    /** The last index of the newest {@code AppendLog} made durable by the last completed sync. */
    long newestAppendIndex() {
        return newestAppendIndex;
    }

    long newestAppendTerm() {
        return newestAppendTerm;
    }

    /** The epoch of that write, echoed in {@code Persisted}. */
    long newestAppendEpoch() {
        return newestAppendEpoch;
    }

    /** Queues a log write; returns its sequence number. */
    long write(Action write) {
        long seq = nextSeq++;
        pending.addLast(new PendingWrite(seq, write));
        return seq;
    }

    /** Whether a sync should start now: there are queued writes and none is in flight. */
    boolean needsSync() {
        return !syncInFlight && !pending.isEmpty();
    }

    /** Starts a sync of everything queued; returns the last write sequence it covers. */
    long startSync() {
        syncInFlight = true;
        return pending.peekLast().seq();
    }

    /**
     * A sync covering writes up to {@code seq} completed: make them durable.
     *
     * @return true when the writes included an append, so the node must be told what is now durable (the newest
     *         append's last index, term and epoch)
     */
    boolean completeSync(long seq) {
        syncInFlight = false;
        boolean appended = false;
        while (!pending.isEmpty() && pending.peekFirst().seq() <= seq) {
            appended |= makeDurable(pending.pollFirst().write());
        }
        if (appended && newestAppendIndex <= durableLog.lastIndex()
                && newestAppendIndex >= durableLog.firstIndex() - 1
                && durableLog.term(newestAppendIndex) == newestAppendTerm) {
            reportedIndex = newestAppendIndex;
            reportedTerm = newestAppendTerm;
        }
        return appended;
    }

    private boolean makeDurable(Action write) {
        if (write instanceof Action.AppendLog) {
            Action.AppendLog append = (Action.AppendLog) write;
            durableLog.append(append.entries());
            LogEntry last = append.entries().get(append.entries().size() - 1);
            newestAppendIndex = last.index();
            newestAppendTerm = last.term();
            newestAppendEpoch = append.epoch();
            return true;
        }
        if (write instanceof Action.CompactLog) {
            // The engine checked upTo against the in-memory log; appends are made durable in order before it.
            long upTo = Math.min(((Action.CompactLog) write).upToIndex(), durableLog.lastIndex());
            if (upTo >= durableLog.firstIndex()) {
                durableLog.compactPrefix(upTo);
            }
            return false;
        }
        if (write instanceof Action.ResetLog) {
            Action.ResetLog reset = (Action.ResetLog) write;
            resetDurable(reset.index(), reset.term());
            return false;
        }
        long from = ((Action.TruncateLog) write).fromIndex();
        if (from < durableLog.firstIndex()) {
            throw new IllegalStateException("durable truncation from " + from + " below the first index "
                    + durableLog.firstIndex());
        }
        durableLog.truncateSuffix(from);
        if (reportedIndex >= from) {
            reportedIndex = durableLog.lastIndex();
            reportedTerm = durableLog.term(reportedIndex);
        }
        return false;
    }

    /**
     * Discards the durable log and continues it after {@code (index, term)} at once: a {@code ResetLog} made durable,
     * or the restart rule for a log that does not contain the newest snapshot's position. Entries reported persisted
     * past {@code index} are gone with it, as with a truncation.
     */
    void resetDurable(long index, long term) {
        durableLog.resetTo(index, term);
        if (reportedIndex >= index) {
            reportedIndex = index;
            reportedTerm = term;
        }
    }

    /** One line for violation reports: the durable log's range, queued writes, the sync in flight. */
    String describe() {
        return "disk: durable log [" + durableLog.firstIndex() + ", " + durableLog.lastIndex() + "], " + pending.size()
                + " writes queued" + (pending.isEmpty() ? "" : " (first " + pending.peekFirst().write() + ")")
                + (syncInFlight ? ", sync in flight" : "") + ", reported persisted " + reportedIndex + "@"
                + reportedTerm;
    }

    /** The node crashed: unsynced writes are lost, except possibly a prefix. */
    void crash(SplittableRandom random, double tornCrashRate) {
        if (!pending.isEmpty() && random.nextDouble() < tornCrashRate) {
            int survivors = random.nextInt(pending.size() + 1);
            for (int i = 0; i < survivors; i++) {
                makeDurable(pending.pollFirst().write());
            }
        }
        pending.clear();
        syncInFlight = false;
    }

    /** A fresh in-memory log holding exactly the durable entries, for a restarting node. */
    InMemoryLog rebuildLog() {
        InMemoryLog log = new InMemoryLog();
        if (durableLog.firstIndex() > 1) {
            log.resetTo(durableLog.firstIndex() - 1, durableLog.term(durableLog.firstIndex() - 1));
        }
        log.append(durableLog.snapshotEntries());
        return log;
    }
}
