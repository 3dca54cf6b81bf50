package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TcpTransport#sendAll}: a sending thread writes an idle plaintext link's frames itself, and everything it
 * cannot finish goes to the selector thread without reordering, losing or blocking anything.
 */
@Timeout(120)
class CallerWritesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void anIdleLinksRoundIsWrittenByTheSendingThreadInOrder() {
        try (Pair pair = Pair.connected(b -> b)) {
            TcpTransport t1 = pair.sender;
            Inbox inbox2 = pair.inbox;
            long round = sendRoundsOneAtATime(t1, inbox2, 1, 50, 10);
            assertThat(inbox2.roundsFrom(1)).as("every message once, in order")
                    .containsExactlyElementsOf(rangeTo(round));
            assertThat(t1.callerWrites()).as("rounds sent to an idle, ready link are written by the sender")
                    .isPositive();
            assertThat(t1.counters().messagesSent()).isEqualTo(round);
            assertThat(t1.counters().messagesDropped()).isZero();
        }
    }

    /**
     * Four threads send rounds at once, some with frames far larger than the socket buffer (so that a sender's write
     * is cut short and the selector thread takes over), mixed with plain {@link TcpTransport#send} calls. Each
     * thread's messages must arrive complete and in its order.
     */
    @Test
    void concurrentSendersLoseNothingAndKeepEachSendersOrder() throws Exception {
        int threads = 4;
        int perThread = 4_000;
        try (Pair pair = Pair.connected(b -> b.maxFrameBytes(4 << 20))) {
            TcpTransport t1 = pair.sender;
            Inbox inbox2 = pair.inbox;
            // The connecting heartbeat counts; it is round 0, filed under sender 0, which no thread uses.
            AtomicInteger sent = new AtomicInteger(1);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 100 + t;
                long sender = t + 1;
                Thread thread = new Thread(() -> {
                    try {
                        sendRounds(t1, sender, perThread, new SplittableRandom(seed), sent, inbox2);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "sender-" + t);
                senders.add(thread);
                thread.start();
            }
            for (Thread thread : senders) {
                thread.join();
            }
            assertThat(failures).as("sender threads never throw").isEmpty();
            Poll.until(() -> inbox2.size() == sent.get(), WAIT,
                    () -> "delivered " + inbox2.size() + " of " + sent.get() + ": " + t1.counters());
            Map<Long, List<Long>> bySender = new HashMap<>();
            for (Message m : inbox2.all()) {
                long round = ((AppendRequest) m).round();
                bySender.computeIfAbsent(round / 1_000_000, k -> new ArrayList<>()).add(round % 1_000_000);
            }
            for (long s = 1; s <= threads; s++) {
                assertThat(bySender.get(s)).as("sender %d's messages, once each and in order (seed %d)", s, 99 + s)
                        .containsExactlyElementsOf(rangeTo(perThread));
            }
            // How many rounds the senders wrote themselves is up to the thread timing here (the selector thread may
            // hold the link all along); anIdleLinksRoundIsWrittenByTheSendingThreadInOrder checks that they do.
            assertThat(t1.counters().messagesDropped()).isZero();
        }
    }

    /**
     * Senders that queue while another sender writes leave their messages to it: it must hand them to the selector
     * thread rather than drop the flush. Each burst is the last traffic until it is delivered, so a message left
     * behind would wait forever.
     */
    @Test
    void messagesQueuedWhileAnotherSenderWritesAreNotStranded() throws Exception {
        int threads = 4;
        int bursts = 300;
        try (Pair pair = Pair.connected(b -> b)) {
            TcpTransport t1 = pair.sender;
            Inbox inbox2 = pair.inbox;
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            CyclicBarrier done = new CyclicBarrier(threads + 1);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long sender = t + 1;
                Thread thread = new Thread(() -> {
                    try {
                        for (int b = 0; b < bursts; b++) {
                            start.await();
                            t1.sendAll(List.of(Loopback.heartbeat(1, 2, sender * 1_000_000 + 2L * b),
                                    Loopback.heartbeat(1, 2, sender * 1_000_000 + 2L * b + 1)));
                            done.await();
                        }
                    } catch (Exception e) {
                        Thread.currentThread().interrupt();
                    }
                }, "burst-sender-" + t);
                thread.setDaemon(true);
                senders.add(thread);
                thread.start();
            }
            for (int b = 0; b < bursts; b++) {
                start.await(30, TimeUnit.SECONDS);
                done.await(30, TimeUnit.SECONDS);
                int expected = 1 + (b + 1) * threads * 2;
                int burst = b;
                Poll.until(() -> inbox2.size() == expected, WAIT,
                        () -> "burst " + burst + " delivered without further sends: " + inbox2.size() + " of "
                                + expected + ", " + t1.counters());
            }
            for (Thread thread : senders) {
                thread.join();
            }
            assertThat(t1.counters().messagesDropped()).isZero();
        }
    }

    private static void sendRounds(TcpTransport transport, long sender, int count, SplittableRandom random,
                                   AtomicInteger sent, Inbox delivered) {
        RandomMessages payloads = new RandomMessages(random.nextLong());
        int next = 0;
        while (next < count) {
            // Stay well inside the queue's bounds, so that nothing is dropped for back-pressure.
            while (sent.get() - delivered.size() > 2_000) {
                LockSupport.parkNanos(100_000);
            }
            int size = Math.min(count - next, 1 + random.nextInt(20));
            List<Message> round = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                long id = sender * 1_000_000 + next++;
                if (random.nextInt(40) == 0) {
                    AppendRequest big = payloads.appendRequest(1, 2, 1, 3, 600_000);
                    round.add(new AppendRequest(1, 2, big.term(), big.prevLogIndex(), big.prevLogTerm(),
                            big.entries(), big.leaderCommit(), id, false));
                } else {
                    round.add(Loopback.heartbeat(1, 2, id));
                }
            }
            sent.addAndGet(size);
            if (random.nextInt(4) == 0) {
                round.forEach(transport::send);
            } else {
                transport.sendAll(round);
            }
        }
    }

    @Test
    void aRestartedPeerGetsRoundsSentThroughTheFailureInOrder() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        InetSocketAddress address2 = Loopback.address(l2);
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, address2).build()) {
            t1.start(m -> { });
            Inbox before = new Inbox();
            try (TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
                t2.start(before);
                t1.sendAll(List.of(Loopback.heartbeat(1, 2, 0)));
                Poll.until(() -> before.size() == 1, WAIT, () -> "first delivery " + t1.counters());
            }
            long[] round = {1};
            // Rounds into a connection whose peer is gone: the sender's write fails or lands in a dead socket, and
            // the selector thread finds out on its own. The sender must neither throw nor block.
            for (int i = 0; i < 200; i++) {
                t1.sendAll(List.of(Loopback.heartbeat(1, 2, round[0]++), Loopback.heartbeat(1, 2, round[0]++)));
            }
            Inbox after = new Inbox();
            try (TcpTransport t2 = Loopback.builder(2, Loopback.bind(address2.getPort()))
                    .peer(1, Loopback.address(l1)).build()) {
                t2.start(after);
                Poll.until(() -> {
                    t1.sendAll(List.of(Loopback.heartbeat(1, 2, round[0]++)));
                    return after.size() > 0;
                }, WAIT, () -> "delivery to the restarted peer " + t1.counters());
                long last = round[0]++;
                t1.sendAll(List.of(Loopback.heartbeat(1, 2, last)));
                Poll.until(() -> after.roundsFrom(1).contains(last), WAIT, () -> "last round " + t1.counters());
                assertThat(after.roundsFrom(1)).as("order kept across the failure").isSorted().doesNotHaveDuplicates();
                assertThat(t1.counters().connectionsEstablished()).as("node 1 dialed node 2 twice")
                        .isGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    void tlsLinksWriteOnlyFromTheSelectorThread(@TempDir Path dir) {
        TlsCertificates certs = TlsCertificates.generate(dir);
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).tls(certs.tls(certs.node1)).peer(2, Loopback.address(l2))
                .build();
             TcpTransport t2 = Loopback.builder(2, l2).tls(certs.tls(certs.node2)).peer(1, Loopback.address(l1))
                     .build()) {
            t1.start(m -> { });
            t2.start(inbox2);
            long round = sendRoundsOneAtATime(t1, inbox2, 0, 30, 5);
            assertThat(inbox2.roundsFrom(1)).containsExactlyElementsOf(rangeTo(round));
            assertThat(t1.callerWrites()).as("a TLS engine has one owner, the selector thread").isZero();
        }
    }

    /**
     * Sends {@code rounds} rounds of {@code perRound} numbered heartbeats from node 1 to node 2 with
     * {@link TcpTransport#sendAll}, each once the one before is delivered (the link is idle then); numbering starts at
     * {@code first}, whose messages the inbox holds all of. Returns the next number.
     */
    private static long sendRoundsOneAtATime(TcpTransport sender, Inbox inbox, long first, int rounds, int perRound) {
        long round = first;
        for (int r = 0; r < rounds; r++) {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < perRound; i++) {
                batch.add(Loopback.heartbeat(1, 2, round++));
            }
            sender.sendAll(batch);
            int expected = (int) round;
            Poll.until(() -> inbox.size() == expected, WAIT, () -> "round delivered: " + sender.counters());
        }
        return round;
    }

    /**
     * Node 1 sending to node 2 over plaintext, started and connected: one heartbeat (round 0) has been delivered, so
     * the link is READY and idle. Closes both transports.
     */
    private record Pair(TcpTransport sender, TcpTransport receiver, Inbox inbox) implements AutoCloseable {

        /** {@code settings} is applied to both nodes' builders. */
        static Pair connected(UnaryOperator<TcpTransport.Builder> settings) {
            ServerSocketChannel l1 = Loopback.bind();
            ServerSocketChannel l2 = Loopback.bind();
            Inbox inbox = new Inbox();
            Pair pair = new Pair(settings.apply(Loopback.builder(1, l1).peer(2, Loopback.address(l2))).build(),
                    settings.apply(Loopback.builder(2, l2).peer(1, Loopback.address(l1))).build(), inbox);
            pair.sender.start(m -> { });
            pair.receiver.start(inbox);
            pair.sender.send(Loopback.heartbeat(1, 2, 0));
            Poll.until(() -> inbox.size() == 1, WAIT, () -> "connected: " + pair.sender.counters());
            return pair;
        }

        @Override
        public void close() {
            sender.close();
            receiver.close();
        }
    }

    private static List<Long> rangeTo(long end) {
        List<Long> rounds = new ArrayList<>();
        for (long i = 0; i < end; i++) {
            rounds.add(i);
        }
        return rounds;
    }
}
