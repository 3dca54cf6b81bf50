package dev.sansraft.transport.tcp;

import java.nio.charset.StandardCharsets;

/**
 * The handshake frame's content: the sender's cluster id and node id. The dialing side sends one first; the accepting
 * side checks it and answers with its own, after which the dialing side checks the answer.
 *
 * @param clusterId 1 to {@value #MAX_CLUSTER_ID_BYTES} bytes of UTF-8
 * @param nodeId    positive
 */
record Hello(String clusterId, long nodeId) {

    static final int MAX_CLUSTER_ID_BYTES = 255;

    Hello {
        checkClusterId(clusterId);
        if (nodeId <= 0) {
            throw new IllegalArgumentException("node id must be positive, got " + nodeId);
        }
    }

    static void checkClusterId(String clusterId) {
        if (clusterId == null || clusterId.isEmpty()) {
            throw new IllegalArgumentException("cluster id must be a non-empty string, got " + clusterId);
        }
        int bytes = clusterId.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_CLUSTER_ID_BYTES) {
            throw new IllegalArgumentException("cluster id is " + bytes + " bytes of UTF-8, at most "
                    + MAX_CLUSTER_ID_BYTES + " allowed");
        }
    }
}
