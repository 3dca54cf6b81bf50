package dev.sansraft.transport.tcp;

/**
 * A connection this transport refused or dropped before it carried any message, with the reason it also logged at
 * WARN: a failed TLS handshake (untrusted or expired certificate, plaintext on a TLS port), a certificate that names
 * another node than the handshake claims, a non-member, a wrong cluster id, TLS on a plaintext port, a handshake that
 * did not finish in time, too many connections awaiting their handshake. Immutable.
 *
 * @param remoteAddress the peer's address as text, or "unknown address"
 * @param direction     "inbound" for a connection accepted by this node, "outbound" for one it dialed
 * @param reason        the reason, as in the log line
 */
public record ConnectionRefusal(String remoteAddress, String direction, String reason) {
}
