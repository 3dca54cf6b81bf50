package dev.sansraft.transport.tcp;

/**
 * A point-in-time snapshot of one {@link TcpTransport}'s counters. Each field is read atomically on its own; the
 * snapshot as a whole is not a consistent cut. Immutable and thread-safe.
 *
 * <p>Suggested metric names (node id as a label): {@code sansraft_transport_messages_sent_total},
 * {@code sansraft_transport_messages_received_total}, {@code sansraft_transport_messages_dropped_total},
 * {@code sansraft_transport_sent_bytes_total}, {@code sansraft_transport_received_bytes_total},
 * {@code sansraft_transport_decode_errors_total}, {@code sansraft_transport_handshakes_refused_total},
 * {@code sansraft_transport_connections_established_total}, {@code sansraft_transport_queued_messages},
 * {@code sansraft_transport_queued_bytes} and {@code sansraft_transport_snapshot_chunks_dropped_total}.
 *
 * @param messagesSent           messages whose frames were completely written to a socket
 * @param messagesReceived       messages decoded from peers and handed to the inbound consumer
 * @param messagesDropped        messages given to {@code send} that will never be written: queue overflow, unknown
 *                               or self recipient, frame over the maximum, transport closed, or connection lost with
 *                               the message in a partly written batch
 * @param bytesSent              bytes written to sockets, handshakes included (with TLS: plaintext bytes)
 * @param bytesReceived          bytes read from sockets, handshakes and bad bytes included (with TLS: plaintext
 *                               bytes after decryption)
 * @param decodeErrors           connections closed because their bytes were not valid frames
 * @param handshakesRefused      connections refused before they carried a message: a wrong cluster id, an unknown
 *                               node id or a wrong answer, a failed TLS handshake or a certificate naming another
 *                               node, a handshake that timed out, too many connections awaiting their handshake
 *                               (each also logged and reported to the refusal listener)
 * @param connectionsEstablished outbound connections that completed the handshake
 * @param queuedMessages         messages waiting in the outbound queues or in the batch being written now, summed
 *                               over peers
 * @param queuedBytes            frame bytes waiting in the outbound queues now, summed over peers
 * @param snapshotChunksDropped  snapshot chunks refused because their peer already had
 *                               {@code maxQueuedSnapshotBytesPerPeer} of chunks queued (back-pressure on a snapshot
 *                               transfer; also counted in {@code messagesDropped})
 */
public record TransportCounters(long messagesSent, long messagesReceived, long messagesDropped, long bytesSent,
                                long bytesReceived, long decodeErrors, long handshakesRefused,
                                long connectionsEstablished, long queuedMessages, long queuedBytes,
                                long snapshotChunksDropped) {
}
