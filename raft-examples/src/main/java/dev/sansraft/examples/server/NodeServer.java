package dev.sansraft.examples.server;

/** Placeholder until the node runtime lands. */
public final class NodeServer implements AutoCloseable {
    public static NodeServer start(NodeSettings settings) {
        settings.identity().claim(settings.dataDir(), "log");
        throw new UnsupportedOperationException("node runtime not merged yet");
    }

    @Override
    public void close() {
    }
}
