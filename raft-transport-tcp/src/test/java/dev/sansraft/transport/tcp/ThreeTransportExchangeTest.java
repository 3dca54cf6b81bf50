package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.AppendResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Three transports on loopback exchange a million small messages; every link keeps its order. */
@Timeout(90)
class ThreeTransportExchangeTest {

    private static final int NODES = 3;
    private static final int LINKS = NODES * (NODES - 1);
    private static final int PER_LINK = 1_000_000 / LINKS + 1;
    private static final int WINDOW = 20_000;

    @Test
    void millionMessagesKeepPerLinkOrder() throws Exception {
        ServerSocketChannel[] listen = new ServerSocketChannel[NODES + 1];
        for (int id = 1; id <= NODES; id++) {
            listen[id] = Loopback.bind();
        }
        // received[from * 4 + to] counts in-order deliveries; the first out-of-order one is recorded.
        AtomicLongArray received = new AtomicLongArray(16);
        AtomicReference<String> firstViolation = new AtomicReference<>();
        List<TcpTransport> transports = new ArrayList<>();
        try {
            for (int id = 1; id <= NODES; id++) {
                TcpTransport.Builder builder = Loopback.builder(id, listen[id]);
                for (int peer = 1; peer <= NODES; peer++) {
                    if (peer != id) {
                        builder.peer(peer, Loopback.address(listen[peer]));
                    }
                }
                transports.add(builder.build());
            }
            for (TcpTransport t : transports) {
                t.start(orderChecker(received, firstViolation));
            }
            List<Thread> senders = new ArrayList<>();
            for (TcpTransport t : transports) {
                Thread sender = new Thread(() -> sendAll(t, received));
                senders.add(sender);
                sender.start();
            }
            for (Thread sender : senders) {
                sender.join();
            }
            Poll.until(() -> total(received) == (long) PER_LINK * LINKS || firstViolation.get() != null,
                    Duration.ofSeconds(60), () -> "all delivered, got " + total(received));
            assertThat(firstViolation.get()).as("per-link order").isNull();
            assertThat(total(received)).isEqualTo((long) PER_LINK * LINKS).isGreaterThanOrEqualTo(1_000_000);
            for (TcpTransport t : transports) {
                assertThat(t.counters().messagesDropped()).as("drops at node %d", t.nodeId()).isZero();
                assertThat(t.counters().messagesSent()).isEqualTo(2L * PER_LINK);
            }
        } finally {
            transports.forEach(TcpTransport::close);
        }
    }

    private static Consumer<Message> orderChecker(AtomicLongArray received, AtomicReference<String> violation) {
        return m -> {
            int link = (int) (m.from() * 4 + m.to());
            long expected = received.get(link);
            long seq = m instanceof AppendRequest ? ((AppendRequest) m).round() : ((AppendResponse) m).round();
            if (seq != expected) {
                violation.compareAndSet(null, "link " + m.from() + "->" + m.to() + " expected " + expected + " got "
                        + seq);
            }
            // Single writer per link: the receiver's selector thread.
            received.lazySet(link, expected + 1);
        };
    }

    /** Alternates heartbeats and append responses to both peers, keeping a window per link in flight. */
    private static void sendAll(TcpTransport t, AtomicLongArray received) {
        long from = t.nodeId();
        long[] peers = new long[NODES - 1];
        int k = 0;
        for (long id = 1; id <= NODES; id++) {
            if (id != from) {
                peers[k++] = id;
            }
        }
        for (int seq = 0; seq < PER_LINK; seq++) {
            for (long to : peers) {
                int link = (int) (from * 4 + to);
                while (seq - received.get(link) > WINDOW) {
                    LockSupport.parkNanos(20_000);
                }
                t.send(seq % 2 == 0
                        ? Loopback.heartbeat(from, to, seq)
                        : new AppendResponse(from, to, 1, true, seq, 0, 0, 0, seq));
            }
        }
    }

    private static long total(AtomicLongArray received) {
        long sum = 0;
        for (int i = 0; i < received.length(); i++) {
            sum += received.get(i);
        }
        return sum;
    }
}
