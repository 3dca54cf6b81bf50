package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.kv.ClientId;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory {@link KvBackend} whose leadership the test sets: as leader it serves everything, as follower it
 * fails writes and non-stale reads with {@link NotLeaderFailure}. Exactly-once by (client, sequence). Thread-safe.
 */
final class FakeBackend implements KvBackend {
    final Map<ByteBuffer, byte[]> data = new ConcurrentHashMap<>();
    final Map<ClientId, Object[]> sessions = new ConcurrentHashMap<>();
    final AtomicLong index = new AtomicLong();
    final AtomicLong applied = new AtomicLong();
    volatile long leader = 1;
    volatile boolean overloaded;
    final long self = 1;

    private boolean isLeader() {
        return leader == self;
    }

    private <T> CompletableFuture<T> write(ClientSession session, java.util.function.Supplier<T> op) {
        if (overloaded) {
            return CompletableFuture.failedFuture(new UnavailableFailure("overloaded; retry"));
        }
        if (!isLeader()) {
            return CompletableFuture.failedFuture(new NotLeaderFailure(leader));
        }
        synchronized (this) {
            if (session != null) {
                Object[] saved = sessions.get(session.clientId());
                if (saved != null && (long) saved[0] == session.sequence()) {
                    @SuppressWarnings("unchecked") T again = (T) saved[1];
                    return CompletableFuture.completedFuture(again);
                }
            }
            applied.incrementAndGet();
            T result = op.get();
            if (session != null) {
                sessions.put(session.clientId(), new Object[]{session.sequence(), result});
            }
            return CompletableFuture.completedFuture(result);
        }
    }

    @Override
    public CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session) {
        return write(session, () -> {
            data.put(ByteBuffer.wrap(key), value);
            return new Written(index.incrementAndGet());
        });
    }

    @Override
    public CompletableFuture<Deleted> delete(byte[] key, ClientSession session) {
        return write(session, () -> new Deleted(data.remove(ByteBuffer.wrap(key)) != null,
                index.incrementAndGet()));
    }

    @Override
    public CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value,
                                                    ClientSession session) {
        return write(session, () -> {
            byte[] current = data.get(ByteBuffer.wrap(key));
            long i = index.incrementAndGet();
            if (current == null) {
                return new Swapped(Swapped.Outcome.ABSENT, i);
            }
            if (!Arrays.equals(current, expected)) {
                return new Swapped(Swapped.Outcome.MISMATCH, i);
            }
            data.put(ByteBuffer.wrap(key), value);
            return new Swapped(Swapped.Outcome.SWAPPED, i);
        });
    }

    @Override
    public CompletableFuture<ReadResult> get(byte[] key, ReadLevel level) {
        // As RaftKvBackend: a follower serves linearizable and stale reads, and redirects lease and log reads.
        if ((level == ReadLevel.LEASE || level == ReadLevel.LOG) && !isLeader()) {
            return CompletableFuture.failedFuture(new NotLeaderFailure(leader));
        }
        return CompletableFuture.completedFuture(new ReadResult(data.get(ByteBuffer.wrap(key)), index.get()));
    }

    @Override
    public RaftStatus status() {
        return new RaftStatus(self, isLeader() ? Role.LEADER : Role.FOLLOWER, 4, leader, index.get(), index.get(),
                index.get(), List.of(1L, 2L, 3L), List.of(), 0);
    }

    @Override
    public String metricsText() {
        return "# TYPE sansraft_fake_total counter\nsansraft_fake_total{node=\"1\"} 1\n";
    }
}
