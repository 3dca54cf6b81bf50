package dev.sansraft.node;

import dev.sansraft.core.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link Transport} for one node of an {@link InMemoryNetwork}; obtain it with
 * {@link InMemoryNetwork#transport(long)}. Messages are passed by reference, without encoding.
 *
 * <p>Thread-safe: {@link #send} from any thread; the inbound consumer is called on the network's delivery thread.
 */
public final class InMemoryTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);

    private final InMemoryNetwork network;
    private final long id;
    private volatile Consumer<Message> inbound;
    private volatile boolean closed;

    InMemoryTransport(InMemoryNetwork network, long id) {
        this.network = network;
        this.id = id;
    }

    /** {@return the node this transport belongs to} */
    public long id() {
        return id;
    }

    @Override
    public void start(Consumer<Message> inbound) {
        Objects.requireNonNull(inbound, "inbound consumer");
        synchronized (this) {
            if (this.inbound != null) {
                throw new IllegalStateException("transport of node " + id + " already started");
            }
            if (closed) {
                throw new IllegalStateException("transport of node " + id + " is closed");
            }
            this.inbound = inbound;
        }
        network.register(this);
    }

    @Override
    public void send(Message message) {
        if (message.from() != id) {
            throw new IllegalArgumentException("transport of node " + id + " cannot send a message from node "
                    + message.from() + ": " + message);
        }
        if (!closed) {
            network.send(message);
        }
    }

    /** Hands a message to the inbound consumer; false when this transport cannot take it. */
    boolean deliver(Message message) {
        Consumer<Message> c = inbound;
        if (closed || c == null) {
            return false;
        }
        try {
            c.accept(message);
            return true;
        } catch (RuntimeException e) {
            log.warn("node {} inbound consumer failed on {}", id, message, e);
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        network.unregister(this);
    }
}
