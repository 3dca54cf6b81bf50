package dev.sansraft.node;

import dev.sansraft.core.Message;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A transport that records what is sent and lets a test inject inbound messages. */
class RecordingTransport implements Transport {

    final List<Message> sent = new CopyOnWriteArrayList<>();
    volatile Consumer<Message> inbound;
    volatile boolean closed;

    @Override
    public void start(Consumer<Message> inbound) {
        this.inbound = inbound;
    }

    @Override
    public void send(Message message) {
        sent.add(message);
    }

    @Override
    public void close() {
        closed = true;
    }
}
