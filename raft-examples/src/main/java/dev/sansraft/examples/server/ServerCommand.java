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
                + " Each --peers entry is id=host:raftPort/httpPort; this node listens on the ports of its own entry."
                + " A node joining a running cluster gives --address and --join instead of --peers; once it has"
                + " joined, it restarts with --address alone (its membership is in its data directory).")
                .flag("id", "ID", null, "this node's id, one of the --peers ids")
                .flag("data", "DIR", null, "data directory (created if missing; holds the identity file, log/ and"
                        + " snapshots/)")
                .flag("peers", "LIST", "", "every member of a new cluster, e.g."
                        + " 1=127.0.0.1:9001/8001,2=127.0.0.1:9002/8002")
                .flag("address", "HOST:RAFT/HTTP", "", "this node's own endpoint when it joins (or rejoined) a"
                        + " running cluster, e.g. 127.0.0.1:9004/8004")
                .flag("join", "URL", "", "any member's HTTP address, e.g. http://127.0.0.1:8001: ask the cluster to"
                        + " add this node (on an empty data directory), catch up, and be promoted to voter; with"
                        + " --tls-* an https:// URL, trusted through --tls-ca, and --auth-token-file's token is sent")
                .flag("cluster-id", "NAME", "sansraft", "cluster name recorded in the data directory")
                .flag("http-threads", "N", "4", "threads running HTTP handlers and sending responses")
                .flag("tls-cert", "PEM", "", "this node's certificate chain (CN=node-<id>); with --tls-key and"
                        + " --tls-ca turns on mutual TLS on the raft port and HTTPS on the HTTP port")
                .flag("tls-key", "PEM", "", "the certificate's private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY)")
                .flag("tls-ca", "PEM", "", "the cluster CA bundle every node's certificate must chain to")
                .flag("tls-reload-interval", "TIME", ServerSecurity.DEFAULT_TLS_RELOAD_INTERVAL.toSeconds() + "s",
                        "how often to look for changed --tls-* files; new connections use a changed certificate")
                .flag("auth-token-file", "FILE", "", "require 'Authorization: Bearer <token>' (the file's content)"
                        + " on every request but GET /status and GET /metrics");
        return withSnapshotFlags(flags)
                .flag("log-segment-bytes", "SIZE", ByteSize.format(NodeSettings.DEFAULT_LOG_SEGMENT_BYTES),
                        "log segment file size; compaction frees disk a whole segment at a time")
                .flag("memory-budget", "SIZE", "", "the memory the queue limits are sized from (an eighth for"
                        + " in-flight requests, an eighth for uncommitted bytes, a sixteenth per peer for queued"
                        + " replication bytes; a request beyond them gets 503); default: the JVM's maximum heap");
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
     * @param snapshots the thresholds to pass on
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
        String joinUrl = flags.string("join");
        JoinProcedure join = null;
        if (!settings.bootstrap()) {
            boolean hasState = JoinProcedure.hasState(settings.dataDir().resolve(NodeServer.LOG_DIR));
            if (hasState) {
                out.println("node " + settings.id() + ": rejoining with the membership in " + settings.dataDir()
                        + (joinUrl.isEmpty() ? "" : " (--join ignored)"));
            } else if (joinUrl.isEmpty()) {
                throw new UsageException("--address without --peers needs --join URL on an empty data directory ("
                        + settings.dataDir() + " holds no log)");
            } else {
                checkJoinScheme(joinUrl, security);
                join = new JoinProcedure(settings.self(), joinUrl, security.clientAccess(), out);
                try {
                    settings = join.learnMembers(settings);
                } catch (JoinProcedure.JoinRefused e) {
                    err.println("error: " + e.getMessage());
                    return Main.EXIT_FAILURE;
                }
            }
        }
        NodeServer server;
        try {
            server = NodeServer.start(settings, security);
        } catch (DataDirectoryException e) {
            err.println("error: " + e.getMessage());
            return Main.EXIT_DATA_DIRECTORY;
        }
        if (join != null) {
            try {
                join.join(() -> server.node().raftNode().status());
            } catch (JoinProcedure.JoinRefused e) {
                err.println("error: " + e.getMessage());
                server.close();
                return Main.EXIT_FAILURE;
            }
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

    /**
     * A TLS cluster's HTTP ports speak HTTPS only and its raft ports mutual TLS only, so a node joins one with
     * {@code https://} and its own certificate, and an open cluster with {@code http://} and none.
     */
    private static void checkJoinScheme(String joinUrl, ServerSecurity security) {
        boolean https = joinUrl.startsWith("https://");
        if (security.tls() != null && !https) {
            throw new UsageException("--join " + joinUrl + ": with --tls-cert/--tls-key/--tls-ca this node joins a"
                    + " TLS cluster, whose HTTP API is HTTPS only: give an https:// URL");
        }
        if (security.tls() == null && https) {
            throw new UsageException("--join " + joinUrl + ": a cluster with an HTTPS API speaks mutual TLS between"
                    + " its nodes too: give this node --tls-cert, --tls-key (its certificate, CN=node-<id>) and"
                    + " --tls-ca (the cluster CA)");
        }
    }

    static NodeSettings settings(ParsedFlags flags) {
        long id = flags.longValue("id", 1, Long.MAX_VALUE);
        String peersText = flags.string("peers");
        String address = flags.string("address");
        boolean bootstrap = !peersText.isEmpty();
        PeerList peers;
        if (bootstrap) {
            if (!flags.string("join").isEmpty()) {
                throw new UsageException("give --peers (a new cluster) or --join (join a running one), not both");
            }
            peers = PeerList.parse(peersText);
            if (peers.find(id).isEmpty()) {
                throw new UsageException("--id " + id + " is not among the --peers ids " + peers.ids());
            }
        } else if (address.isEmpty()) {
            throw new UsageException("give --peers (a new cluster), or --address with --join (join a running one)");
        } else {
            try {
                peers = PeerList.of(List.of(PeerSpec.parseEndpoint(id, address)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--address: " + e.getMessage());
            }
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
        long memoryBudget = flags.string("memory-budget").isEmpty() ? 0
                : flags.byteSize("memory-budget", NodeSettings.MIN_MEMORY_BUDGET_BYTES, 1L << 50);
        return new NodeSettings(identity, Path.of(flags.string("data")), peers,
                flags.intValue("http-threads", 1, 256), snapshots, segmentBytes, bootstrap, memoryBudget);
    }
}
