package dev.sansraft.examples;

import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** A cluster's peer list on free loopback ports, and the look-ups that multi-node tests make on it. Stateless. */
public final class LoopbackPeers {

    private LoopbackPeers() {
    }

    /** Peers 1..{@code n} on 127.0.0.1, each with its own raft and HTTP port, all free a moment ago. */
    public static PeerList pick(int n) {
        int[] ports = FreePorts.pick(2 * n);
        List<PeerSpec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            specs.add(new PeerSpec(i + 1, "127.0.0.1", ports[i], ports[i + n]));
        }
        return PeerList.of(specs);
    }

    /** The HTTP base URLs of the nodes {@code ids}, in their iteration order. */
    public static List<String> httpBaseUrls(PeerList peers, Collection<Long> ids) {
        return ids.stream().map(id -> peers.find(id).orElseThrow().httpBaseUrl()).toList();
    }

    /** The id of the peer whose HTTP base URL is {@code url}. */
    public static long idOf(PeerList peers, String url) {
        return peers.peers().stream().filter(p -> p.httpBaseUrl().equals(url)).findFirst().orElseThrow().id();
    }
}
