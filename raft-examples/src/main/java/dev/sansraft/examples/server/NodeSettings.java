package dev.sansraft.examples.server;

import java.nio.file.Path;

/**
 * Everything needed to start one node. Immutable.
 *
 * @param identity    cluster id and node id
 * @param dataDir     the data directory
 * @param peers       every member, this node included
 * @param httpThreads threads for the HTTP API
 */
public record NodeSettings(NodeIdentity identity, Path dataDir, PeerList peers, int httpThreads) {

    public NodeSettings {
        if (peers.find(identity.nodeId()).isEmpty()) {
            throw new IllegalArgumentException("node " + identity.nodeId() + " is not in peers " + peers);
        }
    }

    public long id() {
        return identity.nodeId();
    }

    public PeerSpec self() {
        return peers.find(identity.nodeId()).orElseThrow();
    }
}
