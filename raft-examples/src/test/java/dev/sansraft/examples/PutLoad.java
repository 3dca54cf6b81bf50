package dev.sansraft.examples;

import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvResult;
import dev.sansraft.kv.PutResult;
import dev.sansraft.node.RaftNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Many small puts proposed straight to an in-process leader's {@link RaftNode}, a bounded window of them in flight at
 * once, so that a test can push 10^5 writes through a real cluster in seconds. Put {@code i} writes key
 * {@link #key}{@code (i)} = {@link #value}{@code (i)}; a put that fails (leader change, overload) is proposed again on
 * whichever node leads then, which is harmless because the same put twice leaves the same state. Not thread-safe.
 */
public final class PutLoad {
    private static final KvCommandCodec CODEC = KvCommandCodec.withDefaultLimits();

    private final Supplier<RaftNode> leader;
    private final int keySpace;
    private final int window;
    private final Duration timeout;

    /**
     * @param leader   finds the current leader (may wait for one)
     * @param keySpace put {@code i} writes key {@code i % keySpace}, which bounds the state's size
     * @param window   proposals in flight at once
     */
    public PutLoad(Supplier<RaftNode> leader, int keySpace, int window, Duration timeout) {
        this.leader = leader;
        this.keySpace = keySpace;
        this.window = window;
        this.timeout = timeout;
    }

    public String key(long i) {
        return "key-" + (i % keySpace);
    }

    public static String value(long i) {
        return "value-" + i + "-abcdefghijklmnopqrstuvwxyz";
    }

    /** The encoded command of put {@code i}, as it is stored in the log. */
    public byte[] command(long i) {
        return CODEC.encode(new KvCommand.Put(null, Bytes.copyOf(key(i).getBytes(StandardCharsets.UTF_8)),
                Bytes.copyOf(value(i).getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Proposes puts {@code from .. to-1} until every one has been acknowledged.
     *
     * @param progress called with the number of acknowledged puts every {@code window} proposals (may be null)
     * @return the highest log index of an acknowledged put
     */
    public long write(long from, long to, LongConsumer progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicLong highestIndex = new AtomicLong();
        AtomicLong acknowledged = new AtomicLong();
        Queue<Long> pending = new ArrayDeque<>();
        for (long i = from; i < to; i++) {
            pending.add(i);
        }
        Semaphore slots = new Semaphore(window);
        Queue<Long> failed = new ConcurrentLinkedQueue<>();
        long sent = 0;
        while (true) {
            RaftNode node = leader.get();
            Long next;
            while ((next = pending.poll()) != null) {
                acquire(slots, 1, deadline);
                long i = next;
                node.propose(command(i)).whenComplete((bytes, failure) -> {
                    if (failure == null) {
                        KvResult r = CODEC.decodeResult(bytes);
                        if (r instanceof PutResult p) {
                            highestIndex.accumulateAndGet(p.index(), Math::max);
                            acknowledged.incrementAndGet();
                        } else {
                            failed.add(i);
                        }
                    } else {
                        failed.add(i);
                    }
                    slots.release();
                });
                if (progress != null && ++sent % window == 0) {
                    progress.accept(acknowledged.get());
                }
            }
            acquire(slots, window, deadline);
            slots.release(window);
            if (failed.isEmpty()) {
                return highestIndex.get();
            }
            // Leadership moved or the leader was overloaded: retry the failed puts on whoever leads now.
            for (Long i; (i = failed.poll()) != null; ) {
                pending.add(i);
            }
        }
    }

    private void acquire(Semaphore slots, int permits, long deadline) {
        try {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(permits, left, TimeUnit.NANOSECONDS)) {
                throw new AssertionError("puts still unacknowledged after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while writing", e);
        }
    }
}
