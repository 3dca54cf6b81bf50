package dev.sansraft.examples.server;

import dev.sansraft.examples.LoopbackPeers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * The {@link NodeServer}s of a test cluster running in this JVM, started and stopped one by one, each with its own
 * data directory so that a stopped node restarts from its files. Not thread-safe: driven by the test thread.
 */
final class InProcessCluster implements AutoCloseable {
    private final PeerList peers;
    private final LongFunction<NodeSettings> settings;
    private final Map<Long, NodeServer> running = new TreeMap<>();

    /** @param settings the settings of node {@code id} (the same ones on every start of that node) */
    InProcessCluster(PeerList peers, LongFunction<NodeSettings> settings) {
        this.peers = peers;
        this.settings = settings;
    }

    PeerList peers() {
        return peers;
    }

    void start(long id) {
        try {
            running.put(id, NodeServer.start(settings.apply(id)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
    }

    /** Stops node {@code id} and returns it, closed: its state machine can then be read from this thread. */
    NodeServer stop(long id) {
        NodeServer server = running.remove(id);
        if (server == null) {
            throw new IllegalStateException("node " + id + " is not running; running: " + running.keySet());
        }
        server.close();
        return server;
    }

    NodeServer get(long id) {
        return running.get(id);
    }

    Set<Long> runningIds() {
        return running.keySet();
    }

    /** The HTTP base URLs of the running nodes. */
    List<String> liveUrls() {
        return LoopbackPeers.httpBaseUrls(peers, running.keySet());
    }

    @Override
    public void close() {
        for (long id : List.copyOf(running.keySet())) {
            stop(id);
        }
    }
}
