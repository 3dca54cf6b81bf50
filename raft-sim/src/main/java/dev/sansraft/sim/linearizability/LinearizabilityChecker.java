package dev.sansraft.sim.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a history of concurrent operations is linearizable with respect to a sequential {@link Model}.
 *
 * <p>The search is Wing &amp; Gong's backtracking over the operations that may take effect next, with Lowe's
 * refinement: the history is kept as a time-ordered list of call and return events; an operation is linearized by
 * lifting its call and return out of the list, and the search backtracks as soon as it meets the return of an
 * operation it has not linearized yet. Every (set of linearized operations, state) pair reached is remembered, so
 * no configuration is explored twice. Indeterminate operations return after every other event, so they may be
 * linearized anywhere after their call, including at the very end, which is the same as never.
 *
 * <p>When a partition is not linearizable the checker builds a small counterexample: it drops read-only operations
 * one at a time while the rest stays non-linearizable (sound, because removing an operation that cannot change the
 * state never breaks a valid linearization), then prints what is left with the longest prefix it could linearize.
 *
 * <p>Stateless apart from its budget; thread-safe.
 */
public final class LinearizabilityChecker {

    /** The default per-partition search budget, in steps. */
    public static final long DEFAULT_MAX_STEPS = 2_000_000L;

    private static final int MINIMIZE_LIMIT = 300;
    private static final int PRINT_LIMIT = 40;

    private final long maxStepsPerPartition;

    /**
     * A checker that gives up on a partition after {@code maxStepsPerPartition} search steps.
     *
     * @param maxStepsPerPartition the per-partition budget, at least 1
     */
    public LinearizabilityChecker(long maxStepsPerPartition) {
        if (maxStepsPerPartition < 1) {
            throw new IllegalArgumentException("maxStepsPerPartition must be >= 1, got " + maxStepsPerPartition);
        }
        this.maxStepsPerPartition = maxStepsPerPartition;
    }

    /** A checker with the {@link #DEFAULT_MAX_STEPS} budget. */
    public LinearizabilityChecker() {
        this(DEFAULT_MAX_STEPS);
    }

    /**
     * Checks {@code history}, partition by partition; stops at the first partition that is not linearizable.
     *
     * @param model the sequential specification
     * @param history every operation of the run, pending ones included
     * @param <S> the model's state type
     * @param <I> the operations' input type
     * @param <O> the operations' output type
     * @return the verdict, with a counterexample when not linearizable
     */
    public <S, I, O> CheckResult check(Model<S, I, O> model, List<Operation<I, O>> history) {
        List<List<Operation<I, O>>> partitions = model.partition(history);
        long steps = 0;
        String unknown = "";
        for (List<Operation<I, O>> part : partitions) {
            Search<S, I, O> search = new Search<>(model, part, maxStepsPerPartition);
            Outcome outcome = search.run();
            steps += search.steps;
            if (outcome == Outcome.NO) {
                String counterexample = explain(model, part);
                return new CheckResult(CheckResult.Verdict.NOT_LINEARIZABLE, partitions.size(), history.size(), steps,
                        counterexample);
            }
            if (outcome == Outcome.OUT_OF_BUDGET && unknown.isEmpty()) {
                unknown = model.describePartition(part) + ": search budget of " + maxStepsPerPartition
                        + " steps exhausted over " + part.size() + " operations";
            }
        }
        CheckResult.Verdict verdict = unknown.isEmpty() ? CheckResult.Verdict.LINEARIZABLE
                : CheckResult.Verdict.UNKNOWN;
        return new CheckResult(verdict, partitions.size(), history.size(), steps, unknown);
    }

    private <S, I, O> String explain(Model<S, I, O> model, List<Operation<I, O>> part) {
        List<Operation<I, O>> ops = new ArrayList<>(part);
        if (ops.size() <= MINIMIZE_LIMIT) {
            for (int i = ops.size() - 1; i >= 0; i--) {
                Operation<I, O> op = ops.get(i);
                if (op.isPending() || !model.isReadOnly(op.input(), op.output())) {
                    continue;
                }
                ops.remove(i);
                if (new Search<>(model, ops, maxStepsPerPartition).run() != Outcome.NO) {
                    ops.add(i, op);
                }
            }
        }
        Search<S, I, O> search = new Search<>(model, ops, maxStepsPerPartition);
        search.run();
        ops.sort(Comparator.comparingLong(Operation<I, O>::callTime).thenComparingLong(Operation::returnTime));
        StringBuilder sb = new StringBuilder();
        sb.append(model.describePartition(part)).append(" is not linearizable; ").append(ops.size())
                .append(" of its ").append(part.size()).append(" operations suffice:\n");
        for (int i = 0; i < ops.size() && i < PRINT_LIMIT; i++) {
            sb.append("  ").append(ops.get(i)).append('\n');
        }
        if (ops.size() > PRINT_LIMIT) {
            sb.append("  ... ").append(ops.size() - PRINT_LIMIT).append(" more\n");
        }
        sb.append("  longest linearizable prefix found (").append(search.best.size()).append(" ops): ");
        for (int i = 0; i < search.best.size() && i < PRINT_LIMIT; i++) {
            sb.append(i == 0 ? "" : " ; ").append(search.ops.get(search.best.get(i)).input());
        }
        sb.append('\n');
        return sb.toString();
    }

