package dev.sansraft.examples.server;

import dev.sansraft.examples.Command;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.cli.ByteSize;
import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;
import dev.sansraft.storage.file.FileLogStoreBuilder;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code server}: runs one node (file log, TCP transport, key-value state machine, HTTP API) until the process is
 * stopped; SIGTERM or Ctrl-C closes it cleanly through a shutdown hook. Stateless.
 */
public final class ServerCommand implements Command {
    private static final SnapshotSettings DEFAULT_SNAPSHOTS = SnapshotSettings.defaults();
    /** Far beyond any sensible setting, low enough that index arithmetic in the core cannot overflow. */
    private static final long MAX_SNAPSHOT_ENTRIES = 1L << 40;

    @Override
    public String name() {
        return "server";
    }

    @Override
    public FlagSet flags() {
        FlagSet flags = new FlagSet("server", "Runs one node of a replicated key-value store with an HTTP API."
                + " Each --peers entry is id=host:raftPort/httpPort; this node listens on the ports of its own entry.")
                .flag("id", "ID", null, "this node's id, one of the --peers ids")
                .flag("data", "DIR", null, "data directory (created if missing; holds the identity file, log/ and"
                        + " snapshots/)")
                .flag("peers", "LIST", null, "every member, e.g. 1=127.0.0.1:9001/8001,2=127.0.0.1:9002/8002")
                .flag("cluster-id", "NAME", "sansraft", "cluster name recorded in the data directory")
                .flag("http-threads", "N", "4", "threads running HTTP handlers and sending responses")
                .flag("tls-cert", "PEM", "", "this node's certificate chain (CN=node-<id>); with --tls-key and"
                        + " --tls-ca turns on mutual TLS on the raft port and HTTPS on the HTTP port")
                .flag("tls-key", "PEM", "", "the certificate's private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY)")
                .flag("tls-ca", "PEM", "", "the cluster CA bundle every node's certificate must chain to")
                .flag("auth-token-file", "FILE", "", "require 'Authorization: Bearer <token>' (the file's content)"
                        + " on every request but GET /status and GET /metrics");
        return withSnapshotFlags(flags)
                .flag("log-segment-bytes", "SIZE", ByteSize.format(NodeSettings.DEFAULT_LOG_SEGMENT_BYTES),
                        "log segment file size; compaction frees disk a whole segment at a time");
    }

    /**
     * Declares {@code --snapshot-entries}, {@code --snapshot-bytes} and {@code --snapshot-trailing}.
     *
     * @param flags the flag set to add to
     * @return {@code flags}
     */
    public static FlagSet withSnapshotFlags(FlagSet flags) {
        return flags
                .flag("snapshot-entries", "N", Long.toString(DEFAULT_SNAPSHOTS.entries()),
                        "snapshot after this many entries applied since the last snapshot; 0 never")
                .flag("snapshot-bytes", "SIZE", ByteSize.format(DEFAULT_SNAPSHOTS.bytes()),
                        "snapshot after this many entry bytes applied since the last snapshot; 0 never")
                .flag("snapshot-trailing", "N", Long.toString(DEFAULT_SNAPSHOTS.trailingEntries()),
                        "log entries kept before a snapshot's index, so slightly lagging followers need no snapshot");
    }

    /**
     * Reads the flags {@link #withSnapshotFlags} declares.
     *
     * @param flags parsed flags of a set built with {@link #withSnapshotFlags}
     * @return the thresholds
     * @throws UsageException naming the flag whose value is not a valid threshold
     */
    public static SnapshotSettings snapshotSettings(ParsedFlags flags) {
        return new SnapshotSettings(
                flags.longValue("snapshot-entries", 0, MAX_SNAPSHOT_ENTRIES),
                flags.byteSize("snapshot-bytes", 0, 1L << 50),
                flags.longValue("snapshot-trailing", 0, MAX_SNAPSHOT_ENTRIES));
    }

    /**
     * The server command-line flags that give a node {@code snapshots}.
     *
     * @param snapshots the thresholds
     * @return the flags and values, ready to append to a command line
     */
    public static List<String> snapshotArgs(SnapshotSettings snapshots) {
        return List.of("--snapshot-entries", Long.toString(snapshots.entries()),
                "--snapshot-bytes", Long.toString(snapshots.bytes()),
                "--snapshot-trailing", Long.toString(snapshots.trailingEntries()));
    }

    @Override
    public int run(ParsedFlags flags, PrintStream out, PrintStream err) throws Exception {
        NodeSettings settings = settings(flags);
        ServerSecurity security = ServerSecurity.fromFlags(flags);
        NodeServer server;
        try {
            server = NodeServer.start(settings, security);
        } catch (DataDirectoryException e) {
            err.println("error: " + e.getMessage());
            return Main.EXIT_DATA_DIRECTORY;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "server-shutdown"));
        // A node that stops on a fatal error (storage failure) must not linger answering 503: exit non-zero so that
        // a supervisor restarts the process, which recovers from its durable state.
        java.util.concurrent.atomic.AtomicReference<Throwable> fatal = new java.util.concurrent.atomic.AtomicReference<>();
        server.node().raftNode().terminated().whenComplete((ok, cause) -> {
            if (cause != null) {
                fatal.set(cause);
                stopped.countDown();
            }
        });
        out.println("node " + settings.id() + " running: raft " + settings.self().host() + ":"
                + settings.self().raftPort() + (security.tls() != null ? " (mutual TLS)" : "") + ", http "
                + security.withScheme(java.util.Map.of(settings.id(), settings.self().httpBaseUrl()))
                .get(settings.id()) + (security.authToken() != null ? " (bearer token required)" : ""));
        stopped.await();
        if (fatal.get() != null) {
            err.println("error: node " + settings.id() + " stopped after a fatal error: " + fatal.get());
            server.close();
            return Main.EXIT_FAILURE;
        }
        return Main.EXIT_OK;
    }

    static NodeSettings settings(ParsedFlags flags) {
        long id = flags.longValue("id", 1, Long.MAX_VALUE);
        PeerList peers = PeerList.parse(flags.string("peers"));
        if (peers.find(id).isEmpty()) {
            throw new UsageException("--id " + id + " is not among the --peers ids " + peers.ids());
        }
        String clusterId = flags.string("cluster-id");
        NodeIdentity identity;
        try {
            identity = new NodeIdentity(clusterId, id);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--cluster-id: " + e.getMessage());
        }
        SnapshotSettings snapshots = snapshotSettings(flags);
        long segmentBytes = flags.byteSize("log-segment-bytes", FileLogStoreBuilder.MIN_SEGMENT_SIZE_BYTES,
                FileLogStoreBuilder.MAX_SEGMENT_SIZE_BYTES);
        return new NodeSettings(identity, Path.of(flags.string("data")), peers,
                flags.intValue("http-threads", 1, 256), snapshots, segmentBytes);
    }
}
