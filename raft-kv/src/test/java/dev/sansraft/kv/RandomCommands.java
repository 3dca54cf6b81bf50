package dev.sansraft.kv;

import java.util.Random;

/** Seeded random commands over a small key space, so that operations collide and every branch is taken. */
final class RandomCommands {

    private final Random random;
    private final int keySpace;
    private final int maxValueBytes;
    private final long[] clients;
    private final long[] nextSequence;

    RandomCommands(long seed, int keySpace, int maxValueBytes, int clientCount) {
        this.random = new Random(seed);
        this.keySpace = keySpace;
        this.maxValueBytes = maxValueBytes;
        this.clients = new long[clientCount];
        this.nextSequence = new long[clientCount];
        for (int i = 0; i < clientCount; i++) {
            clients[i] = random.nextLong();
            nextSequence[i] = 1;
        }
    }

    Random random() {
        return random;
    }

    Bytes key() {
        return Bytes.ofUtf8("k" + random.nextInt(keySpace));
    }

    Bytes value() {
        int n = random.nextInt(8) == 0 ? 0 : random.nextInt(maxValueBytes + 1);
        byte[] b = new byte[n];
        random.nextBytes(b);
        return Bytes.copyOf(b);
    }

    /** A session tag, sometimes a retry of an earlier sequence, sometimes absent. */
    SessionTag session() {
        if (clients.length == 0 || random.nextInt(4) == 0) {
            return null;
        }
        int c = random.nextInt(clients.length);
        long seq;
        if (nextSequence[c] > 1 && random.nextInt(5) == 0) {
            seq = 1 + (long) random.nextInt((int) Math.min(nextSequence[c] - 1, 1000)) + Math.max(0,
                    nextSequence[c] - 1001); // a retry of a recent sequence
        } else {
            seq = nextSequence[c]++;
        }
        long lowest = Math.max(1, seq - random.nextInt(4));
        return new SessionTag(clients[c], seq, lowest);
    }

    KvCommand command() {
        SessionTag session = session();
        switch (random.nextInt(7)) {
            case 0:
            case 1:
            case 2:
                return new KvCommand.Put(session, key(), value());
            case 3:
                return new KvCommand.Delete(session, key());
            case 4:
            case 5:
                return new KvCommand.CompareAndSet(session, key(), value(), value());
            default:
                return new KvCommand.Get(session, key());
        }
    }
}
