package dev.sansraft.node;

import dev.sansraft.core.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process hub that carries {@link Message}s between {@link InMemoryTransport}s, for tests and for embedders
 * running several nodes in one JVM. One delivery thread hands every message to its recipient's inbound consumer in
 * the order sent, so messages between a pair of nodes are never reordered.
 *
 * <p>Failure injection: {@link #disconnect(long)} cuts a node off (messages from or to it are dropped, both when sent
 * and when delivered) until {@link #connect(long)}. Messages to a node that has no started transport are dropped,
 * as are messages beyond {@code maxQueuedMessages}, so memory stays bounded like a real transport's.
 *
 * <p>Thread-safe. {@link #close()} stops the delivery thread; transports of a closed network drop everything.
 */
public final class InMemoryNetwork implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InMemoryNetwork.class);
    private static final AtomicInteger instances = new AtomicInteger();

    private final ConcurrentHashMap<Long, InMemoryTransport> endpoints = new ConcurrentHashMap<>();
    private final Set<Long> disconnected = ConcurrentHashMap.newKeySet();
    private final Mailbox<Message> queue = new Mailbox<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final int maxQueuedMessages;
    private final Thread deliveryThread;
    private volatile boolean closed;

    private InMemoryNetwork(int maxQueuedMessages) {
        this.maxQueuedMessages = maxQueuedMessages;
        this.deliveryThread = new Thread(this::deliverLoop, "sansraft-inmemory-network-" + instances.incrementAndGet());
        deliveryThread.setDaemon(true);
        queue.bind(deliveryThread);
        deliveryThread.start();
    }

    /** {@return a network that queues at most 1,000,000 undelivered messages} */
    public static InMemoryNetwork create() {
        return create(1_000_000);
    }

    /**
     * A network that drops messages while {@code maxQueuedMessages} are waiting for delivery.
     *
     * @param maxQueuedMessages the bound on undelivered messages, at least 1
     * @return the network
     */
    public static InMemoryNetwork create(int maxQueuedMessages) {
        if (maxQueuedMessages < 1) {
            throw new IllegalArgumentException("maxQueuedMessages must be >= 1, got " + maxQueuedMessages);
        }
        return new InMemoryNetwork(maxQueuedMessages);
    }

    /**
     * A new transport for node {@code id}. Starting it registers it as the recipient for {@code id}, replacing any
     * earlier transport of that id (a restarted node).
     *
     * @param id the node's id, positive
     * @return the transport, not yet started
     */
    public InMemoryTransport transport(long id) {
        if (id <= 0) {
            throw new IllegalArgumentException("node ids must be positive, got " + id);
        }
        return new InMemoryTransport(this, id);
    }

    /**
     * Drops every message from or to {@code id} until {@link #connect(long)}.
     *
     * @param id the node to cut off
     */
    public void disconnect(long id) {
        disconnected.add(id);
    }

    /**
     * Undoes {@link #disconnect(long)}.
     *
     * @param id the node to reconnect
     */
    public void connect(long id) {
        disconnected.remove(id);
    }

    /**
     * Whether {@code id} is currently cut off.
     *
     * @param id a node id
     * @return true while {@code id} is cut off
     */
    public boolean isDisconnected(long id) {
        return disconnected.contains(id);
    }

    /** {@return how many messages were handed to a recipient so far} */
    public long deliveredCount() {
        return delivered.get();
    }

    /** {@return how many messages were dropped so far (disconnected, unknown recipient, queue full or closed)} */
    public long droppedCount() {
        return dropped.get();
    }

    void register(InMemoryTransport transport) {
        endpoints.put(transport.id(), transport);
    }

    void unregister(InMemoryTransport transport) {
        endpoints.remove(transport.id(), transport);
    }

    void send(Message message) {
        if (closed || isCut(message) || queued.incrementAndGet() > maxQueuedMessages && release()) {
            dropped.incrementAndGet();
            return;
        }
        queue.offer(message);
    }

    /** Undoes the reservation of a queue slot; always true so that it can sit in a condition. */
    private boolean release() {
        queued.decrementAndGet();
        return true;
    }

    private boolean isCut(Message m) {
        return !disconnected.isEmpty() && (disconnected.contains(m.from()) || disconnected.contains(m.to()));
    }

    private void deliverLoop() {
        while (!closed) {
            Message m = queue.poll();
            if (m == null) {
                queue.await(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            queued.decrementAndGet();
            InMemoryTransport to = endpoints.get(m.to());
            if (to == null || isCut(m) || !to.deliver(m)) {
                dropped.incrementAndGet();
            } else {
                delivered.incrementAndGet();
            }
        }
    }

    /** Stops the delivery thread and drops whatever is still queued. Idempotent. */
    @Override
    public void close() {
        closed = true;
        queue.wake();
        try {
            deliveryThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (deliveryThread.isAlive()) {
            log.warn("in-memory network delivery thread did not stop within 10 s");
        }
    }
}
