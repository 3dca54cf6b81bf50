package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link KvBackend} that adds the server's own HTTP request histograms to the node's metrics text, so
 * {@code GET /metrics} shows both. Every other call goes straight to the wrapped backend: a method added to
 * {@link KvBackend} must be delegated here too, or its default would hide the real backend's (checked by
 * {@code MeteredBackendTest}).
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
    public Members members() {
        return backend.members();
    }

    @Override
    public CompletableFuture<Members> addLearner(long id, String endpoint) {
        return backend.addLearner(id, endpoint);
    }

    @Override
    public CompletableFuture<Members> promote(long id) {
        return backend.promote(id);
    }

    @Override
    public CompletableFuture<Members> remove(long id) {
        return backend.remove(id);
    }

    @Override
    public CompletableFuture<Long> transferLeadership(long id) {
        return backend.transferLeadership(id);
    }

    @Override
    public String httpUrlOf(long id) {
        return backend.httpUrlOf(id);
    }

    @Override
    public String metricsText() {
        return backend.metricsText() + httpMetrics.toPrometheus(backend.status().id());
    }
}
