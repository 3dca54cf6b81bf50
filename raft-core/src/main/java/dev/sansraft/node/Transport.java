package dev.sansraft.node;

import dev.sansraft.core.Message;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Carries {@link Message}s between nodes.
 *
 * <p>Delivery is best effort and may drop, but must not reorder messages between one pair of nodes and must not
 * corrupt them. {@link #send} never blocks; when a peer is slow or unreachable, messages to it are dropped
 * (Raft retransmits) and memory stays bounded.
 *
 * <p>Thread-safety: {@link #send} may be called from any thread. The inbound consumer is called from the
 * transport's own threads and must not block.
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts delivering inbound messages addressed to this node to {@code inbound}. Called once.
     *
     * @param inbound receives each inbound message; called from the transport's thread
     */
    void start(Consumer<Message> inbound);

    /**
     * Queues a message for {@link Message#to()}; never blocks.
     *
     * @param message the message; dropped if it cannot be queued
     */
    void send(Message message);

    /**
     * Queues every message of {@code messages}, in list order, as {@link #send} would; never blocks. The node hands
     * over each round's sends this way, so a transport may take the end of the list as the moment to write what it
     * queued, from the calling thread, instead of waking a thread of its own for every message. The default sends
     * them one by one.
     *
     * @param messages the messages, not changed by the transport; the caller may reuse the list afterwards
     */
    default void sendAll(List<Message> messages) {
        for (int i = 0, n = messages.size(); i < n; i++) {
            send(messages.get(i));
        }
    }

    /**
     * The configuration changed: from now on the peers are the members in {@code endpoints} (member id to the
     * endpoint string the configuration gives it, possibly empty), apart from this node. A transport connects to
     * members it did not know and forgets those no longer present. The node calls this with every configuration
     * that takes effect, from its event-loop thread, so it must not block. The default ignores it, for transports
     * whose peers are fixed or found some other way.
     *
     * @param endpoints member id to endpoint, this node possibly included
     */
    default void updatePeers(Map<Long, String> endpoints) {
    }

    /** Releases every socket and thread. Idempotent. */
    @Override
    void close();
}
