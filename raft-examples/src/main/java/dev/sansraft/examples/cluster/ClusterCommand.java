package dev.sansraft.examples.cluster;

import dev.sansraft.examples.Command;
import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;
import dev.sansraft.examples.server.ServerCommand;
import dev.sansraft.examples.server.SnapshotSettings;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code cluster}: starts N local {@code server} processes (raft ports from 9001, HTTP ports from 8001 by default),
 * prints where they are, and stops them all on Ctrl-C or SIGTERM through a shutdown hook. Returns when every child
 * has exited. Stateless.
 */
public final class ClusterCommand implements Command {
    private static final long STOP_GRACE_MILLIS = 10_000;

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public FlagSet flags() {
        FlagSet flags = new FlagSet("cluster", "Starts a local cluster of server processes; Ctrl-C stops them all.")
                .flag("nodes", "N", "3", "number of server processes")
                .flag("dir", "DIR", "./data", "parent of the per-node data directories node-1, node-2, ...")
                .flag("host", "HOST", "127.0.0.1", "address every node listens on")
                .flag("raft-port", "PORT", "9001", "raft port of node 1; node i uses PORT+i-1")
                .flag("http-port", "PORT", "8001", "HTTP port of node 1; node i uses PORT+i-1")
                .flag("cluster-id", "NAME", "sansraft", "cluster id recorded in every data directory")
                .flag("http-threads", "N", "4", "HTTP handler threads of each server")
                .flag("java-opts", "OPTS", "", "space-separated JVM options for each server (e.g. -Xmx256m)")
                .toggle("tls", "generate a throwaway CA and node certificates into DIR/tls (with the JDK's"
                        + " keytool) and run mutual TLS between nodes and HTTPS for the API");
        return ServerCommand.withSnapshotFlags(flags);
    }

    @Override
    public int run(ParsedFlags flags, PrintStream out, PrintStream err) throws Exception {
        int nodes = flags.intValue("nodes", 1, 9);
        Path dir = Path.of(flags.string("dir"));
        String host = flags.string("host");
        int raftPort = flags.intValue("raft-port", 1, 65535 - nodes);
        int httpPort = flags.intValue("http-port", 1, 65535 - nodes);
        String clusterId = flags.string("cluster-id");
        int httpThreads = flags.intValue("http-threads", 1, 256);
        SnapshotSettings snapshots = ServerCommand.snapshotSettings(flags);
        List<String> jvmOptions = flags.string("java-opts").isBlank() ? List.of()
                : Arrays.asList(flags.string("java-opts").trim().split("\\s+"));

        boolean tls = flags.isSet("tls");
        ClusterTls certificates = tls ? ClusterTls.generate(dir.resolve("tls"), nodes, out) : null;

        List<PeerSpec> specs = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            specs.add(new PeerSpec(i, host, raftPort + i - 1, httpPort + i - 1));
        }
        PeerList peers = PeerList.of(specs);
        Consumer<String> sink = ServerProcess.printingTo(out);
        List<ServerProcess> children = new ArrayList<>();
        Thread hook = new Thread(() -> stopAll(children, sink), "cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        synchronized (children) {
            for (PeerSpec p : peers.peers()) {
                List<String> args = new ArrayList<>(List.of("--id", Long.toString(p.id()),
                        "--data", dir.resolve("node-" + p.id()).toString(),
                        "--peers", peers.toString(), "--cluster-id", clusterId,
                        "--http-threads", Integer.toString(httpThreads)));
                args.addAll(ServerCommand.snapshotArgs(snapshots));
                if (certificates != null) {
                    args.addAll(certificates.serverArgs(p.id()));
                }
                children.add(ServerProcess.start(p.id(), jvmOptions, args, null, sink));
            }
        }
        sink.accept(banner(peers, dir, certificates));
        List<CompletableFuture<Process>> exits = new ArrayList<>();
        for (ServerProcess child : children) {
            exits.add(child.process().onExit().whenComplete((p, e) ->
                    sink.accept("[node-" + child.id() + "] exited with code " + p.exitValue())));
        }
        CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is already running (Ctrl-C): it owns the shutdown now.
            return 0;
        }
        return 1;
    }

    private static void stopAll(List<ServerProcess> children, Consumer<String> sink) {
        List<ServerProcess> copy;
        synchronized (children) {
            copy = List.copyOf(children);
        }
        sink.accept("[cluster] stopping " + copy.size() + " servers");
        copy.forEach(c -> c.process().toHandle().destroy());
        for (ServerProcess c : copy) {
            try {
                c.stop(STOP_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.process().destroyForcibly();
            }
        }
    }

    static String banner(PeerList peers, Path dir) {
        return banner(peers, dir, null);
    }

    static String banner(PeerList peers, Path dir, ClusterTls tls) {
        StringBuilder b = new StringBuilder();
        b.append("[cluster] ").append(peers.peers().size()).append(" servers, data under ")
                .append(dir.toAbsolutePath().normalize()).append('\n');
        for (PeerSpec p : peers.peers()) {
            b.append("[cluster]   node ").append(p.id()).append(": raft ").append(p.host()).append(':')
                    .append(p.raftPort()).append(tls != null ? " (mutual TLS)" : "").append(", http ")
                    .append(url(p, tls)).append('\n');
        }
        String base = url(peers.peers().get(0), tls);
        String curl = tls != null ? "curl --cacert " + tls.caPem() + " " : "curl ";
        if (tls != null) {
            b.append("[cluster] TLS: CA and node certificates in ").append(tls.dir()).append(" (throwaway, local"
                    + " use only)\n");
        }
        b.append("[cluster] try (a follower answers writes with 307: use curl -L):\n");
        b.append("[cluster]   ").append(curl).append("-L -X PUT --data-binary hello ").append(base)
                .append("/kv/greeting\n");
        b.append("[cluster]   ").append(curl).append("-L ").append(base).append("/kv/greeting\n");
        b.append("[cluster]   ").append(curl).append(base).append("/kv/greeting?consistency=stale\n");
        b.append("[cluster]   ").append(curl).append("-L -X PUT --data-binary world '").append(base)
                .append("/kv/greeting?expect=hello'\n");
        b.append("[cluster]   ").append(curl).append("-L -X DELETE ").append(base).append("/kv/greeting\n");
        b.append("[cluster]   ").append(curl).append(base).append("/status\n");
        b.append("[cluster]   ").append(curl).append(base).append("/metrics\n");
        b.append("[cluster] Ctrl-C stops every server");
        return b.toString();
    }

    private static String url(PeerSpec p, ClusterTls tls) {
        String http = p.httpBaseUrl();
        return tls != null ? "https://" + http.substring("http://".length()) : http;
    }
}
