package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.ServerSocketChannel;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mutual TLS between transports: traffic of every size, certificate naming, PEM errors and rotation. */
@Timeout(120)
class TlsTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static TlsCertificates certs;

    @BeforeAll
    static void generateCertificates() {
        certs = TlsCertificates.generate(dir);
    }

    @Test
    void messagesOfEveryTypeAndSizeFlowBothWaysInOrderOverTls() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).tls(certs.tls(certs.node1)).peer(2, Loopback.address(l2))
                .build();
             TcpTransport t2 = Loopback.builder(2, l2).tls(certs.tls(certs.node2)).peer(1, Loopback.address(l1))
                     .build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            RandomMessages random = new RandomMessages(7);
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
            // Frames far larger than a TLS record and than the read buffer: 1 MiB snapshot chunks.
            byte[] chunk = new byte[1 << 20];
            new SplittableRandom(3).nextBytes(chunk);
            SnapshotInfo snapshot = new SnapshotInfo(100, 2, List.of(1L, 2L), Long.MAX_VALUE / 2, 0);
            for (int i = 0; i < 6; i++) {
                Message m = new InstallSnapshot(1, 2, 3, snapshot, (long) i << 20, chunk.clone());
                to2.add(m);
                Poll.until(() -> t1.counters().queuedMessages() < 4, WAIT, () -> "chunk queue drains");
                t1.send(m);
            }
            Poll.until(() -> inbox1.size() == to1.size() && inbox2.size() == to2.size(), WAIT,
                    () -> "all delivered: " + t1.counters() + " " + t2.counters());
            assertThat(WireContent.of(inbox2.all())).as("node 2 receives node 1's messages, in order")
                    .isEqualTo(WireContent.of(to2));
            assertThat(WireContent.of(inbox1.all())).as("node 1 receives node 2's messages, in order")
                    .isEqualTo(WireContent.of(to1));
            assertThat(t1.isTls()).isTrue();
            assertThat(t1.counters().messagesDropped()).isZero();
            assertThat(t1.counters().handshakesRefused()).isZero();
            assertThat(t2.counters().handshakesRefused()).isZero();
        }
    }

    @Test
    void nodeIdIsTheCommonNameOfTheCertificate() {
        X509Certificate node3 = Pem.certificates(certs.node3.certificateChain()).get(0);
        assertThat(TransportTls.nodeIdOf(node3)).isEqualTo(3);
        X509Certificate ca = Pem.certificates(certs.ca.caPem()).get(0);
        assertThatThrownBy(() -> TransportTls.nodeIdOf(ca)).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("CN must be node-<id>");
    }

    @Test
    void builderRefusesACertificateOfAnotherNode() {
        ServerSocketChannel l1 = Loopback.bind();
        assertThatThrownBy(() -> Loopback.builder(1, l1).tls(certs.tls(certs.node2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificate names node 2 but this is node 1");
        EventLoop.closeQuietly(l1);
    }

    @Test
    void unusablePemFilesAreReportedWithTheirName() throws IOException {
        Path notAKey = dir.resolve("not-a-key.pem");
        Files.writeString(notAKey, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TransportTls.fromPem(certs.node1.certificateChain(), notAKey, certs.ca.caPem()))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageContaining(notAKey.toString()).hasMessageContaining("PKCS#1/SEC1");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> TransportTls.fromPem(missing, certs.node1.privateKey(), certs.ca.caPem()))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void reloadTakesNewCertificatesForNewConnectionsWithoutRestart() throws IOException {
        // Node 1 starts trusting only the wrong CA, so node 2 cannot get in; fixing the file and reloading lets it.
        Path trust = dir.resolve("node-1-trust.pem");
        Files.copy(certs.otherCa.caPem(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TransportTls tls1 = TransportTls.fromPem(certs.node1.certificateChain(), certs.node1.privateKey(), trust);
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        ConcurrentLinkedQueue<ConnectionRefusal> refusals = new ConcurrentLinkedQueue<>();
        try (TcpTransport t1 = Loopback.builder(1, l1).tls(tls1).refusalListener(refusals::add)
                .peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).tls(certs.tls(certs.node2)).refusalListener(refusals::add)
                     .peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t2.start(m -> { });
            t2.send(Loopback.heartbeat(2, 1, 1));
            Poll.until(() -> !refusals.isEmpty(), WAIT, () -> "node 1 refuses node 2 signed by an untrusted CA");
            assertThat(inbox1.size()).isZero();

            Files.copy(certs.ca.caPem(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            tls1.reload();
            refusals.clear();
            Poll.until(() -> inbox1.size() > 0, WAIT, () -> "node 2 gets through after the reload: "
                    + t2.counters() + " " + refusals.peek());
            assertThat(inbox1.roundsFrom(2)).contains(1L);
        }
    }

    @Test
    void failedReloadKeepsThePreviousContext() throws IOException {
        Path key = dir.resolve("rotating.key");
        Files.copy(certs.node1.privateKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TransportTls tls = TransportTls.fromPem(certs.node1.certificateChain(), key, certs.ca.caPem());
        var before = tls.context();
        Files.writeString(key, "half-written");
        assertThatThrownBy(tls::reload).isInstanceOf(TlsConfigException.class).hasMessageContaining(key.toString());
        assertThat(tls.context()).isSameAs(before);
    }
}
