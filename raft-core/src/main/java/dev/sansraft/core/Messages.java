package dev.sansraft.core;

/** Validation shared by the {@link Message} records. */
final class Messages {

    private Messages() {
    }

    static void checkHeader(long from, long to, long term) {
        if (from <= 0 || to <= 0) {
            throw new IllegalArgumentException("node ids must be positive, got from=" + from + " to=" + to);
        }
        if (term < 0) {
            throw new IllegalArgumentException("term must be >= 0, got " + term);
        }
    }
}
