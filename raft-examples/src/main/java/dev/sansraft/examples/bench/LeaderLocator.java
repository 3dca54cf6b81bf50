package dev.sansraft.examples.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds the leader's base URL by writing a probe key and following 307 redirects, waiting out 503s (election in
 * progress) until a deadline. Stateless.
 */
final class LeaderLocator {
    static final String PROBE_PATH = "/kv/bench-probe";

    private LeaderLocator() {
    }

    static URI find(URI start, Duration timeout) throws TimeoutException, InterruptedException {
        return find(start, timeout, BenchAccess.PLAIN);
    }

    static URI find(URI start, Duration timeout, BenchAccess access) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI current = start;
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while looking for the leader");
            }
            try (HttpConnection c = new HttpConnection(current, 5000, access)) {
                HttpConnection.Response r = c.send("PUT", PROBE_PATH, new byte[]{'1'});
                if (r.status() == 200) {
                    return current;
                }
                last = current + " answered " + r.status() + " " + r.bodyText().trim();
                if (r.status() == 307 && r.location() != null) {
                    URI loc = new URI(r.location());
                    current = new URI(start.getScheme(), null, loc.getHost(), loc.getPort(), null, null, null);
                    continue;
                }
            } catch (IOException | URISyntaxException e) {
                last = current + ": " + e;
                current = start;
            }
            LockSupport.parkNanos(200_000_000L);
        }
        throw new TimeoutException("no leader found from " + start + " within " + timeout + "; last: " + last);
    }
}
