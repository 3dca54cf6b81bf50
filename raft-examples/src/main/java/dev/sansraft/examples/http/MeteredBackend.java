package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link KvBackend} that adds the server's own HTTP request histograms to the node's metrics text, so
 * {@code GET /metrics} shows both. Every other call goes straight to the wrapped backend.
 *
 * <p>Thread-safe if the wrapped backend is.
 */
final class MeteredBackend implements KvBackend {
    private final KvBackend backend;
    private final HttpRequestMetrics httpMetrics;

    MeteredBackend(KvBackend backend, HttpRequestMetrics httpMetrics) {
        this.backend = backend;
        this.httpMetrics = httpMetrics;
    }

    @Override
    public CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session) {
        return backend.put(key, value, session);
    }

    @Override
    public CompletableFuture<Deleted> delete(byte[] key, ClientSession session) {
        return backend.delete(key, session);
    }

    @Override
    public CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value,
                                                    ClientSession session) {
        return backend.compareAndSet(key, expected, value, session);
    }

    @Override
    public CompletableFuture<ReadResult> get(byte[] key, ReadLevel level) {
        return backend.get(key, level);
    }

    @Override
    public RaftStatus status() {
        return backend.status();
    }

    @Override
    public String metricsText() {
        return backend.metricsText() + httpMetrics.toPrometheus(backend.status().id());
    }
}
