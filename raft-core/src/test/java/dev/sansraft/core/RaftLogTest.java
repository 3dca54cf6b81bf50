package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static dev.sansraft.core.TestCluster.entry;
import static dev.sansraft.core.TestCluster.logOfTerms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftLogTest {

    private final InMemoryLog storage = InMemoryLog.of(logOfTerms(1, 1, 2, 2, 2));
    private final RaftLog log = new RaftLog(storage);
    /** The node's term as the runtime sees it: the epoch of writes and of their Persisted reports. */
    private long epoch = 2;

    /** Executes the pending writes the way a runtime would, and returns them. */
    private List<Action> flush() {
        List<Action> out = new ArrayList<>();
        log.flushWrites(out, epoch);
        for (Action a : out) {
            if (a instanceof Action.TruncateLog) {
                storage.truncateSuffix(((Action.TruncateLog) a).fromIndex());
            } else {
                storage.append(((Action.AppendLog) a).entries());
            }
        }
        return out;
    }

    @Test
    void aRestartedLogTreatsEverythingStoredAsDurableAndNothingAsCommitted() {
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.lastTerm()).isEqualTo(2);
        assertThat(log.persistedIndex()).isEqualTo(5);
        assertThat(log.commitIndex()).isZero();
        assertThat(log.appliedIndex()).isZero();
        assertThat(flush()).as("nothing to write").isEmpty();
    }

    @Test
    void localAppendsAreReadableAtOnceAndWrittenOnFlush() {
        log.appendLocal(entry(6, 3));
        log.appendLocal(entry(7, 3));
        assertThat(log.lastIndex()).isEqualTo(7);
        assertThat(log.term(7)).isEqualTo(3);
        assertThat(log.persistedIndex()).isEqualTo(5);
        assertThat(flush()).containsExactly(new Action.AppendLog(List.of(entry(6, 3), entry(7, 3)), epoch));
        assertThat(flush()).as("written once").isEmpty();
        assertThat(log.persisted(7, 3, epoch)).isTrue();
        assertThat(log.persistedIndex()).isEqualTo(7);
    }

    @Test
    void localAppendMustFollowTheLastIndex() {
        assertThatThrownBy(() -> log.appendLocal(entry(7, 3))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("7").hasMessageContaining("5");
    }

    @Test
    void appendFromLeaderSkipsWhatMatchesAndAppendsTheRest() {
        long removed = log.appendFromLeader(List.of(entry(4, 2), entry(5, 2), entry(6, 2)), epoch);
        assertThat(removed).isZero();
        assertThat(flush()).containsExactly(new Action.AppendLog(List.of(entry(6, 2)), epoch));
    }

    @Test
    void appendFromLeaderTruncatesAtTheFirstConflictThenAppends() {
        long removed = log.appendFromLeader(List.of(entry(3, 2), entry(4, 3), entry(5, 3), entry(6, 3)), epoch);
        assertThat(removed).as("Raft §5.3: delete the conflicting entry and all that follow").isEqualTo(4);
        assertThat(log.persistedIndex()).as("the durable prefix shrinks to before the conflict").isEqualTo(3);
        assertThat(flush()).containsExactly(new Action.TruncateLog(4),
                new Action.AppendLog(List.of(entry(4, 3), entry(5, 3), entry(6, 3)), epoch));
        assertThat(storage.snapshotEntries()).isEqualTo(logOfTerms(1, 1, 2, 3, 3, 3));
    }

    @Test
    void aConflictInsideTheUnflushedTailNeedsNoTruncateAction() {
        log.appendFromLeader(List.of(entry(6, 2), entry(7, 2)), epoch);
        long removed = log.appendFromLeader(List.of(entry(7, 3)), epoch);
        assertThat(removed).isEqualTo(7);
        assertThat(flush()).containsExactly(new Action.AppendLog(List.of(entry(6, 2), entry(7, 3)), epoch));
    }

    @Test
    void twoTruncationsBeforeAFlushBecomeOneAtTheLowerIndex() {
        log.appendFromLeader(List.of(entry(5, 3), entry(6, 3)), epoch);
        log.appendFromLeader(List.of(entry(4, 4)), epoch);
        assertThat(flush()).containsExactly(new Action.TruncateLog(4), new Action.AppendLog(List.of(entry(4, 4)), epoch));
    }

    @Test
    void aConflictWithACommittedEntryIsAnInvariantViolation() {
        log.commitTo(4);
        assertThatThrownBy(() -> log.appendFromLeader(List.of(entry(4, 3)), epoch))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("commitIndex 4");
    }

    @Test
    void persistedReportsForReplacedEntriesAreIgnored() {
        log.appendFromLeader(List.of(entry(6, 2), entry(7, 2)), epoch);
        flush();
        epoch = 3;
        log.appendFromLeader(List.of(entry(6, 3)), epoch);
        flush();
        assertThat(log.persisted(7, 2, 2)).as("index 7 no longer exists").isFalse();
        assertThat(log.persisted(6, 2, 2)).as("6@2 was replaced by 6@3").isFalse();
        assertThat(log.persistedIndex()).isEqualTo(5);
        assertThat(log.persisted(6, 3, epoch)).isTrue();
        assertThat(log.persistedIndex()).isEqualTo(6);
        assertThat(log.term(6)).isEqualTo(3);
    }

    @Test
    void persistedIsIgnoredForUnwrittenOrAlreadyDurableIndexes() {
        log.appendLocal(entry(6, 3));
        assertThat(log.persisted(6, 3, epoch)).as("not yet handed to the runtime").isFalse();
        flush();
        assertThat(log.persisted(4, 2, epoch)).as("already durable").isFalse();
        assertThat(log.persisted(9, 3, epoch)).as("past the end").isFalse();
        assertThat(log.persisted(6, 3, epoch)).isTrue();
    }

    @Test
    void aReportFromBeforeTheNewestTruncationIsIgnoredEvenForAnEntryThatStayed() {
        // 6@2 and 7@2 are written in epoch 2; then 7 is replaced in epoch 3. The epoch-2 report is dropped: the core
        // cannot tell which of the writes it covers once a truncation came in between.
        log.appendFromLeader(List.of(entry(6, 2), entry(7, 2)), epoch);
        flush();
        epoch = 3;
        log.appendFromLeader(List.of(entry(7, 3)), epoch);
        flush();
        assertThat(log.persisted(6, 2, 2)).isFalse();
        assertThat(log.persistedIndex()).isEqualTo(5);
        assertThat(log.persisted(7, 3, 3)).isTrue();
        assertThat(log.persistedIndex()).isEqualTo(7);
    }

    @Test
    void anEntryWrittenTruncatedAndWrittenBackIsDurableOnlyOnTheNewestReport() {
        // 6@2 is written (epoch 2), removed by a term-3 leader's 6@3 (epoch 3), then written back by a term-4 leader
        // that holds 6@2 (epoch 4). A late report of the first write names the same (6, 2) but an old epoch.
        log.appendFromLeader(List.of(entry(6, 2)), epoch);
        flush();
        epoch = 3;
        log.appendFromLeader(List.of(entry(6, 3)), epoch);
        flush();
        epoch = 4;
        log.appendFromLeader(List.of(entry(6, 2)), epoch);
        flush();
        assertThat(log.term(6)).isEqualTo(2);
        assertThat(log.persisted(6, 2, 2)).as("the first write's report").isFalse();
        assertThat(log.persisted(6, 2, 4)).as("the newest write's report").isTrue();
    }

    @Test
    void findConflictByTermSkipsEveryEntryOfALaterTerm() {
        InMemoryLog s = InMemoryLog.of(logOfTerms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6));
        RaftLog l = new RaftLog(s);
        assertThat(l.findConflictByTerm(10, 6)).isEqualTo(10);
        assertThat(l.findConflictByTerm(10, 5)).isEqualTo(7);
        assertThat(l.findConflictByTerm(10, 3)).isEqualTo(3);
        assertThat(l.findConflictByTerm(10, 0)).isZero();
        assertThat(l.findConflictByTerm(30, 4)).as("past the end starts at the last index").isEqualTo(5);
    }

    @Test
    void matchTermAndUpToDate() {
        assertThat(log.matchTerm(0, 0)).isTrue();
        assertThat(log.matchTerm(5, 2)).isTrue();
        assertThat(log.matchTerm(5, 1)).isFalse();
        assertThat(log.matchTerm(6, 2)).isFalse();
        assertThat(log.isUpToDate(5, 2)).isTrue();
        assertThat(log.isUpToDate(4, 2)).as("same last term, shorter").isFalse();
        assertThat(log.isUpToDate(1, 3)).as("later last term wins whatever the length").isTrue();
        assertThat(log.isUpToDate(9, 1)).as("earlier last term loses whatever the length").isFalse();
    }

    @Test
    void entriesAreBoundedByCountAndBytesButAlwaysCarryOne() {
        log.appendLocal(LogEntry.normal(6, 3, new byte[100]));
        long small = entry(1, 1).sizeBytes();
        assertThat(log.entries(1, 7, 3, Long.MAX_VALUE)).hasSize(3);
        assertThat(log.entries(1, 7, 100, 2 * small)).hasSize(2);
        assertThat(log.entries(6, 7, 100, 1)).as("one oversized entry still goes alone").hasSize(1);
        assertThat(log.entries(4, 7, 100, 3 * small)).as("stored then unstable, cut by bytes").hasSize(2);
        assertThat(log.entries(4, 7, 100, Long.MAX_VALUE)).as("stored then unstable, whole")
                .extracting(LogEntry::index).containsExactly(4L, 5L, 6L);
        assertThat(log.entries(7, 7, 100, 100)).isEmpty();
    }

    @Test
    void commitNeverMovesBackNorPastTheLog() {
        log.commitTo(4);
        log.commitTo(2);
        assertThat(log.commitIndex()).isEqualTo(4);
        assertThatThrownBy(() -> log.commitTo(6)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("6").hasMessageContaining("5");
    }

    @Test
    void takeCommittedHandsOutEachEntryOnce() {
        log.commitTo(3);
        assertThat(log.takeCommitted(Long.MAX_VALUE)).isEqualTo(logOfTerms(1, 1, 2));
        assertThat(log.appliedIndex()).isEqualTo(3);
        assertThat(log.takeCommitted(Long.MAX_VALUE)).isEmpty();
        log.commitTo(5);
        assertThat(log.takeCommitted(1)).as("byte-limited, at least one").containsExactly(entry(4, 2));
        assertThat(log.takeCommitted(Long.MAX_VALUE)).containsExactly(entry(5, 2));
    }

    @Test
    void entriesDurableButNotAppliedAreServedFromMemoryAndReleasedOnceApplied() {
        List<String> reads = new ArrayList<>();
        LogView counting = readCounting(reads);
        RaftLog l = new RaftLog(counting);
        l.commitTo(5);
        assertThat(l.takeCommitted(Long.MAX_VALUE)).hasSize(5);
        assertThat(reads).as("what was stored at creation is read from the storage").containsExactly("1..6");
        reads.clear();
        l.appendLocal(entry(6, 3));
        l.appendLocal(entry(7, 3));
        List<Action> writes = new ArrayList<>();
        l.flushWrites(writes, epoch);
        storage.append(((Action.AppendLog) writes.get(0)).entries());
        assertThat(l.persisted(7, 3, epoch)).isTrue();
        l.commitTo(7);
        assertThat(l.entries(6, 8, 100, Long.MAX_VALUE)).as("replicated after the write")
                .containsExactly(entry(6, 3), entry(7, 3));
        assertThat(l.takeCommitted(Long.MAX_VALUE)).as("applied after the write")
                .containsExactly(entry(6, 3), entry(7, 3));
        assertThat(reads).as("durable entries not yet applied come from memory").isEmpty();
        assertThat(l.entries(6, 8, 100, Long.MAX_VALUE)).containsExactly(entry(6, 3), entry(7, 3));
        assertThat(reads).as("durable and applied entries are released to the storage").containsExactly("6..8");
    }

    @Test
    void anEntryAppliedBeforeItIsDurableIsReleasedToTheStorageAtItsPersisted() {
        // A follower may apply an entry the leader reports committed before its own write of it completes: the
        // entry is durable on a majority. Memory must then let it go at the Persisted report, not at some later apply.
        List<String> reads = new ArrayList<>();
        RaftLog l = new RaftLog(readCounting(reads));
        l.commitTo(5);
        l.takeCommitted(Long.MAX_VALUE);
        l.appendFromLeader(List.of(entry(6, 3)), epoch);
        List<Action> writes = new ArrayList<>();
        l.flushWrites(writes, epoch);
        l.commitTo(6);
        assertThat(l.takeCommitted(Long.MAX_VALUE)).as("applied before it is durable").containsExactly(entry(6, 3));
        storage.append(((Action.AppendLog) writes.get(0)).entries());
        assertThat(l.persisted(6, 3, epoch)).isTrue();
        reads.clear();
        assertThat(l.entries(6, 7, 100, Long.MAX_VALUE)).containsExactly(entry(6, 3));
        assertThat(reads).as("the one entry both durable and applied is read from the storage now").containsExactly("6..7");
    }

    /** The test's storage, recording every range the log reads from it. */
    private LogView readCounting(List<String> reads) {
        return new LogView() {
            @Override
            public long firstIndex() {
                return storage.firstIndex();
            }

            @Override
            public long lastIndex() {
                return storage.lastIndex();
            }

            @Override
            public long term(long index) {
                return storage.term(index);
            }

            @Override
            public List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
                reads.add(fromIndex + ".." + toIndexExclusive);
                return storage.entries(fromIndex, toIndexExclusive, maxBytes);
            }
        };
    }
}
