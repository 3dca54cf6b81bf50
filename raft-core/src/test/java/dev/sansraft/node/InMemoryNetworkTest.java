package dev.sansraft.node;

import dev.sansraft.core.Message;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryNetworkTest {

    private static Message vote(long from, long to, long term) {
        return new Message.VoteRequest(from, to, term, 0, 0, false);
    }

    @Test
    void deliversInOrderBetweenAPair() {
        try (InMemoryNetwork net = InMemoryNetwork.create()) {
            List<Message> got = new CopyOnWriteArrayList<>();
            InMemoryTransport a = net.transport(1);
            net.transport(2).start(got::add);
            a.start(m -> { });

            for (int i = 1; i <= 1000; i++) {
                a.send(vote(1, 2, i));
            }

            Poll.until("all delivered", () -> got.size() == 1000);
            for (int i = 0; i < 1000; i++) {
                assertThat(got.get(i).term()).isEqualTo(i + 1);
            }
            assertThat(net.deliveredCount()).isEqualTo(1000);
        }
    }

    @Test
    void aDisconnectedNodeNeitherSendsNorReceivesUntilReconnected() {
        try (InMemoryNetwork net = InMemoryNetwork.create()) {
            List<Message> atTwo = new CopyOnWriteArrayList<>();
            List<Message> atOne = new CopyOnWriteArrayList<>();
            InMemoryTransport one = net.transport(1);
            InMemoryTransport two = net.transport(2);
            one.start(atOne::add);
            two.start(atTwo::add);

            net.disconnect(2);
            one.send(vote(1, 2, 1));
            two.send(vote(2, 1, 1));
            net.connect(2);
            one.send(vote(1, 2, 2));
            two.send(vote(2, 1, 2));

            Poll.until("the reconnected messages arrive", () -> atOne.size() == 1 && atTwo.size() == 1);
            assertThat(atTwo.get(0).term()).isEqualTo(2);
            assertThat(atOne.get(0).term()).isEqualTo(2);
            assertThat(net.droppedCount()).isEqualTo(2);
        }
    }

    @Test
    void aRestartedNodesNewTransportReplacesTheOldOne() {
        try (InMemoryNetwork net = InMemoryNetwork.create()) {
            List<Message> old = new CopyOnWriteArrayList<>();
            List<Message> fresh = new CopyOnWriteArrayList<>();
            InMemoryTransport sender = net.transport(1);
            InMemoryTransport first = net.transport(2);
            first.start(old::add);
            first.close();
            net.transport(2).start(fresh::add);

            sender.send(vote(1, 2, 1));

            Poll.until("delivered to the new transport", () -> fresh.size() == 1);
            assertThat(old).isEmpty();
        }
    }

    @Test
    void messagesBeyondTheQueueBoundOrToUnknownNodesAreDropped() {
        try (InMemoryNetwork net = InMemoryNetwork.create(1)) {
            InMemoryTransport sender = net.transport(1);
            for (int i = 0; i < 100; i++) {
                sender.send(vote(1, 9, 1));
            }
            Poll.until("everything accounted for", () -> net.droppedCount() + net.deliveredCount() == 100);
            assertThat(net.deliveredCount()).isZero();
        }
    }

    @Test
    void aTransportRefusesToSendAnotherNodesMessages() {
        try (InMemoryNetwork net = InMemoryNetwork.create()) {
            assertThatThrownBy(() -> net.transport(1).send(vote(2, 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node 1 cannot send");
            assertThatThrownBy(() -> net.transport(0)).hasMessageContaining("positive");
        }
    }
}
