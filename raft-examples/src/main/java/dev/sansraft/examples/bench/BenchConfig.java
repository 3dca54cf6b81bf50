package dev.sansraft.examples.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What one bench run does. Immutable.
 *
 * @param target       any node's base URL
 * @param concurrency  connections, one request in flight on each
 * @param duration     measured time
 * @param warmup       unmeasured load before it
 * @param valueSize    bytes per written value
 * @param readFraction share of GETs among requests, 0 to 1
 * @param consistency  the GETs' {@code consistency} parameter
 * @param keys         distinct keys used
 * @param readFrom     the nodes the GETs go to, connection {@code i} to node {@code i % size}; empty: the leader
 */
record BenchConfig(URI target, int concurrency, Duration duration, Duration warmup, int valueSize,
                   double readFraction, String consistency, int keys, List<URI> readFrom) {
    BenchConfig {
        readFrom = List.copyOf(readFrom);
    }
}
