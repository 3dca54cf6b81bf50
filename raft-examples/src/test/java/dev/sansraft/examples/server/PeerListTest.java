package dev.sansraft.examples.server;

import dev.sansraft.examples.cli.UsageException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerListTest {

    @Test
    void parsesEntriesSortsByIdAndRoundTrips() {
        PeerList peers = PeerList.parse("2=127.0.0.1:9002/8002, 1=localhost:9001/8001,3=[::1]:9003/8003");
        assertThat(peers.ids()).containsExactly(1L, 2L, 3L);
        assertThat(peers.find(1).orElseThrow()).isEqualTo(new PeerSpec(1, "localhost", 9001, 8001));
        assertThat(peers.find(3).orElseThrow().host()).isEqualTo("::1");
        assertThat(peers.find(3).orElseThrow().httpBaseUrl()).isEqualTo("http://[::1]:8003");
        assertThat(PeerList.parse(peers.toString()).peers()).isEqualTo(peers.peers());
        assertThat(peers.httpBaseUrls()).containsEntry(2L, "http://127.0.0.1:8002");
    }

    @Test
    void rejectsMalformedEntriesWithTheEntryInTheMessage() {
        assertThatThrownBy(() -> PeerList.parse("1=h:1")).isInstanceOf(UsageException.class)
                .hasMessageContaining("'1=h:1'");
        assertThatThrownBy(() -> PeerList.parse("x=h:1/2")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> PeerList.parse("1=h:1/99999")).isInstanceOf(UsageException.class)
                .hasMessageContaining("outside 1..65535");
        assertThatThrownBy(() -> PeerList.parse("0=h:1/2")).isInstanceOf(UsageException.class)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> PeerList.parse("1=h:1/2,1=h:3/4")).isInstanceOf(UsageException.class)
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PeerList.parse("1=h:1/2,")).isInstanceOf(UsageException.class);
    }
}
