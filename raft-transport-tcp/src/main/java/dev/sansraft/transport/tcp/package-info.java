/**
 * A TCP {@link dev.sansraft.node.Transport} built on the JDK's NIO: {@link dev.sansraft.transport.tcp.TcpTransport}
 * runs one selector thread for every peer, frames messages with {@link dev.sansraft.transport.tcp.MessageCodec}, and
 * reports bad bytes from the network as {@link dev.sansraft.transport.tcp.FrameDecodeException}.
 *
 * <p>The public types at the top (the transport, its builder, the codec, the decode exception and the counters
 * snapshot) are the API; the package-private classes beneath them (the event loop, per-peer outbound links, inbound
 * connections, frame reader, outbound buffer and reconnect backoff) are the implementation. The wire format is
 * described in {@code raft-transport-tcp/WIRE.md}.
 *
 * <p>May depend on {@code dev.sansraft.core}, {@code dev.sansraft.node} and slf4j only.
 */
package dev.sansraft.transport.tcp;
