package dev.sansraft.node;

import dev.sansraft.core.LogEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A test state machine: remembers every applied payload as a string, answers "applied:&lt;payload&gt;", throws on the
 * payload "boom", and answers a query with the last applied payload (or "count" with the number applied). The lists
 * are synchronized so that tests may read them once the apply thread has gone quiet.
 */
final class CountingStateMachine implements StateMachine {

    final List<String> applied = Collections.synchronizedList(new ArrayList<>());
    final List<Long> indexes = Collections.synchronizedList(new ArrayList<>());
    private volatile int size;

    @Override
    public byte[] apply(LogEntry entry) {
        String s = new String(entry.payload(), StandardCharsets.UTF_8);
        if (s.equals("boom")) {
            throw new IllegalArgumentException("boom is not a command");
        }
        applied.add(s);
        indexes.add(entry.index());
        size = applied.size();
        return ("applied:" + s).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] request) {
        String q = new String(request, StandardCharsets.UTF_8);
        if (q.equals("count")) {
            return Integer.toString(applied.size()).getBytes(StandardCharsets.UTF_8);
        }
        String last = applied.isEmpty() ? "" : applied.get(applied.size() - 1);
        return last.getBytes(StandardCharsets.UTF_8);
    }

    /** How many entries were applied; readable from any thread. */
    int size() {
        return size;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
