package dev.sansraft.core;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Random sequences of accepted proposals (mostly at ascending indexes, sometimes below the newest, as a later
 * leadership does after a truncation; several at one index), commits, applies and snapshot installs, checked against
 * a plain list model of {@link ProposalTracker}: the same outcomes in the same order, the same bytes, after every
 * operation.
 */
class ProposalTrackerRandomizedTest {

    static long[] seeds() {
        // -Dsansraft.seeds=N runs a longer soak; the default keeps the suite fast.
        long[] seeds = new long[Integer.getInteger("sansraft.seeds", 50)];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 9100 + i;
        }
        return seeds;
    }

    /** One pending proposal of the model. */
    private record Pending(long correlationId, long index, long term, long sizeBytes) {
    }

    /** The model: pending proposals by index, in acceptance order at one index. */
    private final List<Pending> model = new ArrayList<>();

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesThePlainListModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ProposalTracker tracker = new ProposalTracker();
        long applied = 0;
        long term = 1;
        long next = 1;
        long correlationId = 0;
        for (int op = 0; op < 3_000; op++) {
            int kind = random.nextInt(100);
            List<Action> expected = new ArrayList<>();
            List<Action> actual = new ArrayList<>();
            String what;
            if (kind < 70) {
                if (random.nextInt(20) == 0) {
                    // A new leadership, possibly after its log was truncated below earlier proposals.
                    term += 1 + random.nextInt(2);
                    next = applied + 1 + random.nextInt((int) Math.max(1, next - applied));
                }
                LogEntry e = LogEntry.normal(next++, term, new byte[random.nextInt(50)]);
                what = "accept " + e;
                tracker.accepted(++correlationId, e);
                Pending p = new Pending(correlationId, e.index(), e.term(), e.sizeBytes());
                int at = model.size();
                while (at > 0 && model.get(at - 1).index() > e.index()) {
                    at--;
                }
                model.add(at, p);
            } else if (kind < 85) {
                long commitIndex = applied + random.nextInt(10);
                long commitTerm = 1 + random.nextInt((int) term + 1);
                what = "commit " + commitIndex + "@" + commitTerm;
                tracker.committed(commitIndex, commitTerm, actual);
                List<Pending> keep = new ArrayList<>();
                for (Pending p : model) {
                    if (p.index() > commitIndex && p.term() < commitTerm) {
                        expected.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
                    } else {
                        keep.add(p);
                    }
                }
                model.clear();
                model.addAll(keep);
            } else if (kind < 97) {
                int count = 1 + random.nextInt(40);
                List<LogEntry> batch = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    batch.add(LogEntry.normal(applied + 1 + i, 1 + random.nextInt((int) term), null));
                }
                what = "apply " + batch.get(0).index() + ".." + batch.get(count - 1).index();
                tracker.applied(batch, actual);
                while (!model.isEmpty() && model.get(0).index() <= applied + count) {
                    Pending p = model.remove(0);
                    if (batch.get((int) (p.index() - applied - 1)).term() != p.term()) {
                        expected.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
                    }
                }
                applied += count;
                next = Math.max(next, applied + 1);
            } else {
                long snapshotIndex = applied + random.nextInt(20);
                long snapshotTerm = 1 + random.nextInt((int) term);
                what = "snapshot " + snapshotIndex + "@" + snapshotTerm;
                tracker.coveredBySnapshot(snapshotIndex, snapshotTerm, actual);
                while (!model.isEmpty() && model.get(0).index() <= snapshotIndex) {
                    Pending p = model.remove(0);
                    expected.add(p.term() > snapshotTerm
                            ? new Action.ProposalDropped(p.correlationId(), p.index(), p.term())
                            : new Action.ProposalUnknown(p.correlationId(), p.index(), p.term()));
                }
                applied = Math.max(applied, snapshotIndex);
                next = Math.max(next, applied + 1);
            }
            String context = "seed " + seed + ", operation " + op + " (" + what + ")";
            assertThat(actual).as(context).isEqualTo(expected);
            assertThat(tracker.bytes()).as(context)
                    .isEqualTo(model.stream().mapToLong(Pending::sizeBytes).sum());
            assertThat(tracker.isEmpty()).as(context).isEqualTo(model.isEmpty());
        }
    }

    @Test
    void anApplyThatSkipsAPendingProposalIsAnError() {
        ProposalTracker tracker = new ProposalTracker();
        tracker.accepted(7, LogEntry.normal(3, 1, null));
        assertThatThrownBy(() -> tracker.applied(List.of(LogEntry.normal(4, 1, null)), new ArrayList<>()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("proposal 7 at 3 was skipped by an apply starting at 4");
    }
}
