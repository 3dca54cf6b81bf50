package dev.sansraft.kv.bench;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.kv.Consistency;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.kv.KvStore;
import dev.sansraft.node.InMemoryLogStore;
import dev.sansraft.node.InMemoryNetwork;
import dev.sansraft.node.RaftNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end throughput of {@link KvStore} over three in-process nodes (in-memory log and network, so no disk or
 * socket cost): how many session puts and gets (linearizable, lease, stale, through the log) per second one store
 * sustains with a fixed number of requests outstanding. Only successful operations count; the store follows leader
 * changes. Usage: {@code KvStoreThroughput [concurrency=64] [seconds=5] [valueBytes=100]
 * [operations=put,get,get-lease,get-stale,get-log]}; also {@code put-nosession} and {@code put-empty}. The in-memory
 * logs keep every entry, so run write variants in separate processes to compare them.
 */
public final class KvStoreThroughput {

    private KvStoreThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        String ops = args.length > 3 ? args[3] : "put,get,get-lease,get-stale,get-log";
        List<Long> members = List.of(1L, 2L, 3L);
        List<RaftNode> nodes = new ArrayList<>();
        try (InMemoryNetwork network = InMemoryNetwork.create()) {
            for (long id : members) {
                nodes.add(RaftNode.builder().id(id).members(members)
                        .config(RaftConfig.builder().randomSeed(id).build()).logStore(new InMemoryLogStore())
                        .transport(network.transport(id)).stateMachine(KvStateMachine.create())
                        .tickInterval(Duration.ofMillis(50)).build());
            }
            nodes.forEach(RaftNode::start);
            RaftNode leader = null;
            while (leader == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElse(null);
            }
            try (KvStore kv = KvStore.builder().node(leader).failoverNodes(nodes).build();
                 KvStore plain = KvStore.builder().node(leader).failoverNodes(nodes).sessions(false).build()) {
                byte[] value = new byte[valueBytes];
                byte[] empty = new byte[0];
                for (String op : ops.split(",")) {
                    switch (op) {
                        case "put":
                            run("put", concurrency, seconds, i -> kv.put(key(i), value));
                            break;
                        case "put-nosession":
                            run("put, no session", concurrency, seconds, i -> plain.put(key(i), value));
                            break;
                        case "put-empty":
                            run("put, empty value", concurrency, seconds, i -> kv.put(key(i), empty));
                            break;
                        case "get":
                            run("get linearizable", concurrency, seconds, i -> kv.get(key(i)));
                            break;
                        case "get-lease":
                            run("get lease", concurrency, seconds, i -> kv.get(key(i), Consistency.LEASE));
                            break;
                        case "get-stale":
                            run("get stale", concurrency, seconds, i -> kv.get(key(i), Consistency.STALE));
                            break;
                        case "get-log":
                            run("get through log", concurrency, seconds, i -> kv.getThroughLog(key(i)));
                            break;
                        default:
                            throw new IllegalArgumentException("unknown operation " + op);
                    }
                }
            } finally {
                nodes.forEach(RaftNode::close);
            }
        }
    }

    private static byte[] key(long i) {
        return ("key-" + (i % 100_000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private interface Op {
        CompletableFuture<?> start(long i);
    }

    private static void run(String name, int concurrency, int seconds, Op op) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong failedBefore = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        long counted = 0;
        long i = 0;
        boolean measuring = false;
        while (System.nanoTime() < end) {
            if (!measuring && System.nanoTime() >= warmupEnd) {
                measuring = true;
                counted = done.get();
                failedBefore.set(failed.get());
            }
            slots.acquire();
            op.start(i++).whenComplete((r, e) -> {
                if (e != null && failed.incrementAndGet() == 1) {
                    System.out.println(name + ": first failure: " + e);
                }
                done.incrementAndGet();
                slots.release();
            });
        }
        slots.acquire(concurrency);
        long failures = failed.get() - failedBefore.get();
        long ops = done.get() - counted - failures;
        System.out.printf("%-20s concurrency %3d: %,10.0f successful ops/s (%d failed)%n", name, concurrency,
                ops / (double) seconds, failures);
    }
}
