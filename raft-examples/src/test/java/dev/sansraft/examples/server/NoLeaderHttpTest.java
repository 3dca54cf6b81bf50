package dev.sansraft.examples.server;

import dev.sansraft.core.RaftConfig;
import dev.sansraft.examples.Http;
import dev.sansraft.node.InMemoryLogStore;
import dev.sansraft.node.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A node whose peers never start knows no leader: writes and linearizable reads get 503 with Retry-After. */
class NoLeaderHttpTest {

    @Test
    void writesAndLinearizableReadsGet503WhileNoLeaderIsKnown() throws Exception {
        Http http = new Http();
        try (InMemoryNetwork network = InMemoryNetwork.create();
             KvNode lonely = KvNode.start(1, List.of(1L, 2L, 3L), RaftConfig.builder().randomSeed(1).build(),
                     new InMemoryLogStore(), network.transport(1),
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Map.of(), 1)) {
            String base = "http://127.0.0.1:" + lonely.httpPort();
            HttpResponse<String> put = http.put(base + "/kv/k", "v");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(503);
            assertThat(put.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(http.get(base + "/kv/k").statusCode()).isEqualTo(503);
            assertThat(http.get(base + "/kv/k?consistency=stale").statusCode()).as("stale reads need no leader")
                    .isEqualTo(404);
            assertThat(http.get(base + "/status").body()).contains("\"leader\":0");
        }
    }
}
