package dev.sansraft.transport.tcp;

import java.nio.file.Path;

/**
 * The certificates a TLS test class needs, generated once per class with keytool into its temporary directory:
 * nodes 1 to 3 of the cluster CA, node 4 (a non-member) of the same CA, an expired node 2, and a node 2 of another
 * CA. No private key is committed to the repository.
 */
final class TlsCertificates {

    final ThrowawayCa ca;
    final ThrowawayCa.Issued node1;
    final ThrowawayCa.Issued node2;
    final ThrowawayCa.Issued node3;
    final ThrowawayCa.Issued node4;
    final ThrowawayCa.Issued expiredNode2;
    final ThrowawayCa otherCa;
    final ThrowawayCa.Issued otherCaNode2;

    private TlsCertificates(Path dir) {
        ca = ThrowawayCa.create(dir.resolve("cluster-ca"), "sansraft test CA", 30);
        node1 = ca.issueNode(1);
        node2 = ca.issueNode(2);
        node3 = ca.issueNode(3);
        node4 = ca.issueNode(4);
        // Valid from three days ago for one day: expired the day before yesterday.
        expiredNode2 = ca.issue("expired-node-2", "CN=node-2", "-3d", 1);
        otherCa = ThrowawayCa.create(dir.resolve("other-ca"), "some other CA", 30);
        otherCaNode2 = otherCa.issueNode(2);
    }

    static TlsCertificates generate(Path dir) {
        return new TlsCertificates(dir);
    }

    /** TLS settings from {@code issued}'s PEM files, trusting the cluster CA. */
    TransportTls tls(ThrowawayCa.Issued issued) {
        return TransportTls.fromPem(issued.certificateChain(), issued.privateKey(), ca.caPem());
    }
}
