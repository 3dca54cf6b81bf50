package dev.sansraft.transport.tcp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The running counters behind {@link TransportCounters}. Thread-safe: most are written by the selector thread only,
 * {@link #dropped} and {@link #snapshotChunksDropped} also by sending threads.
 */
final class LiveCounters {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong decodeErrors = new AtomicLong();
    final AtomicLong handshakesRefused = new AtomicLong();
    final AtomicLong connectionsEstablished = new AtomicLong();
    final AtomicLong snapshotChunksDropped = new AtomicLong();
    /** Outbound connection attempts and their failures; internal, for tests of the reconnect schedule. */
    final AtomicLong dials = new AtomicLong();
    final AtomicLong dialFailures = new AtomicLong();
    /** Batches a sending thread wrote itself instead of waking the selector thread; internal, for tests. */
    final AtomicLong callerWrites = new AtomicLong();

    TransportCounters snapshot(long queuedMessages, long queuedBytes) {
        return new TransportCounters(sent.get(), received.get(), dropped.get(), bytesSent.get(), bytesReceived.get(),
                decodeErrors.get(), handshakesRefused.get(), connectionsEstablished.get(), queuedMessages,
                queuedBytes, snapshotChunksDropped.get());
    }
}
