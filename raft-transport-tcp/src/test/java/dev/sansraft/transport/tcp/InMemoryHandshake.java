package dev.sansraft.transport.tcp;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.nio.ByteBuffer;

/**
 * Runs the TLS handshake of two {@link SSLEngine}s against each other through heap buffers, without sockets, for tests
 * and benchmarks that look at an engine pair directly. Not thread-safe: one caller owns both engines.
 */
public final class InMemoryHandshake {

    private static final int MAX_STEPS = 100;

    private InMemoryHandshake() {
    }

    /**
     * Handshakes until neither engine has anything left to do.
     *
     * @throws SSLException          if an engine refuses the other's handshake
     * @throws IllegalStateException if the handshake does not finish within {@value #MAX_STEPS} steps
     */
    public static void run(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < MAX_STEPS && (isHandshaking(client) || isHandshaking(server)); i++) {
            step(client, toServer, toClient);
            step(server, toClient, toServer);
        }
        if (isHandshaking(client) || isHandshaking(server)) {
            throw new IllegalStateException("handshake did not finish in " + MAX_STEPS + " steps: client "
                    + client.getHandshakeStatus() + ", server " + server.getHandshakeStatus());
        }
    }

    private static boolean isHandshaking(SSLEngine engine) {
        return engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }

    /** Lets {@code engine} wrap into {@code out} and unwrap from {@code in} until it waits for the other side. */
    private static void step(SSLEngine engine, ByteBuffer out, ByteBuffer in) throws SSLException {
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer scratch = ByteBuffer.allocate(1 << 16);
        for (int i = 0; i < MAX_STEPS; i++) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK: {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    break;
                }
                case NEED_WRAP:
                    engine.wrap(empty, out);
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN: {
                    in.flip();
                    SSLEngineResult result = engine.unwrap(in, scratch.clear());
                    in.compact();
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        return;
                    }
                    break;
                }
                default:
                    return;
            }
        }
    }
}
