package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile peers against node 1 of a cluster {1, 2, 3} whose nodes 1 and 2 run. In every case node 1 keeps running,
 * takes no message from the intruder, names the reason in its log line (the same text its refusal listener gets),
 * and keeps exchanging messages with node 2.
 */
@Timeout(120)
class TlsHostileTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Short, so that stalled and half-open connections are dropped quickly; long enough for a loaded machine. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(1500);

    @TempDir
    static Path dir;
    private static TlsCertificates certs;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ConcurrentLinkedQueue<ConnectionRefusal> refusals = new ConcurrentLinkedQueue<>();
    private final Inbox inbox1 = new Inbox();
    private final Inbox inbox2 = new Inbox();
    private TcpTransport t1;
    private TcpTransport t2;
    private long round;

    @BeforeAll
    static void generateCertificates() {
        certs = TlsCertificates.generate(dir);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void plaintextPeerOnATlsPortIsRefused() {
        startCluster(true);
        TcpTransport intruder = track(Loopback.builder(3, Loopback.bind()).peer(1, t1.localAddress()).build());
        intruder.start(m -> { });
        intruder.send(Loopback.heartbeat(3, 1, 1));
        assertRefusedFor("TLS handshake failed");
        assertNodeOneStillServes(3);
    }

    @Test
    void tlsPeerOnAPlaintextPortIsRefused() {
        startCluster(false);
        TcpTransport intruder = track(Loopback.builder(3, Loopback.bind()).tls(certs.tls(certs.node3))
                .peer(1, t1.localAddress()).build());
        intruder.start(m -> { });
        intruder.send(Loopback.heartbeat(3, 1, 1));
        assertRefusedFor("these bytes start a TLS handshake");
        assertNodeOneStillServes(3);
    }

    @Test
    void certificateOfAnotherCaIsRefused() {
        startCluster(true);
        startIntruder(2, ForcefulTls.of(certs.otherCaNode2, certs.ca.caPem()));
        assertRefusedFor("TLS handshake failed");
        assertThat(reasons()).anyMatch(r -> r.contains("certification path") || r.contains("PKIX"));
        assertNodeOneStillServes(0);
    }

    @Test
    void expiredCertificateIsRefused() {
        startCluster(true);
        startIntruder(2, ForcefulTls.of(certs.expiredNode2, certs.ca.caPem()));
        assertRefusedFor("TLS handshake failed");
        assertThat(reasons()).anyMatch(r -> r.toLowerCase().contains("expired") || r.contains("NotAfter")
                || r.contains("validity"));
        assertNodeOneStillServes(0);
    }

    @Test
    void certificateOfNodeTwoClaimingNodeThreeIsRefused() {
        startCluster(true);
        startIntruder(3, ForcefulTls.of(certs.node2, certs.ca.caPem()));
        assertRefusedFor("claiming node 3: it claims node 3 but its certificate names node 2");
        assertNodeOneStillServes(3);
    }

    @Test
    void certificateOfANonMemberIsRefused() {
        startCluster(true);
        startIntruder(4, certs.tls(certs.node4));
        assertRefusedFor("claiming node 4: node id 4 is not a peer now");
        assertNodeOneStillServes(4);
    }

    @Test
    void handshakeStallingHalfwayTimesOut() throws Exception {
        startCluster(true);
        // A real ClientHello, then silence: node 1 answers with its flight and waits for a Finished that never comes.
        SSLEngine engine = certs.tls(certs.node3).context().createSSLEngine();
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), hello);
        hello.flip();
        SocketChannel staller = track(SocketChannel.open(t1.localAddress()));
        while (hello.hasRemaining()) {
            staller.write(hello);
        }
        assertRefusedFor("no complete TLS handshake within " + HANDSHAKE_TIMEOUT.toMillis() + " ms");
        assertNodeOneStillServes(3);
    }

    @Test
    void thousandHalfOpenConnectionsNeitherStopTrafficNorLockOutPeers() throws Exception {
        startCluster(true);
        InetSocketAddress target = t1.localAddress();
        for (int i = 0; i < 1_000; i++) {
            track(SocketChannel.open(target));
        }
        assertNodeOneStillServes(0);
        assertRefusedFor("connections already await their handshake");
        assertRefusedFor("no complete TLS handshake within");
        // Once the half-open slots time out, a legitimate node 3 gets in although the 1,000 sockets stay open.
        TcpTransport node3 = startIntruder(3, certs.tls(certs.node3));
        Poll.until(() -> inbox1.roundsFrom(3).contains(1L), WAIT, () -> "node 3 connects after the flood: "
                + t1.counters());
        assertNodeOneStillServes(0);
        assertThat(node3.counters().handshakesRefused()).isZero();
    }

    /** Starts nodes 1 and 2 (members 1, 2, 3) and waits until they exchange messages. */
    private void startCluster(boolean tls) {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        InetSocketAddress node3 = Loopback.closedPort();
        TcpTransport.Builder b1 = Loopback.builder(1, l1).connectTimeout(HANDSHAKE_TIMEOUT)
                .refusalListener(refusals::add).peer(2, Loopback.address(l2)).peer(3, node3);
        TcpTransport.Builder b2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).peer(3, node3);
        if (tls) {
            b1.tls(certs.tls(certs.node1));
            b2.tls(certs.tls(certs.node2));
        }
        t1 = track(b1.build());
        t2 = track(b2.build());
        t1.start(inbox1);
        t2.start(inbox2);
        exchange();
    }

    private TcpTransport startIntruder(long claimedId, TransportTls tls) {
        TcpTransport intruder = track(Loopback.builder(claimedId, Loopback.bind()).tls(tls)
                .peer(1, t1.localAddress()).build());
        intruder.start(m -> { });
        intruder.send(Loopback.heartbeat(claimedId, 1, 1));
        return intruder;
    }

    /** Sends one more heartbeat each way between nodes 1 and 2 and waits for both. */
    private void exchange() {
        long r = ++round;
        t1.send(Loopback.heartbeat(1, 2, r));
        t2.send(Loopback.heartbeat(2, 1, r));
        Poll.until(() -> inbox1.roundsFrom(2).contains(r) && inbox2.roundsFrom(1).contains(r), WAIT,
                () -> "round " + r + " between nodes 1 and 2: " + t1.counters() + " " + t2.counters());
    }

    private void assertRefusedFor(String reason) {
        Poll.until(() -> reasons().stream().anyMatch(r -> r.contains(reason)), WAIT,
                () -> "node 1 refuses a connection because '" + reason + "'; refusals so far: " + reasons());
        assertThat(t1.counters().handshakesRefused()).as("refusals are counted").isPositive();
    }

    /** Node 1 is up, took nothing from {@code intruder} (0: none) and still exchanges messages with node 2. */
    private void assertNodeOneStillServes(long intruder) {
        for (int i = 0; i < 3; i++) {
            exchange();
        }
        for (Message m : inbox1.all()) {
            if (intruder != 0) {
                assertThat(m.from()).as("no message from intruder %d reached node 1: %s", intruder, m)
                        .isNotEqualTo(intruder);
            }
        }
        assertThat(inbox1.all()).as("node 1 received only node 2's heartbeats").allMatch(m -> m.from() == 2
                || intruder == 0 && m.from() == 3);
    }

    private List<String> reasons() {
        List<String> reasons = new ArrayList<>();
        for (ConnectionRefusal r : refusals) {
            reasons.add(r.reason());
        }
        return reasons;
    }

    private <T extends AutoCloseable> T track(T closeable) {
        toClose.add(closeable);
        return closeable;
    }
}
