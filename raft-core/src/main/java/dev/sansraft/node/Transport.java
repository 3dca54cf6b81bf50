package dev.sansraft.node;

import dev.sansraft.core.Message;

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

    /** Starts delivering inbound messages addressed to this node to {@code inbound}. Called once. */
    void start(Consumer<Message> inbound);

    /** Queues a message for {@link Message#to()}; never blocks. */
    void send(Message message);

    /** Releases every socket and thread. Idempotent. */
    @Override
    void close();
}
