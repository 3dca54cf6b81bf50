package dev.sansraft.examples.embed;

import dev.sansraft.examples.FreePorts;
import dev.sansraft.examples.Poll;
import dev.sansraft.kv.Consistency;
import dev.sansraft.kv.KvStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the README's embedding example as three nodes and uses it the way the README shows. */
class EmbeddedNodeTest {

    @TempDir
    Path dir;

    @Test
    void readmeExampleReplicatesAWrite() throws Exception {
        int[] ports = FreePorts.pick(3);
        Map<Long, InetSocketAddress> cluster = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            cluster.put((long) i + 1, new InetSocketAddress("127.0.0.1", ports[i]));
        }
        List<KvStore> stores = new ArrayList<>();
        try {
            for (long id : EmbeddedNode.ids(cluster)) {
                stores.add(EmbeddedNode.start(id, dir.resolve("node-" + id), cluster));
            }
            KvStore leader = Poll.until(Duration.ofSeconds(30), "a leader",
                    () -> stores.stream().filter(s -> s.node().status().isLeader()).findFirst().orElse(null));

            // README:usage
            byte[] key = "sku-42".getBytes(StandardCharsets.UTF_8);
            long index = leader.put(key, "7 in stock".getBytes(StandardCharsets.UTF_8)).join().index();
            byte[] value = leader.get(key).join().value();                     // linearizable by default
            byte[] quick = leader.get(key, Consistency.STALE).join().value();  // local, may lag
            // README:usage-end

            assertThat(index).isPositive();
            assertThat(new String(value, StandardCharsets.UTF_8)).isEqualTo("7 in stock");
            assertThat(quick).isEqualTo(value);
            for (KvStore s : stores) {
                Poll.untilTrue(Duration.ofSeconds(30), "node " + s.node().id() + " to apply the write",
                        () -> s.get(key, Consistency.STALE).join().value() != null);
            }
        } finally {
            for (KvStore s : stores) {
                s.close();
                s.node().close();
            }
        }
    }
}
