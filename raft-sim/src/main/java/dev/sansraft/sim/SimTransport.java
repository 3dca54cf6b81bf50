package dev.sansraft.sim;

import dev.sansraft.core.Message;
import dev.sansraft.node.Transport;

import java.util.function.Consumer;

/**
 * The {@link Transport} of one incarnation of a simulated node: {@link #send} hands the message to the
 * {@link NodeSim}, which decides its fate on the {@link SimNetwork} (loss, duplication, latency, partitions) and
 * delivers it later to whichever incarnation of the recipient is alive; delivery calls the inbound consumer this
 * transport was started with. After {@link #close()} (or a crash) it neither sends nor delivers.
 *
 * <p>Not thread-safe: the simulation's single thread.
 */
final class SimTransport implements Transport {

    private final NodeSim sim;
    private Consumer<Message> inbound;
    private boolean closed;

    SimTransport(NodeSim sim) {
        this.sim = sim;
    }

    @Override
    public void start(Consumer<Message> inbound) {
        this.inbound = inbound;
    }

    @Override
    public void send(Message message) {
        if (!closed) {
            sim.send(message);
        }
    }

    /** Hands an arrived message to the node; false when this incarnation no longer takes messages. */
    boolean deliver(Message message) {
        if (closed || inbound == null) {
            return false;
        }
        inbound.accept(message);
        return true;
    }

    @Override
    public void close() {
        closed = true;
    }
}
