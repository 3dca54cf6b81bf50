package dev.sansraft.examples.server;

import dev.sansraft.transport.tcp.TlsConfigException;
import dev.sansraft.transport.tcp.TransportTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Certificate rotation without a restart for the {@code server} command: every interval it asks the node's
 * {@link TransportTls} to reload its PEM files ({@code --tls-cert}, {@code --tls-key}, {@code --tls-ca}) if their
 * content changed. The raft transport and the HTTPS server both draw from that one {@code TransportTls} (HTTPS through
 * {@link TransportTls#followingContext()}), so new connections on both ports use the new certificate; established
 * ones keep theirs until they reconnect. Files replaced in place or by a rename are both seen, since the content is
 * compared. Content that cannot be used (a half-written key, a certificate for another node) is logged once and the
 * current certificate stays.
 *
 * <p>Thread-safe: one daemon thread polls; {@link #close()} stops it and is idempotent.
 */
final class CertificatePoll implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificatePoll.class);

    private final long nodeId;
    private final TransportTls tls;
    private final ScheduledExecutorService timer;

    private CertificatePoll(long nodeId, TransportTls tls, ScheduledExecutorService timer) {
        this.nodeId = nodeId;
        this.tls = tls;
        this.timer = timer;
    }

    /**
     * Starts polling.
     *
     * @param nodeId   for the log lines
     * @param tls      settings built from PEM files
     * @param interval time between two looks at the files; positive
     * @return the running poll
     */
    static CertificatePoll start(long nodeId, TransportTls tls, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("TLS reload interval must be positive, got " + interval);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-reload-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        CertificatePoll poll = new CertificatePoll(nodeId, tls, timer);
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(poll::pollOnce, millis, millis, TimeUnit.MILLISECONDS);
        return poll;
    }

    /**
     * Looks at the files once; the timer calls it, and tests call it to avoid waiting for the timer.
     *
     * @return true if new certificates were loaded
     */
    boolean pollOnce() {
        try {
            if (tls.reloadIfChanged()) {
                log.info("node {}: TLS files changed; new connections on the raft and HTTPS ports use the new"
                        + " certificate", nodeId);
                return true;
            }
        } catch (TlsConfigException e) {
            log.warn("node {}: TLS files changed but cannot be used, keeping the current certificate: {}", nodeId,
                    e.getMessage());
        } catch (RuntimeException e) {
            // The timer would silently stop polling on an exception; log it and keep polling.
            log.error("node {}: unexpected failure while reloading TLS files", nodeId, e);
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
