package dev.sansraft.transport.tcp;

import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TcpTransport#updatePeers}: the peer set follows the configuration. */
@Timeout(60)
class PeerUpdateTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static String endpoint(ServerSocketChannel listen, int httpPort) {
        InetSocketAddress a = Loopback.address(listen);
        return a.getHostString() + ":" + a.getPort() + "/" + httpPort;
    }

    @Test
    void aMemberAddedByConfigurationIsDialedAndCanAnswer() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l3 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox3 = new Inbox();
        // Node 3 is a member-to-be that knows node 1 (as a joining node learns it); node 1 starts without node 3.
        try (TcpTransport t1 = Loopback.builder(1, l1).build();
             TcpTransport t3 = Loopback.builder(3, l3).peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t3.start(inbox3);
            t1.send(Loopback.heartbeat(1, 3, 0));
            assertThat(t1.counters().messagesDropped()).as("node 3 is not a peer of node 1 yet").isEqualTo(1);

            t1.updatePeers(Map.of(1L, "ignored-self", 3L, endpoint(l3, 8003)));
            Poll.until(() -> t1.peerIds().contains(3L), WAIT, () -> "node 1 learns node 3: " + t1.peerIds());
            for (int round = 1; round <= 5; round++) {
                t1.send(Loopback.heartbeat(1, 3, round));
            }
            Poll.until(() -> inbox3.roundsFrom(1).size() == 5, WAIT, () -> "node 3 hears node 1: " + inbox3.all());
            t3.send(Loopback.heartbeat(3, 1, 7));
            Poll.until(() -> inbox1.roundsFrom(3).contains(7L), WAIT,
                    () -> "node 1 accepts node 3's connection now that it is a peer: " + t1.counters());
        }
    }

    @Test
    void aRemovedMemberIsDroppedAndItsConnectionsRefused() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            t2.send(Loopback.heartbeat(2, 1, 1));
            Poll.until(() -> inbox1.roundsFrom(2).contains(1L), WAIT, () -> "node 1 hears node 2");

            t1.updatePeers(Map.of(1L, ""));
            Poll.until(() -> t1.peerIds().isEmpty(), WAIT, () -> "node 1 forgets node 2: " + t1.peerIds());
            long droppedBefore = t1.counters().messagesDropped();
            t1.send(Loopback.heartbeat(1, 2, 2));
            assertThat(t1.counters().messagesDropped()).as("a removed member gets nothing more")
                    .isEqualTo(droppedBefore + 1);
            // Node 2 keeps trying; node 1 refuses its handshakes, so nothing more from node 2 is delivered.
            Poll.until(() -> t1.counters().handshakesRefused() > 0, WAIT,
                    () -> "node 2's reconnection is refused: " + t1.counters());
            int heard = inbox1.roundsFrom(2).size();
            for (int round = 3; round < 20; round++) {
                t2.send(Loopback.heartbeat(2, 1, round));
            }
            Poll.until(() -> t1.counters().handshakesRefused() > 1, WAIT, () -> "still refused: " + t1.counters());
            assertThat(inbox1.roundsFrom(2)).as("nothing from the removed member after its removal").hasSize(heard);
        }
    }

    @Test
    void aMemberWithoutEndpointKeepsItsConfiguredAddress() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build()) {
            t1.start(new Inbox());
            t2.start(inbox2);
            t1.updatePeers(Map.of(1L, "", 2L, ""));
            t1.updatePeers(Map.of(2L, "no-port-here"));
            t1.send(Loopback.heartbeat(1, 2, 1));
            Poll.until(() -> inbox2.roundsFrom(1).contains(1L), WAIT, () -> "node 2 still reached: " + t1.counters());
            assertThat(t1.peerIds()).containsExactly(2L);
        }
    }

    @Test
    void endpointsAreReadAsHostRaftPortAndAnySuffix() {
        assertThat(RaftEndpoint.parse("127.0.0.1:9001/8001").getPort()).isEqualTo(9001);
        assertThat(RaftEndpoint.parse("127.0.0.1:9002").getPort()).isEqualTo(9002);
        assertThat(RaftEndpoint.parse("[::1]:9003/x").getPort()).isEqualTo(9003);
        assertThatThrownBy(() -> RaftEndpoint.parse("127.0.0.1/8001")).hasMessageContaining("host:raftPort");
        assertThatThrownBy(() -> RaftEndpoint.parse("127.0.0.1:0/8001")).hasMessageContaining("outside");
        assertThatThrownBy(() -> RaftEndpoint.parse("")).hasMessageContaining("empty");
    }
}