    private enum Outcome { YES, NO, OUT_OF_BUDGET }

    /** One call or return in the doubly linked history list. */
    private static final class Node {
        final int id;
        final boolean isCall;
        final long time;
        Node match;
        Node prev;
        Node next;

        Node(int id, boolean isCall, long time) {
            this.id = id;
            this.isCall = isCall;
            this.time = time;
        }
    }

    private record CacheKey(BitSet linearized, Object state) {
    }

    private record Frame(Node call, Object stateBefore) {
    }

    /** One search over one partition. Not thread-safe; used once. */
    private static final class Search<S, I, O> {
        final Model<S, I, O> model;
        final List<Operation<I, O>> ops;
        final long budget;
        final Node head = new Node(-1, false, Long.MIN_VALUE);
        long steps;
        List<Integer> best = List.of();

        Search(Model<S, I, O> model, List<Operation<I, O>> ops, long budget) {
            this.model = model;
            this.ops = ops;
            this.budget = budget;
            List<Node> events = new ArrayList<>(ops.size() * 2);
            for (int i = 0; i < ops.size(); i++) {
                Operation<I, O> op = ops.get(i);
                Node call = new Node(i, true, op.callTime());
                Node ret = new Node(i, false, op.returnTime());
                call.match = ret;
                events.add(call);
                events.add(ret);
            }
            // Ties put calls first: two operations that touch the same instant are treated as concurrent, the
            // permissive reading of an ambiguous timestamp.
            events.sort(Comparator.comparingLong((Node n) -> n.time).thenComparing(n -> !n.isCall)
                    .thenComparingInt(n -> n.id));
            Node prev = head;
            for (Node n : events) {
                prev.next = n;
                n.prev = prev;
                prev = n;
            }
        }

        @SuppressWarnings("unchecked")
        Outcome run() {
            S state = model.init();
            BitSet linearized = new BitSet(ops.size());
            Set<CacheKey> cache = new HashSet<>();
            List<Frame> stack = new ArrayList<>();
            Node entry = head.next;
            while (head.next != null) {
                if (++steps > budget) {
                    return Outcome.OUT_OF_BUDGET;
                }
                if (entry.isCall) {
                    Operation<I, O> op = ops.get(entry.id);
                    S next = model.step(state, op.input(), op.isPending() ? null : op.output());
                    if (next != null) {
                        BitSet candidate = (BitSet) linearized.clone();
                        candidate.set(entry.id);
                        if (cache.add(new CacheKey(candidate, next))) {
                            stack.add(new Frame(entry, state));
                            state = next;
                            linearized = candidate;
                            lift(entry);
                            if (stack.size() > best.size()) {
                                List<Integer> ids = new ArrayList<>(stack.size());
                                for (Frame f : stack) {
                                    ids.add(f.call.id);
                                }
                                best = ids;
                            }
                            entry = head.next;
                            continue;
                        }
                    }
                    entry = entry.next;
                } else {
                    // The return of an operation not yet linearized: it must have taken effect earlier. Backtrack.
                    if (stack.isEmpty()) {
                        return Outcome.NO;
                    }
                    Frame top = stack.remove(stack.size() - 1);
                    state = (S) top.stateBefore;
                    linearized = (BitSet) linearized.clone();
                    linearized.clear(top.call.id);
                    unlift(top.call);
                    entry = top.call.next;
                }
            }
            return Outcome.YES;
        }

        private static void lift(Node call) {
            call.prev.next = call.next;
            call.next.prev = call.prev;
            Node ret = call.match;
            ret.prev.next = ret.next;
            if (ret.next != null) {
                ret.next.prev = ret.prev;
            }
        }

        private static void unlift(Node call) {
            Node ret = call.match;
            ret.prev.next = ret;
            if (ret.next != null) {
                ret.next.prev = ret;
            }
            call.prev.next = call;
            call.next.prev = call;
        }
    }
}
