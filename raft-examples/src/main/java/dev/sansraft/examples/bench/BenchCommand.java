package dev.sansraft.examples.bench;

import dev.sansraft.examples.Command;
import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.members.ApiAccess;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench}: finds the leader from any node of a cluster, then runs a closed-loop load of PUTs and GETs for a
 * fixed time and prints throughput and latency percentiles. Stateless.
 */
public final class BenchCommand implements Command {

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public FlagSet flags() {
        return ApiAccess.withFlags(new FlagSet("bench", "Load-tests a cluster's HTTP API: each connection sends one"
                + " request at a time (closed loop) to the leader, found from --target.")
                .flag("target", "URL", "http://127.0.0.1:8001", "HTTP address of any node")
                .flag("concurrency", "N", "64", "connections, each with one request in flight")
                .flag("duration", "TIME", "10s", "how long to measure (e.g. 10s, 500ms, 1m)")
                .flag("warmup", "TIME", "1s", "load before measuring starts, not counted")
                .flag("value-size", "BYTES", "100", "size of each written value")
                .flag("reads", "FRACTION", "0.0", "fraction of requests that are GETs, 0.0 to 1.0")
                .flag("consistency", "LEVEL", "linearizable", "GET consistency: linearizable, lease, stale or log")
                .flag("keys", "N", "1000", "number of distinct keys (written once before a run with reads)")
                .flag("read-from", "URLS", "leader", "where GETs go: the leader, or comma-separated node URLs, one"
                        + " per connection in turn (a follower serves linearizable GETs itself)"));
    }

    @Override
    public int run(ParsedFlags flags, PrintStream out, PrintStream err) throws Exception {
        BenchConfig config = new BenchConfig(
                parseTarget(flags.string("target")),
                flags.intValue("concurrency", 1, 4096),
                flags.duration("duration"),
                flags.duration("warmup"),
                flags.intValue("value-size", 0, 1 << 20),
                flags.doubleValue("reads", 0.0, 1.0),
                flags.choice("consistency", "linearizable", "lease", "stale", "log"),
                flags.intValue("keys", 1, 10_000_000),
                parseReadFrom(flags.string("read-from")));
        BenchAccess access = BenchAccess.of(ApiAccess.fromFlags(flags));
        URI leader = LeaderLocator.find(config.target(), Duration.ofSeconds(30), access);
        out.printf(Locale.ROOT, "bench: leader %s, concurrency %d, %s measured after %s warm-up, values %d B,"
                        + " reads %.0f%% (%s) from %s%n", leader, config.concurrency(), format(config.duration()),
                format(config.warmup()), config.valueSize(), config.readFraction() * 100, config.consistency(),
                config.readFrom().isEmpty() ? "the leader" : config.readFrom());
        BenchResult result = new BenchRun(config, leader, access).run();
        out.print(result.render());
        if (config.concurrency() == 1 && result.latency().percentile(50) > 30_000_000L) {
            out.println("warning: p50 above 30 ms on one connection; is TCP_NODELAY off on the server"
                    + " (sun.net.httpserver.nodelay)?");
        }
        return result.succeeded() > 0 ? 0 : 1;
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** {@code leader}: no list; otherwise comma-separated node URLs, each checked as {@code --target} is. */
    static List<URI> parseReadFrom(String text) {
        if (text.trim().equals("leader")) {
            return List.of();
        }
        List<URI> urls = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                urls.add(parseTarget(part));
            } catch (UsageException e) {
                throw new UsageException("flag --read-from: '" + part + "' is not an http(s)://host:port URL;"
                        + " use 'leader' or comma-separated node URLs");
            }
        }
        return urls;
    }

    static URI parseTarget(String text) {
        try {
            URI uri = new URI(text.trim());
            boolean https = "https".equals(uri.getScheme());
            if (!https && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new UsageException("flag --target: '" + text + "' is not an http(s)://host:port URL");
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
            return new URI(uri.getScheme(), null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new UsageException("flag --target: '" + text + "' is not a URL (" + e.getReason() + ")");
        }
    }
}
