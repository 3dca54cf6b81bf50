package dev.sansraft.sim.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequential specification of a key-value store of {@code long} values with get, put and compare-and-set.
 * Keys are independent, so histories are partitioned per key and each key is a register. An absent key reads as
 * {@link #ABSENT}.
 *
 * <p>Stateless; thread-safe.
 */
public final class KvModel implements Model<Long, KvModel.Input, KvModel.Output> {

    /** The value of a key never written. */
    public static final long ABSENT = 0;

    /** The operation kinds. */
    public enum Kind {
        /** Reads a key. */
        GET,
        /** Writes a key. */
        PUT,
        /** Writes a key only if it holds an expected value. */
        CAS
    }

    /**
     * A request.
     *
     * @param kind     the operation
     * @param key      the key
     * @param value    the value written by PUT, or the new value of CAS
     * @param expected the value CAS compares against
     */
    public record Input(Kind kind, int key, long value, long expected) {

        /**
         * {@return a GET of {@code key}}
         *
         * @param key the key to read
         */
        public static Input get(int key) {
            return new Input(Kind.GET, key, 0, 0);
        }

        /**
         * {@return a PUT of {@code value} under {@code key}}
         *
         * @param key the key to write
         * @param value the value to write
         */
        public static Input put(int key, long value) {
            return new Input(Kind.PUT, key, value, 0);
        }

        /**
         * {@return a CAS of {@code key} from {@code expected} to {@code value}}
         *
         * @param key the key to compare and set
         * @param expected the value the key must hold
         * @param value the new value
         */
        public static Input cas(int key, long expected, long value) {
            return new Input(Kind.CAS, key, value, expected);
        }

        @Override
        public String toString() {
            switch (kind) {
                case GET: return "get(k" + key + ")";
                case PUT: return "put(k" + key + ", " + value + ")";
                default: return "cas(k" + key + ", " + expected + " -> " + value + ")";
            }
        }
    }

    /**
     * A response: the value read by GET; for CAS whether it succeeded and, when it failed, the value it found instead
     * (as etcd's transactions report it), which makes a failed CAS as informative as a read. PUT responses carry
     * nothing of interest.
     *
     * @param value the value read, or for a failed CAS the value found instead
     * @param ok false only for a CAS that failed
     */
    public record Output(long value, boolean ok) {

        /**
         * {@return a successful read of {@code value}}
         *
         * @param value the value read
         */
        public static Output value(long value) {
            return new Output(value, true);
        }

        /**
         * {@return a response carrying only success or failure, such as a PUT's or a successful CAS's}
         *
         * @param ok whether the operation succeeded
         */
        public static Output ok(boolean ok) {
            return new Output(0, ok);
        }

        /**
         * A CAS that failed because the key held {@code current}.
         *
         * @param current the value the key held
         * @return the response
         */
        public static Output casFailed(long current) {
            return new Output(current, false);
        }

        @Override
        public String toString() {
            return ok ? (value != 0 ? Long.toString(value) : "ok") : "failed, found " + value;
        }
    }

    @Override
    public Long init() {
        return ABSENT;
    }

    @Override
    public Long step(Long state, Input in, Output out) {
        long s = state;
        switch (in.kind()) {
            case GET:
                return out == null || out.value() == s ? state : null;
            case PUT:
                return in.value();
            case CAS:
                // A CAS's outcome is determined by the state it meets, so even an indeterminate one is deterministic.
                boolean matches = s == in.expected();
                if (out != null && (out.ok() != matches || (!out.ok() && out.value() != s))) {
                    return null;
                }
                return matches ? in.value() : state;
            default:
                throw new IllegalArgumentException("unknown kind " + in.kind());
        }
    }

    /**
     * One partition per key, in key order, each without its <em>invisible</em> indeterminate writes.
     *
     * <p>Indeterminate GETs are dropped (they changed nothing). An indeterminate PUT or CAS whose value no completed
     * operation observed (no GET returned it, no failed CAS found it, no successful CAS expected it) is dropped too:
     * if the history is linearizable with it, the write was linearized either last or right before another PUT
     * (anything else in between would have observed its value), so the history without it is linearizable too; and
     * conversely a linearization without it stays valid with the write placed at the very end. Dropping them
     * matters: each one may or may not have happened at any point, which otherwise doubles the search space per
     * write.
     */
    @Override
    public List<List<Operation<Input, Output>>> partition(List<Operation<Input, Output>> history) {
        Map<Integer, List<Operation<Input, Output>>> byKey = new TreeMap<>();
        for (Operation<Input, Output> op : history) {
            byKey.computeIfAbsent(op.input().key(), k -> new ArrayList<>()).add(op);
        }
        List<List<Operation<Input, Output>>> parts = new ArrayList<>();
        for (List<Operation<Input, Output>> ops : byKey.values()) {
            parts.add(withoutInvisibleWrites(ops));
        }
        return parts;
    }

    private static List<Operation<Input, Output>> withoutInvisibleWrites(List<Operation<Input, Output>> ops) {
        java.util.Set<Long> observed = new java.util.HashSet<>();
        for (Operation<Input, Output> op : ops) {
            if (op.isPending()) {
                continue;
            }
            if (op.input().kind() == Kind.GET) {
                observed.add(op.output().value());
            } else if (op.input().kind() == Kind.CAS) {
                observed.add(op.output().ok() ? op.input().expected() : op.output().value());
            }
        }
        List<Operation<Input, Output>> kept = new ArrayList<>(ops.size());
        for (Operation<Input, Output> op : ops) {
            boolean invisible = op.isPending()
                    && (op.input().kind() == Kind.GET || !observed.contains(op.input().value()));
            if (!invisible) {
                kept.add(op);
            }
        }
        return kept;
    }

    @Override
    public boolean isReadOnly(Input in, Output out) {
        return in.kind() == Kind.GET || (in.kind() == Kind.CAS && out != null && !out.ok());
    }

    @Override
    public String describePartition(List<Operation<Input, Output>> partition) {
        return partition.isEmpty() ? "empty partition" : "key k" + partition.get(0).input().key();
    }
}
