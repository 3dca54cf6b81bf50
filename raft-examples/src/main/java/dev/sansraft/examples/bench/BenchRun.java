package dev.sansraft.examples.bench;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * One closed-loop load run: {@code concurrency} threads, each with its own connection and histogram, send one
 * request at a time until the end time. Requests sent during the warm-up are not counted; a request counts in the
 * window it started in. A 307 (leadership moved) is counted as a failed request and the worker follows it.
 *
 * <p>Single use; {@link #run()} blocks until the run ends. Not thread-safe: one caller runs it, and each worker
 * thread touches only its own state until the run ends.
 */
final class BenchRun {
    private final BenchConfig config;
    private final URI leader;
    private final BenchAccess access;
    private final String[] putPaths;
    private final String[] getPaths;
    private final byte[] value;

    BenchRun(BenchConfig config, URI leader) {
        this(config, leader, BenchAccess.PLAIN);
    }

    BenchRun(BenchConfig config, URI leader, BenchAccess access) {
        this.access = access;
        this.config = config;
        this.leader = leader;
        this.putPaths = new String[config.keys()];
        this.getPaths = new String[config.keys()];
        for (int i = 0; i < config.keys(); i++) {
            putPaths[i] = "/kv/bench-" + i;
            getPaths[i] = putPaths[i] + "?consistency=" + config.consistency();
        }
        this.value = new byte[config.valueSize()];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + random.nextInt(26));
        }
    }

    BenchResult run() throws InterruptedException {
        int n = config.concurrency();
        CountDownLatch prefilled = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            workers.add(new Worker(i, prefilled, done));
        }
        long[] window = new long[2];
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            Thread t = new Thread(() -> w.run(window), "bench-" + w.number);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        prefilled.await();
        done.await();
        BenchResult result = new BenchResult(config.duration());
        workers.forEach(w -> result.add(w.histogram, w.statuses, w.ioErrors));
        return result;
    }

    /**
     * The node a 307's {@code Location} points at, as a base URL. It keeps the Location's scheme: an HTTPS cluster
     * redirects to {@code https://}, and plain HTTP to its port would fail on every retry for the rest of the run.
     */
    static URI redirectTarget(URI location) {
        return URI.create(location.getScheme() + "://" + location.getHost() + ":" + location.getPort());
    }

    private final class Worker {
        final int number;
        final CountDownLatch prefilled;
        final CountDownLatch done;
        final LatencyHistogram histogram = new LatencyHistogram();
        final TreeMap<Integer, Long> statuses = new TreeMap<>();
        long ioErrors;
        HttpConnection connection;
        /** Where this worker sends: the leader found at the start, then wherever a 307 points. */
        URI target = leader;
        /** Where this worker's GETs go when {@code --read-from} names nodes, or null: to {@link #target}. */
        final URI readTarget;
        /** The connection to {@link #readTarget}, or null. */
        HttpConnection readConnection;

        Worker(int number, CountDownLatch prefilled, CountDownLatch done) {
            this.number = number;
            this.prefilled = prefilled;
            this.done = done;
            this.readTarget = config.readFrom().isEmpty() ? null
                    : config.readFrom().get(number % config.readFrom().size());
        }

        void run(long[] window) {
            try {
                if (config.readFraction() > 0) {
                    for (int k = number; k < config.keys(); k += config.concurrency()) {
                        request("PUT", putPaths[k], value);
                    }
                }
                prefilled.countDown();
                prefilled.await();
                // Every worker computes the same window from the moment the last one finished its prefill.
                long measureFrom;
                long end;
                synchronized (window) {
                    if (window[0] == 0) {
                        window[0] = System.nanoTime() + config.warmup().toNanos();
                        window[1] = window[0] + config.duration().toNanos();
                    }
                    measureFrom = window[0];
                    end = window[1];
                }
                SplittableRandom random = new SplittableRandom(number * 7919L + 1);
                while (true) {
                    long start = System.nanoTime();
                    if (start >= end) {
                        break;
                    }
                    int k = random.nextInt(config.keys());
                    boolean read = config.readFraction() > 0 && random.nextDouble() < config.readFraction();
                    int status = !read ? request("PUT", putPaths[k], value)
                            : readTarget != null ? readAt(getPaths[k]) : request("GET", getPaths[k], null);
                    long finished = System.nanoTime();
                    if (start >= measureFrom) {
                        statuses.merge(status, 1L, Long::sum);
                        if (status == 200 || status == 404) {
                            histogram.record(finished - start);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeConnection();
                closeReadConnection();
                prefilled.countDown();
                done.countDown();
            }
        }

        /**
         * Sends one request, reconnecting after an I/O error and moving to the new leader after a 307; returns the
         * status, or -1 on an I/O error.
         */
        private int request(String method, String path, byte[] body) {
            try {
                if (connection == null) {
                    connection = new HttpConnection(target, 10_000, access);
                }
                HttpConnection.Response r = connection.send(method, path, body);
                if (r.status() == 307 && r.location() != null) {
                    target = redirectTarget(URI.create(r.location()));
                    closeConnection();
                }
                return r.status();
            } catch (IOException | IllegalArgumentException e) {
                ioErrors++;
                closeConnection();
                LockSupport.parkNanos(10_000_000L);
                return -1;
            }
        }

        /**
         * Sends one GET to this worker's read node, reconnecting after an I/O error; returns the status (a 307 is
         * counted, not followed: the run measures that node), or -1 on an I/O error.
         */
        private int readAt(String path) {
            try {
                if (readConnection == null) {
                    readConnection = new HttpConnection(readTarget, 10_000, access);
                }
                return readConnection.send("GET", path, null).status();
            } catch (IOException | IllegalArgumentException e) {
                ioErrors++;
                closeReadConnection();
                LockSupport.parkNanos(10_000_000L);
                return -1;
            }
        }

        private void closeReadConnection() {
            if (readConnection != null) {
                try {
                    readConnection.close();
                } catch (IOException e) {
                    ioErrors++;
                }
                readConnection = null;
            }
        }

        private void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException e) {
                    ioErrors++;
                }
                connection = null;
            }
        }
    }
}
