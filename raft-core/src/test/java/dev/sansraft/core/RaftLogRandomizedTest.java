package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.sansraft.core.TestCluster.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of leader appends (with conflicts and truncations), local appends, flushes, delayed and stale
 * {@code Persisted} reports and commits, checked against a plain list model of the log after every operation.
 */
class RaftLogRandomizedTest {

    static long[] seeds() {
        // -Dsansraft.seeds=N runs a longer soak; the default keeps the suite fast.
        long[] seeds = new long[Integer.getInteger("sansraft.seeds", 50)];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 4242 + i;
        }
        return seeds;
    }

    private final List<LogEntry> model = new ArrayList<>();
    private final InMemoryLog storage = new InMemoryLog();
    private final RaftLog log = new RaftLog(storage);
    /** Snapshots of the storage taken at each sync, newest last: what a report may describe. */
    private final List<List<LogEntry>> syncs = new ArrayList<>();
    /** The epoch of the newest AppendLog each sync covered, parallel to {@link #syncs}. */
    private final List<Long> syncEpochs = new ArrayList<>();
    /** The node's term: the epoch its writes carry. */
    private long currentTerm;
    private long storageEpoch;
    private List<LogEntry> durable = List.of();

    /**
     * The log of the current term's leader. Every (index, term) pair is created by that term's leader only, so the
     * generated logs obey Log Matching, as real ones do.
     */
    private List<LogEntry> leaderLog = new ArrayList<>();
    private boolean selfIsLeader;

    @ParameterizedTest
    @MethodSource("seeds")
    void randomAppendsAndTruncationsKeepTheLogEqualToTheModel(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long term = 0;
        for (int step = 0; step < 400; step++) {
            String at = "seed " + seed + " step " + step;
            int dice = r.nextInt(100);
            if (dice < 10 || term == 0) {
                // A new term: its leader holds every committed entry and maybe part of the rest of our log, then
                // its own entries (some of which conflict with ours).
                term++;
                currentTerm = term;
                selfIsLeader = r.nextInt(3) == 0;
                int keep = (int) log.commitIndex() + r.nextInt(model.size() - (int) log.commitIndex() + 1);
                leaderLog = new ArrayList<>(model.subList(0, selfIsLeader ? model.size() : keep));
                if (!selfIsLeader) {
                    for (int i = r.nextInt(8); i > 0; i--) {
                        leaderLog.add(entry(leaderLog.size() + 1, term));
                    }
                }
            } else if (dice < 45 && !selfIsLeader) {
                leaderAppend(r, at);
            } else if (dice < 55 && !selfIsLeader) {
                leaderLog.add(entry(leaderLog.size() + 1, term));
            } else if (dice < 55) {
                LogEntry e = entry(model.size() + 1, term);
                log.appendLocal(e);
                model.add(e);
                leaderLog.add(e);
            } else if (dice < 75) {
                flush();
            } else if (dice < 88) {
                sync();
                report(syncs.size() - 1);
            } else if (dice < 94) {
                if (!syncs.isEmpty()) {
                    report(r.nextInt(syncs.size()));
                }
            } else {
                long agreed = agreedWithLeader();
                if (agreed > log.commitIndex()) {
                    log.commitTo(log.commitIndex() + 1 + r.nextInt((int) (agreed - log.commitIndex())));
                }
            }
            check(at);
        }
        assertThat(truncations).as("seed %d: conflicts exercised", seed).isPositive();
        assertThat(log.persistedIndex()).as("seed %d: something became durable", seed).isPositive();
    }

    /** How far our log agrees with the leader's: only that much may commit. */
    private long agreedWithLeader() {
        int n = Math.min(model.size(), leaderLog.size());
        int i = 0;
        while (i < n && model.get(i).equals(leaderLog.get(i))) {
            i++;
        }
        return i;
    }

    /** An AppendEntries from the leader whose prevLogIndex matches our log (Raft §5.3 receiver rules 3–4). */
    private void leaderAppend(SplittableRandom r, String at) {
        long agreed = agreedWithLeader();
        long prev = log.commitIndex() + r.nextInt((int) (agreed - log.commitIndex()) + 1);
        int n = (int) Math.min(r.nextInt(6), leaderLog.size() - prev);
        List<LogEntry> entries = new ArrayList<>(leaderLog.subList((int) prev, (int) prev + n));
        long removed = log.appendFromLeader(entries, currentTerm);
        long expectedRemoved = applyToModel(entries);
        assertThat(removed).as(at + " removed-from index").isEqualTo(expectedRemoved);
        if (removed > 0) {
            truncations++;
        }
    }

    private int truncations;

    /** Raft §5.3 receiver rules 3–4 on the model; returns the first removed index, or 0. */
    private long applyToModel(List<LogEntry> entries) {
        long removed = 0;
        for (LogEntry e : entries) {
            int i = (int) e.index() - 1;
            if (i < model.size()) {
                if (model.get(i).term() == e.term()) {
                    continue;
                }
                model.subList(i, model.size()).clear();
                if (removed == 0) {
                    removed = e.index();
                }
            }
            model.add(e);
        }
        return removed;
    }

    private void flush() {
        List<Action> out = new ArrayList<>();
        log.flushWrites(out, currentTerm);
        for (Action a : out) {
            if (a instanceof Action.TruncateLog) {
                storage.truncateSuffix(((Action.TruncateLog) a).fromIndex());
            } else {
                storage.append(((Action.AppendLog) a).entries());
                storageEpoch = ((Action.AppendLog) a).epoch();
            }
        }
    }

    private void sync() {
        durable = storage.snapshotEntries();
        syncs.add(durable);
        syncEpochs.add(storageEpoch);
    }

    /** The runtime reports sync number {@code i}, perhaps late: the newest write it covered. */
    private void report(int i) {
        List<LogEntry> snapshot = syncs.get(i);
        if (snapshot.isEmpty()) {
            return;
        }
        LogEntry last = snapshot.get(snapshot.size() - 1);
        log.persisted(last.index(), last.term(), syncEpochs.get(i));
    }

    private void check(String at) {
        assertThat(log.lastIndex()).as(at + " lastIndex").isEqualTo(model.size());
        if (!model.isEmpty()) {
            assertThat(log.entries(1, model.size() + 1, Integer.MAX_VALUE, Long.MAX_VALUE)).as(at + " entries")
                    .isEqualTo(model);
            for (int i = 1; i <= model.size(); i++) {
                assertThat(log.term(i)).as(at + " term at %d", i).isEqualTo(model.get(i - 1).term());
            }
        }
        long persisted = log.persistedIndex();
        assertThat(persisted).as(at + " persisted <= last").isLessThanOrEqualTo(model.size());
        assertThat(log.commitIndex()).as(at + " commit <= last").isLessThanOrEqualTo(model.size());
        // Everything claimed durable is in the durable storage, and is the model's entry.
        assertThat(durable.size()).as(at + " durable storage holds the persisted prefix " + persisted)
                .isGreaterThanOrEqualTo((int) persisted);
        assertThat(durable.subList(0, (int) persisted)).as(at + " durable prefix")
                .isEqualTo(model.subList(0, (int) persisted));
    }
}
