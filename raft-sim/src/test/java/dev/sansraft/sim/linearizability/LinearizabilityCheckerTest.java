package dev.sansraft.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.sim.linearizability.KvModel.Input;
import dev.sansraft.sim.linearizability.KvModel.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinearizabilityCheckerTest {

    private final KvModel model = new KvModel();
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private static Operation<Input, Output> op(int client, Input in, Output out, long call, long ret) {
        return Operation.completed(client, in, out, call, ret);
    }

    private CheckResult check(List<Operation<Input, Output>> history) {
        return checker.check(model, history);
    }

    @Test
    void sequentialPutThenGetIsLinearizable() {
        CheckResult r = check(List.of(
                op(0, Input.put(1, 5), Output.ok(true), 0, 10),
                op(1, Input.get(1), Output.value(5), 20, 30)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.LINEARIZABLE);
    }

    @Test
    void staleReadAfterCompletedPutIsNotLinearizable() {
        CheckResult r = check(List.of(
                op(0, Input.put(1, 5), Output.ok(true), 0, 10),
                op(1, Input.get(1), Output.value(KvModel.ABSENT), 20, 30)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        assertThat(r.counterexample()).contains("key k1").contains("put(k1, 5)").contains("get(k1)");
    }

    @Test
    void concurrentReadMaySeeOldOrNewValue() {
        for (long seen : new long[] {KvModel.ABSENT, 7}) {
            CheckResult r = check(List.of(
                    op(0, Input.put(1, 7), Output.ok(true), 0, 100),
                    op(1, Input.get(1), Output.value(seen), 10, 20)));
            assertThat(r.isLinearizable()).as("read of %d concurrent with put(7)", seen).isTrue();
        }
    }

    @Test
    void readsMustNotGoBackInTime() {
        // Both reads overlap the put, but once one read saw the new value a later read cannot see the old one.
        CheckResult r = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 100),
                op(1, Input.get(1), Output.value(1), 10, 20),
                op(2, Input.get(1), Output.value(KvModel.ABSENT), 30, 40)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void indeterminatePutMayTakeEffectLateOrNever() {
        List<Operation<Input, Output>> seenLate = List.of(
                Operation.pending(0, Input.put(1, 3), 0),
                op(1, Input.get(1), Output.value(KvModel.ABSENT), 10, 20),
                op(1, Input.get(1), Output.value(3), 500, 600));
        assertThat(check(seenLate).isLinearizable()).isTrue();
        List<Operation<Input, Output>> neverSeen = List.of(
                Operation.pending(0, Input.put(1, 3), 0),
                op(1, Input.get(1), Output.value(KvModel.ABSENT), 500, 600));
        assertThat(check(neverSeen).isLinearizable()).isTrue();
    }

    @Test
    void indeterminatePutCannotBeUndone() {
        CheckResult r = check(List.of(
                Operation.pending(0, Input.put(1, 3), 0),
                op(1, Input.get(1), Output.value(3), 10, 20),
                op(1, Input.get(1), Output.value(KvModel.ABSENT), 30, 40)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void manyUnobservedIndeterminateWritesDoNotBlowUpTheSearch() {
        List<Operation<Input, Output>> history = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            history.add(Operation.pending(i, Input.put(1, 10_000 + i), 10L * i));
            history.add(op(1000 + i, Input.put(1, i + 1), Output.ok(true), 10L * i + 1, 10L * i + 2));
            history.add(op(2000 + i, Input.get(1), Output.value(i + 1), 10L * i + 3, 10L * i + 4));
        }
        CheckResult r = new LinearizabilityChecker(100_000).check(model, history);
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.LINEARIZABLE);
    }

    @Test
    void anIndeterminateWriteAFailedCasMayHaveSeenIsKept() {
        // The failed CAS is only explained by the indeterminate put(2) having happened, so it must not be pruned.
        CheckResult r = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 5),
                Operation.pending(1, Input.put(1, 2), 10),
                op(2, Input.cas(1, 1, 3), Output.casFailed(2), 20, 30)));
        assertThat(r.isLinearizable()).isTrue();
    }

    @Test
    void twoConcurrentCasFromTheSameValueCannotBothSucceed() {
        CheckResult r = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 5),
                op(1, Input.cas(1, 1, 2), Output.ok(true), 10, 50),
                op(2, Input.cas(1, 1, 3), Output.ok(true), 10, 50)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        CheckResult oneFails = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 5),
                op(1, Input.cas(1, 1, 2), Output.ok(true), 10, 50),
                op(2, Input.cas(1, 1, 3), Output.casFailed(2), 10, 50),
                op(2, Input.get(1), Output.value(2), 60, 70)));
        assertThat(oneFails.isLinearizable()).isTrue();
    }

    @Test
    void failedCasMustHaveSeenADifferentValue() {
        CheckResult r = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 5),
                op(1, Input.cas(1, 1, 2), Output.casFailed(1), 10, 20)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        CheckResult wrongValue = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 5),
                op(1, Input.cas(1, 7, 2), Output.casFailed(3), 10, 20)));
        assertThat(wrongValue.verdict()).as("a failed CAS must report the value it found")
                .isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void keysAreCheckedIndependently() {
        CheckResult r = check(List.of(
                op(0, Input.put(1, 1), Output.ok(true), 0, 10),
                op(0, Input.put(2, 2), Output.ok(true), 20, 30),
                op(1, Input.get(1), Output.value(1), 40, 50),
                op(1, Input.get(2), Output.value(KvModel.ABSENT), 60, 70)));
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        assertThat(r.partitions()).isEqualTo(2);
        assertThat(r.counterexample()).contains("key k2").doesNotContain("k1");
    }

    @Test
    void counterexampleDropsIrrelevantReads() {
        List<Operation<Input, Output>> history = new ArrayList<>();
        history.add(op(0, Input.put(1, 1), Output.ok(true), 0, 10));
        for (int i = 0; i < 20; i++) {
            history.add(op(1, Input.get(1), Output.value(1), 20 + 10L * i, 25 + 10L * i));
        }
        history.add(op(2, Input.get(1), Output.value(KvModel.ABSENT), 1000, 1010));
        CheckResult r = check(history);
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        assertThat(r.counterexample()).contains("2 of its 22 operations suffice");
    }

    @Test
    void exhaustedBudgetIsUnknownNotAVerdict() {
        List<Operation<Input, Output>> history = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            history.add(op(i, Input.put(1, i + 1), Output.ok(true), 0, 100));
        }
        history.add(op(99, Input.get(1), Output.value(1000), 200, 300));
        CheckResult r = new LinearizabilityChecker(50).check(model, history);
        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.UNKNOWN);
        assertThat(r.counterexample()).contains("budget");
    }

    static LongStream seeds() {
        return LongStream.range(0, 40);
    }

    /**
     * Histories produced by a real atomic register, with each operation's interval drawn around its linearization
     * point, must pass; changing one read to a value never written must fail.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void historiesOfAnAtomicRegisterAreLinearizable(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Operation<Input, Output>> history = new ArrayList<>();
        long[] value = new long[3];
        int getIndex = -1;
        for (int i = 0; i < 120; i++) {
            long point = 100L * i;
            long call = point - rnd.nextLong(0, 400);
            long ret = point + rnd.nextLong(1, 400);
            int key = rnd.nextInt(3);
            int kind = rnd.nextInt(4);
            long fresh = 1000L + i;
            Operation<Input, Output> op;
            if (kind == 0) {
                op = op(i, Input.get(key), Output.value(value[key]), call, ret);
                getIndex = i;
            } else if (kind == 1) {
                value[key] = fresh;
                op = rnd.nextInt(5) == 0 ? Operation.pending(i, Input.put(key, fresh), call)
                        : op(i, Input.put(key, fresh), Output.ok(true), call, ret);
            } else if (kind == 2) {
                long expected = rnd.nextBoolean() ? value[key] : 7;
                boolean ok = value[key] == expected;
                op = op(i, Input.cas(key, expected, fresh), ok ? Output.ok(true) : Output.casFailed(value[key]),
                        call, ret);
                if (ok) {
                    value[key] = fresh;
                }
            } else {
                op = op(i, Input.get(key), Output.value(value[key]), call, ret);
                getIndex = i;
            }
            history.add(op);
        }
        assertThat(check(history).isLinearizable()).as("seed %d", seed).isTrue();
        if (getIndex >= 0) {
            Operation<Input, Output> g = history.get(getIndex);
            history.set(getIndex, op(g.clientId(), g.input(), Output.value(999_999), g.callTime(), g.returnTime()));
            assertThat(check(history).verdict()).as("seed %d with a read of a value never written", seed)
                    .isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        }
    }
}
