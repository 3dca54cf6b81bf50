package dev.sansraft.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Picks currently free loopback ports for tests that must name ports before a process binds them. */
public final class FreePorts {

    private FreePorts() {
    }

    /** {@code n} distinct ports that were free a moment ago (another process could take one before it is used). */
    public static int[] pick(int n) {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket();
                sockets[i].setReuseAddress(true);
                sockets[i].bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pick free ports", e);
        } finally {
            closeAll(sockets);
        }
    }

    /** The first of {@code n} consecutive ports that were all free a moment ago, below the kernel's ephemeral range. */
    public static int consecutive(int n, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + random.nextInt(10_000);
            ServerSocket[] sockets = new ServerSocket[n];
            boolean free = true;
            try {
                for (int i = 0; i < n && free; i++) {
                    sockets[i] = new ServerSocket();
                    sockets[i].setReuseAddress(true);
                    try {
                        sockets[i].bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + i));
                    } catch (IOException inUse) {
                        free = false;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot probe ports", e);
            } finally {
                closeAll(sockets);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports found (seed " + seed + ")");
    }

    private static void closeAll(ServerSocket[] sockets) {
        for (ServerSocket s : sockets) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot release a probe port", e);
                }
            }
        }
    }
}
