package dev.sansraft.transport.tcp;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.ReadIndexRequest;
import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class TcpTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void messagesOfEveryTypeFlowBothWaysInOrder() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            RandomMessages random = new RandomMessages(5);
            List<Message> to2 = new ArrayList<>();
            List<Message> to1 = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                Message a = random.next(1, 2);
                Message b = random.next(2, 1);
                to2.add(a);
                to1.add(b);
                t1.send(a);
                t2.send(b);
            }
            Poll.until(() -> inbox1.size() == to1.size() && inbox2.size() == to2.size(), WAIT,
                    () -> "all delivered: " + t1.counters() + " " + t2.counters());
            assertThat(WireContent.of(inbox2.all())).as("node 2 receives node 1's messages, in order")
                    .isEqualTo(WireContent.of(to2));
            assertThat(WireContent.of(inbox1.all())).as("node 1 receives node 2's messages, in order")
                    .isEqualTo(WireContent.of(to1));
            assertThat(t1.counters().messagesDropped()).isZero();
            assertThat(t1.counters().messagesSent()).isEqualTo(to2.size());
            assertThat(t2.counters().messagesReceived()).isEqualTo(to2.size());
        }
    }

    @Test
    void aBurstConsumerGetsEveryMessageQuietlyAndIsToldEachBurstsEnd() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        dev.sansraft.node.InboundBurst burst = new dev.sansraft.node.InboundBurst() {
            @Override
            public void accept(Message message) {
                events.add("woken " + message.term());
            }

            @Override
            public void acceptInBurst(Message message) {
                events.add("quiet " + message.term());
            }

            @Override
            public void endOfBurst() {
                events.add("end");
            }
        };
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t2.start(burst);
            t1.start(m -> { });
            for (int i = 0; i < 200; i++) {
                t1.send(Loopback.heartbeat(1, 2, i));
            }
            Poll.until(() -> {
                synchronized (events) {
                    return events.stream().filter(e -> e.startsWith("quiet")).count() == 200
                            && events.get(events.size() - 1).equals("end");
                }
            }, WAIT, () -> "events " + events.size());
            synchronized (events) {
                assertThat(events).as("never the waking accept").noneMatch(e -> e.startsWith("woken"));
                for (int i = 1; i < events.size(); i++) {
                    assertThat(events.get(i).equals("end") && events.get(i - 1).equals("end"))
                            .as("an end follows messages of its burst, at %d of %s", i, events).isFalse();
                }
                assertThat(events.get(0)).as("the first event").startsWith("quiet");
            }
        }
    }

    @Test
    void messagesQueuedBeforeStartAreDelivered() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            for (int i = 0; i < 100; i++) {
                t1.send(Loopback.heartbeat(1, 2, i));
            }
            t2.start(inbox2);
            t1.start(m -> { });
            Poll.until(() -> inbox2.size() == 100, WAIT, () -> "delivered " + inbox2.size());
            assertThat(inbox2.roundsFrom(1)).isEqualTo(LongStream.range(0, 100).boxed().toList());
        }
    }

    @Test
    void bigAppendBatchesArriveIntact() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).maxFrameBytes(4 << 20).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).maxFrameBytes(4 << 20)
                     .build()) {
            t1.start(m -> { });
            t2.start(inbox2);
            RandomMessages random = new RandomMessages(9);
            List<Message> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                // Alternate tiny frames with batches larger than the staging and read buffers.
                AppendRequest big = random.appendRequest(1, 2, 3, 1 + i % 5, 800_000);
                sent.add(big);
                t1.send(big);
                Message small = Loopback.heartbeat(1, 2, i);
                sent.add(small);
                t1.send(small);
            }
            Poll.until(() -> inbox2.size() == sent.size(), WAIT, () -> "delivered: " + t1.counters());
            assertThat(inbox2.all()).isEqualTo(sent);
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @CsvSource({"random-before-handshake, 1", "random-before-handshake, 2", "garbage-after-handshake, 3",
            "garbage-after-handshake, 4", "truncated, 5", "truncated, 6", "oversized-length, 7", "bit-flipped, 8",
            "bit-flipped, 9", "wrong-sender, 10", "second-handshake, 11", "absurd-snapshot-members, 12",
            "snapshot-chunk-beyond-frame, 13"})
    void hostileBytesCloseOnlyThatConnection(String attack, long seed) throws Exception {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        // Node 3 is configured but played by the attacker's raw socket.
        InetSocketAddress nowhere = Loopback.closedPort();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).peer(3, nowhere).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            int count = 20_000;
            Thread traffic = new Thread(() -> {
                sendPaced(t2, 2, 1, count, inbox1::size);
                sendPaced(t1, 1, 2, count, inbox2::size);
            });
            traffic.start();

            boolean closedByTransport = attack(attack, seed, t1.localAddress());

            traffic.join();
            Poll.until(() -> inbox1.size() == count && inbox2.size() == count, WAIT,
                    () -> "traffic delivered despite the attack: " + t1.counters() + " " + t2.counters());
            assertThat(closedByTransport).as("attack '%s' (seed %d) got its connection closed", attack, seed)
                    .isTrue();
            Poll.until(() -> t1.counters().decodeErrors() >= 1, WAIT, () -> "decode error counted: " + t1.counters());
            assertThat(inbox1.roundsFrom(2)).as("peer 2's traffic to node 1 is untouched")
                    .isEqualTo(LongStream.range(0, count).boxed().toList());
            assertThat(inbox1.all()).as("nothing from the attacker was delivered")
                    .allMatch(m -> m.from() == 2);
            assertThat(inbox2.roundsFrom(1)).as("node 1's queued traffic to peer 2 is untouched")
                    .isEqualTo(LongStream.range(0, count).boxed().toList());
            assertThat(t1.counters().messagesDropped() + t2.counters().messagesDropped()).isZero();
        }
    }

    /** Runs one attack on {@code target} and returns whether the transport closed the connection. */
    private static boolean attack(String attack, long seed, InetSocketAddress target) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        MessageCodec codec = new MessageCodec(1 << 20);
        try (Socket socket = new Socket(target.getAddress(), target.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (!attack.equals("random-before-handshake")) {
                ByteBuffer hello = ByteBuffer.allocate(512);
                codec.encodeHello(new Hello(Loopback.CLUSTER, 3), hello);
                out.write(hello.array(), 0, hello.position());
                Hello answer = readHello(in, codec);
                assertThat(answer).isEqualTo(new Hello(Loopback.CLUSTER, 1));
            }
            ByteBuffer valid = ByteBuffer.allocate(256);
            codec.encode(new ReadIndexRequest(3, 1, 7, 9), valid);
            byte[] frame = java.util.Arrays.copyOf(valid.array(), valid.position());
            switch (attack) {
                case "random-before-handshake":
                case "garbage-after-handshake": {
                    byte[] garbage = new byte[4096];
                    random.nextBytes(garbage);
                    out.write(garbage);
                    break;
                }
                case "truncated":
                    out.write(frame, 0, frame.length - 1 - random.nextInt(frame.length - 1));
                    socket.shutdownOutput();
                    break;
                case "oversized-length":
                    out.write(ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE - random.nextInt(1000)).array());
                    break;
                case "bit-flipped": {
                    int bit = random.nextInt(frame.length * 8);
                    frame[bit / 8] ^= (byte) (1 << (bit % 8));
                    out.write(frame);
                    break;
                }
                case "wrong-sender": {
                    ByteBuffer spoof = ByteBuffer.allocate(256);
                    codec.encode(Loopback.heartbeat(2, 1, 0), spoof);
                    out.write(spoof.array(), 0, spoof.position());
                    break;
                }
                case "absurd-snapshot-members":
                case "snapshot-chunk-beyond-frame": {
                    // A correctly framed and checksummed InstallSnapshot whose counts lie about what follows.
                    boolean members = attack.startsWith("absurd");
                    ByteBuffer body = ByteBuffer.allocate(64 + 8 + 4 + 16);
                    body.putLong(3).putLong(1).putLong(7).putLong(5).putLong(1).putLong(100).putInt(0).putLong(0)
                            .putInt(members ? Integer.MAX_VALUE : 1).putLong(3).putInt(members ? 16 : 1 << 30)
                            .put(new byte[16]).flip();
                    ByteBuffer hostile = MessageCodecTest.frame(MessageCodec.TYPE_INSTALL_SNAPSHOT, body);
                    out.write(hostile.array(), 0, hostile.limit());
                    break;
                }
                case "second-handshake": {
                    ByteBuffer hello = ByteBuffer.allocate(512);
                    codec.encodeHello(new Hello(Loopback.CLUSTER, 3), hello);
                    out.write(hello.array(), 0, hello.position());
                    break;
                }
                default:
                    throw new IllegalArgumentException(attack);
            }
            out.flush();
            return readsEndOfStream(in);
        }
    }

    private static boolean readsEndOfStream(InputStream in) {
        try {
            byte[] sink = new byte[1024];
            while (true) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            // A reset (the transport closed with our bytes unread) is a close too; a timeout is not.
            return !(e instanceof java.net.SocketTimeoutException);
        }
    }

    static Hello readHello(InputStream in, MessageCodec codec) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = data.readInt();
        assertThat(length).as("handshake frame length").isBetween(6, 508);
        ByteBuffer frame = ByteBuffer.allocate(4 + length).putInt(length);
        data.readFully(frame.array(), 4, length);
        try {
            return codec.decodeHello(frame.position(0));
        } catch (FrameDecodeException e) {
            throw new AssertionError("transport sent a bad handshake", e);
        }
    }

    /** Sends numbered heartbeats, keeping at most a window in flight so that nothing is dropped. */
    static void sendPaced(TcpTransport transport, long from, long to, int count, IntSupplier delivered) {
        for (int i = 0; i < count; i++) {
            while (i - delivered.getAsInt() > 5_000) {
                LockSupport.parkNanos(50_000);
            }
            transport.send(Loopback.heartbeat(from, to, i));
        }
    }

    @Test
    void restartedPeerIsReconnected() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        InetSocketAddress address2 = Loopback.address(l2);
        Inbox inbox1 = new Inbox();
        Inbox before = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, address2).build()) {
            t1.start(inbox1);
            try (TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
                t2.start(before);
                t1.send(Loopback.heartbeat(1, 2, 0));
                Poll.until(() -> before.size() == 1, WAIT, () -> "first delivery " + t1.counters());
            }
            Inbox after = new Inbox();
            try (TcpTransport t2 = Loopback.builder(2, Loopback.bind(address2.getPort()))
                    .peer(1, Loopback.address(l1)).build()) {
                t2.start(after);
                long[] round = {1};
                Poll.until(() -> {
                    t1.send(Loopback.heartbeat(1, 2, round[0]++));
                    return after.size() > 0;
                }, WAIT, () -> "delivery to the restarted peer " + t1.counters());
                t2.send(Loopback.heartbeat(2, 1, 77));
                Poll.until(() -> inbox1.roundsFrom(2).contains(77L), WAIT, () -> "restarted peer reaches node 1");
                assertThat(t1.counters().connectionsEstablished()).as("node 1 dialed node 2 twice")
                        .isGreaterThanOrEqualTo(2);
                List<Long> rounds = after.roundsFrom(1);
                assertThat(rounds).as("order kept across the reconnect").isSorted();
            }
        }
    }

    @Test
    void aPeerConnectingToUsCutsOurBackoffShort() {
        ServerSocketChannel l1 = Loopback.bind();
        InetSocketAddress address2 = Loopback.closedPort();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        // Node 1's first dial is refused, after which it would wait 15 to 30 s: far beyond the wait below.
        Duration backoff = Duration.ofSeconds(30);
        Duration wait = backoff.dividedBy(3);
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, address2)
                .reconnectBackoff(backoff, backoff.multipliedBy(2)).build()) {
            t1.start(inbox1);
            t1.send(Loopback.heartbeat(1, 2, 0));
            Poll.until(() -> t1.dialFailures() == 1, WAIT, () -> "node 1's first dial refused " + t1.counters());
            try (TcpTransport t2 = Loopback.builder(2, Loopback.bind(address2.getPort()))
                    .peer(1, Loopback.address(l1)).build()) {
                t2.start(inbox2);
                Poll.until(() -> inbox2.size() == 1, wait, () -> "node 1 redials once node 2 connected to it, dials="
                        + t1.dials() + " " + t1.counters());
                assertThat(t1.dials()).as("one redial, triggered by node 2's connection").isEqualTo(2);
                assertThat(inbox2.roundsFrom(1)).containsExactly(0L);
            }
        }
    }

    @Test
    void wrongClusterIdIsRefusedBothWays() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).clusterId("another-cluster").peer(1, Loopback.address(l1))
                     .build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            t1.send(Loopback.heartbeat(1, 2, 0));
            t2.send(Loopback.heartbeat(2, 1, 0));
            Poll.until(() -> t1.counters().handshakesRefused() >= 1 && t2.counters().handshakesRefused() >= 1, WAIT,
                    () -> "both refuse: " + t1.counters() + " " + t2.counters());
            assertThat(t1.counters().connectionsEstablished()).isZero();
            assertThat(t2.counters().connectionsEstablished()).isZero();
            assertThat(inbox1.size() + inbox2.size()).as("nothing crosses clusters").isZero();
        }
    }

    @Test
    void unknownNodeIdIsRefused() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l9 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.closedPort()).build();
             TcpTransport t9 = Loopback.builder(9, l9).peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t9.start(m -> { });
            t9.send(Loopback.heartbeat(9, 1, 0));
            Poll.until(() -> t1.counters().handshakesRefused() >= 1, WAIT, () -> "refused: " + t1.counters());
            assertThat(t9.counters().connectionsEstablished()).isZero();
            assertThat(inbox1.size()).isZero();
        }
    }

    @Test
    void stalledReceiverLeavesSenderMemoryBoundedAndOtherPeersServed() throws Exception {
        long maxQueued = 2 << 20;
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l3 = Loopback.bind();
        Inbox inbox3 = new Inbox();
        try (ServerSocketChannel stalled = Loopback.bind();
             TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(stalled))
                     .peer(3, Loopback.address(l3)).maxFrameBytes(1 << 20).snapshotChunkBytes(512 << 10)
                     .maxQueuedBytesPerPeer(maxQueued).build();
             TcpTransport t3 = Loopback.builder(3, l3).peer(1, Loopback.address(l1)).build()) {
            t1.start(m -> { });
            t3.start(inbox3);
            t1.send(Loopback.heartbeat(1, 2, 0));
            try (Socket peer = stalled.accept().socket()) {
                MessageCodec codec = new MessageCodec(1 << 20);
                assertThat(readHello(peer.getInputStream(), codec)).isEqualTo(new Hello(Loopback.CLUSTER, 1));
                ByteBuffer answer = ByteBuffer.allocate(512);
                codec.encodeHello(new Hello(Loopback.CLUSTER, 2), answer);
                peer.getOutputStream().write(answer.array(), 0, answer.position());
                // From here on peer 2 never reads; peer 3 reads normally.
                byte[] payload = new byte[64 * 1024];
                int offered = 1;
                long maxSeen = 0;
                for (int i = 1; i <= 3_000; i++) {
                    t1.send(new AppendRequest(1, 2, 1, i - 1, 1, List.of(LogEntry.normal(i, 1, payload)), 0, i));
                    t1.send(Loopback.heartbeat(1, 3, i));
                    offered++;
                    maxSeen = Math.max(maxSeen, t1.counters().queuedBytes());
                }
                // Node 3 may decode the last batch before node 1's selector thread counts it as sent: wait for both.
                int offeredToPeer2 = offered;
                Poll.until(() -> inbox3.size() == 3_000 && offeredToPeer2 - accounted(t1.counters()) <= 8, WAIT,
                        () -> "peer 3 served and every message accounted for: " + t1.counters());
                long droppedBefore = t1.counters().messagesDropped();
                int heartbeats = 5_000; // far more than the room a full queue of 64 KiB appends could have left
                for (int i = 0; i < heartbeats; i++) {
                    t1.send(Loopback.heartbeat(1, 2, 10_000 + i));
                }
                offered += heartbeats;
                assertThat(t1.counters().messagesDropped()).as("heartbeats still fit a queue full of appends")
                        .isEqualTo(droppedBefore);
                TransportCounters c = t1.counters();
                assertThat(maxSeen).as("queued bytes never exceed peer 2's bound plus peer 3's heartbeats")
                        .isLessThanOrEqualTo(maxQueued + 3_000L * 71);
                assertThat(c.queuedBytes()).as("peer 2's queue is at most full, plus the heartbeats")
                        .isLessThanOrEqualTo(maxQueued + (long) heartbeats * PeerLink.SMALL_FRAME_BYTES);
                assertThat(c.messagesDropped()).as("overflow is dropped and counted: %s", c).isPositive();
                // The selector may be moving heartbeats from the queue into the batch (a batch of small frames can
                // hold thousands): a reader can count one twice for that instant, never miss one.
                int offeredInAll = offered;
                Poll.until(() -> {
                    long unaccounted = offeredInAll - accounted(t1.counters());
                    return unaccounted >= 0 && unaccounted <= 8;
                }, WAIT, () -> "messages unaccounted for (at most the few in flight between counters): "
                        + (offeredInAll - accounted(t1.counters())) + ", " + t1.counters());
                assertThat(inbox3.roundsFrom(1)).as("peer 3 got everything, in order")
                        .isEqualTo(LongStream.rangeClosed(1, 3_000).boxed().toList());
            }
        }
    }

    /** Messages node 1 sent, dropped or still queues for the stalled peer 2, given that 3,000 went to peer 3. */
    private static long accounted(TransportCounters c) {
        return c.messagesSent() - 3_000 + c.messagesDropped() + c.queuedMessages();
    }

    @Test
    void silentConnectionIsClosedAtTheHandshakeDeadline() throws Exception {
        try (TcpTransport t1 = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .connectTimeout(Duration.ofMillis(200)).build()) {
            t1.start(m -> { });
            try (Socket idle = new Socket(t1.localAddress().getAddress(), t1.localAddress().getPort())) {
                idle.setSoTimeout(15_000);
                assertThat(readsEndOfStream(idle.getInputStream())).as("closed without a handshake").isTrue();
            }
            assertThat(t1.counters().messagesReceived()).isZero();
        }
    }

    @Test
    void peerAnsweringWithAnotherNodeIdIsRefused() throws Exception {
        try (ServerSocketChannel impostor = Loopback.bind();
             TcpTransport t1 = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.address(impostor)).build()) {
            t1.start(m -> { });
            try (Socket peer = impostor.accept().socket()) {
                MessageCodec codec = new MessageCodec(1 << 20);
                readHello(peer.getInputStream(), codec);
                ByteBuffer answer = ByteBuffer.allocate(512);
                codec.encodeHello(new Hello(Loopback.CLUSTER, 5), answer);
                peer.getOutputStream().write(answer.array(), 0, answer.position());
                peer.setSoTimeout(15_000);
                assertThat(readsEndOfStream(peer.getInputStream())).as("dialer hangs up on the impostor").isTrue();
            }
            assertThat(t1.counters().handshakesRefused()).isEqualTo(1);
            assertThat(t1.counters().connectionsEstablished()).isZero();
        }
    }

    @Test
    void throwingConsumerLosesOnlyThatMessage() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t1.start(m -> { });
            t2.start(m -> {
                if (((AppendRequest) m).round() == 3) {
                    throw new IllegalStateException("consumer bug");
                }
                inbox2.accept(m);
            });
            for (int i = 0; i < 10; i++) {
                t1.send(Loopback.heartbeat(1, 2, i));
            }
            Poll.until(() -> inbox2.size() == 9, WAIT, () -> "delivered " + inbox2.size());
            assertThat(inbox2.roundsFrom(1)).containsExactly(0L, 1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void sendsToUnknownPeersAndOversizedFramesAreDroppedAndCounted() {
        try (TcpTransport t1 = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .maxFrameBytes(4096).snapshotChunkBytes(1024).build()) {
            t1.start(m -> { });
            t1.send(Loopback.heartbeat(1, 5, 0));
            t1.send(new AppendRequest(1, 2, 1, 0, 0, List.of(LogEntry.normal(1, 1, new byte[5000])), 0, 0));
            assertThat(t1.counters().messagesDropped()).isEqualTo(2);
            assertThat(t1.counters().queuedMessages()).isZero();
        }
    }

    @Test
    void closeReleasesThePortAndTheThread() throws Exception {
        ServerSocketChannel l1 = Loopback.bind();
        int port = Loopback.address(l1).getPort();
        TcpTransport t1 = Loopback.builder(41, l1).peer(2, Loopback.closedPort()).build();
        t1.start(m -> { });
        t1.close();
        t1.close();
        assertThat(Thread.getAllStackTraces().keySet()).as("no selector thread left")
                .noneMatch(t -> t.getName().equals("sansraft-tcp-41"));
        try (ServerSocketChannel again = Loopback.bind(port)) {
            assertThat(Loopback.address(again).getPort()).isEqualTo(port);
        }
        t1.send(Loopback.heartbeat(41, 2, 0));
        assertThat(t1.counters().messagesDropped()).as("sends after close are dropped").isEqualTo(1);
        assertThatThrownBy(() -> t1.start(m -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFrameLimitThatFitsTheChunkSizeExactlyIsAccepted() {
        int oneMiBChunkOf3 = (int) MessageCodec.installSnapshotFrameBytes(3, 1 << 20);
        try (TcpTransport t = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .peer(3, Loopback.closedPort()).maxFrameBytes(oneMiBChunkOf3).build()) {
            assertThat(t.nodeId()).isEqualTo(1);
        }
        try (TcpTransport t = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .maxFrameBytes(4 << 20).snapshotChunkBytes((4 << 20) - 94).build()) {
            assertThat(t.nodeId()).as("a 4 MiB frame carries a chunk of 4 MiB - 94 bytes between two nodes")
                    .isEqualTo(1);
        }
    }

    @Test
    void builderRejectsInvalidSettingsWithClearMessages() {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        assertThatThrownBy(() -> TcpTransport.builder().clusterId("c").listen(any).build())
                .hasMessageContaining("nodeId must be positive");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).listen(any).build())
                .hasMessageContaining("clusterId is required");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("x".repeat(256)).listen(any).build())
                .hasMessageContaining("at most 255");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").build())
                .hasMessageContaining("listen");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).peer(1, any).build())
                .hasMessageContaining("lists itself as a peer");
        assertThatThrownBy(() -> TcpTransport.builder().peer(2, any).peer(2, any))
                .hasMessageContaining("configured twice");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).maxFrameBytes(10)
                .build()).hasMessageContaining("maxFrameBytes must be at least 1024");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).maxFrameBytes(2 << 20)
                .maxQueuedBytesPerPeer(1000).build()).hasMessageContaining("must be at least maxFrameBytes");
        int oneMiBChunkOf3 = (1 << 20) + 102;
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).peer(2, any).peer(3, any)
                .maxFrameBytes(oneMiBChunkOf3 - 1).build())
                .as("the default 1 MiB chunk needs a frame of 1 MiB plus 102 bytes in a 3-node cluster")
                .hasMessageContaining("maxFrameBytes " + (oneMiBChunkOf3 - 1) + " cannot carry a snapshot chunk of "
                        + "snapshotChunkBytes 1048576")
                .hasMessageContaining("raise maxFrameBytes to at least " + oneMiBChunkOf3);
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).maxFrameBytes(8 << 20)
                .snapshotChunkBytes(8 << 20).build()).hasMessageContaining("snapshotChunkBytes 8388608");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any).snapshotChunkBytes(0)
                .build()).hasMessageContaining("snapshotChunkBytes must be positive, got 0");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any)
                .maxQueuedSnapshotBytesPerPeer(0).build())
                .hasMessageContaining("maxQueuedSnapshotBytesPerPeer must be positive, got 0");
        assertThatThrownBy(() -> TcpTransport.builder().nodeId(1).clusterId("c").listen(any)
                .reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .hasMessageContaining("0 < min <= max");
    }
}
