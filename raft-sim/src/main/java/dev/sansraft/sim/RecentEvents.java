package dev.sansraft.sim;

import dev.sansraft.core.Message;

/**
 * A ring buffer of the last events a run processed, formatted only when a violation needs them, so that recording
 * costs two array stores per event. Not thread-safe.
 */
final class RecentEvents {

    private final long[] times;
    private final Object[] items;
    private final long tickMicros;
    private long count;

    RecentEvents(int capacity, long tickMicros) {
        this.times = new long[capacity];
        this.items = new Object[capacity];
        this.tickMicros = tickMicros;
    }

    /** Records an event or a note (any object whose description is worth showing). */
    void add(long time, Object item) {
        int i = (int) (count % times.length);
        times[i] = time;
        items[i] = item;
        count++;
    }

    /** The recorded items, oldest first, one per line. */
    String format() {
        StringBuilder sb = new StringBuilder("last events (tick: event):\n");
        long from = Math.max(0, count - times.length);
        for (long k = from; k < count; k++) {
            int i = (int) (k % times.length);
            sb.append(String.format("  %10.3f: ", times[i] / (double) tickMicros)).append(describe(items[i]))
                    .append('\n');
        }
        return sb.toString();
    }

    static String describe(Object item) {
        if (item instanceof SimEvent.Tick) {
            return "tick n" + (((SimEvent.Tick) item).slot() + 1);
        }
        if (item instanceof SimEvent.Deliver) {
            return "deliver " + describe(((SimEvent.Deliver) item).message());
        }
        if (item instanceof SimEvent.DiskSynced) {
            SimEvent.DiskSynced d = (SimEvent.DiskSynced) item;
            return "disk synced n" + (d.slot() + 1) + " up to write #" + d.writeSeq();
        }
        return String.valueOf(item);
    }

    static String describe(Message m) {
        String head = m.getClass().getSimpleName() + " " + m.from() + "->" + m.to() + " t" + m.term();
        if (m instanceof Message.AppendRequest) {
            Message.AppendRequest a = (Message.AppendRequest) m;
            String range = a.entries().isEmpty() ? "heartbeat"
                    : "entries " + (a.prevLogIndex() + 1) + ".." + a.lastIndex() + " (last term "
                    + a.entries().get(a.entries().size() - 1).term() + ")";
            return head + " prev " + a.prevLogIndex() + "@" + a.prevLogTerm() + " " + range + " commit "
                    + a.leaderCommit() + " round " + a.round() + (a.roundAwaited() ? " (awaited)" : "");
        }
        if (m instanceof Message.AppendResponse) {
            Message.AppendResponse r = (Message.AppendResponse) m;
            return head + (r.success() ? " ok match " + r.matchIndex()
                    : " reject " + r.rejectedIndex() + " hint " + r.conflictIndex() + "@" + r.conflictTerm())
                    + " round " + r.round();
        }
        if (m instanceof Message.VoteRequest) {
            Message.VoteRequest v = (Message.VoteRequest) m;
            return head + (v.preVote() ? " pre-vote" : "") + " last " + v.lastLogIndex() + "@" + v.lastLogTerm();
        }
        if (m instanceof Message.VoteResponse) {
            Message.VoteResponse v = (Message.VoteResponse) m;
            return head + (v.preVote() ? " pre-vote" : "") + (v.voteGranted() ? " granted" : " denied");
        }
        return m.toString();
    }
}
