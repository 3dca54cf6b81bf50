package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Test fixtures for transports on 127.0.0.1 with ephemeral ports. */
final class Loopback {

    static final String CLUSTER = "test-cluster";

    private Loopback() {
    }

    /** A listening channel on an ephemeral loopback port, so that every port is known before any transport. */
    static ServerSocketChannel bind() {
        return bind(0);
    }

    static ServerSocketChannel bind(int port) {
        try {
            ServerSocketChannel channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An ephemeral loopback port that nothing listens on any more: dialing it is refused. */
    static InetSocketAddress closedPort() {
        try (ServerSocketChannel channel = bind()) {
            return address(channel);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InetSocketAddress address(ServerSocketChannel channel) {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A builder with fast, seeded reconnects. */
    static TcpTransport.Builder builder(long nodeId, ServerSocketChannel listen) {
        return TcpTransport.builder()
                .nodeId(nodeId)
                .clusterId(CLUSTER)
                .listen(listen)
                .reconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(100))
                .connectTimeout(Duration.ofSeconds(3))
                .random(new SplittableRandom(nodeId));
    }

    /** A heartbeat whose {@code round} numbers the messages of one link. */
    static AppendRequest heartbeat(long from, long to, long round) {
        return new AppendRequest(from, to, 1, 0, 0, List.of(), 0, round);
    }

    /** Collects inbound messages without blocking, as the transport contract requires. */
    static final class Inbox implements Consumer<Message> {

        private final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();
        /** Kept apart because the queue's own size() walks every node. */
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public void accept(Message message) {
            messages.add(message);
            count.incrementAndGet();
        }

        int size() {
            return count.get();
        }

        /** The rounds of the heartbeats received from {@code from}, in arrival order. */
        List<Long> roundsFrom(long from) {
            List<Long> rounds = new ArrayList<>();
            for (Message m : messages) {
                if (m.from() == from && m instanceof AppendRequest) {
                    rounds.add(((AppendRequest) m).round());
                }
            }
            return rounds;
        }

        List<Message> all() {
            return new ArrayList<>(messages);
        }
    }
}
