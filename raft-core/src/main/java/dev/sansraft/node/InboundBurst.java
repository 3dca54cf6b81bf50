package dev.sansraft.node;

import dev.sansraft.core.Message;

import java.util.function.Consumer;

/**
 * The inbound consumer a {@link RaftNode} gives to {@link Transport#start}, with a cheaper way in for transports that
 * receive in bursts (one selector round, one socket read). Such a transport may hand each message of a burst to
 * {@link #acceptInBurst}, which queues it without waking the node, and must then call {@link #endOfBurst()} once the
 * burst is delivered: the node steps the burst at once on the transport's thread if its event loop is idle, or wakes
 * the loop otherwise. That saves a thread hand-off on every received append and append answer. A transport that does
 * not know this interface just calls {@link #accept}, which queues and wakes as before.
 *
 * <p>Thread-safety: called from the transport's threads; a burst's {@code acceptInBurst} calls and its
 * {@code endOfBurst} come from one thread. None of the methods blocks.
 */
public interface InboundBurst extends Consumer<Message> {

    /**
     * Queues {@code message} like {@link #accept} but without waking the node; {@link #endOfBurst()} must follow.
     *
     * @param message an inbound message
     */
    void acceptInBurst(Message message);

    /** The burst is delivered: step it now on this thread if the node's loop is idle, else wake the loop. */
    void endOfBurst();
}
