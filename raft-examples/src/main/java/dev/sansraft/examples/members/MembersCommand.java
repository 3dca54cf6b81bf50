package dev.sansraft.examples.members;

import dev.sansraft.examples.Command;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code members}: lists, adds, promotes and removes members and transfers leadership through a server's HTTP API.
 * Prints the server's answer; the exit code is 0 on 200 and 1 otherwise. Stateless.
 */
public final class MembersCommand implements Command {

    @Override
    public String name() {
        return "members";
    }

    @Override
    public FlagSet flags() {
        return ApiAccess.withFlags(new FlagSet("members", "Lists or changes the members of a running cluster through"
                + " any member's HTTP API (a follower forwards changes to the leader). Without"
                + " --add/--promote/--remove/--transfer-to it lists the members. A cluster with TLS and a token needs"
                + " an https:// --server, --cacert and --auth-token-file.")
                .flag("server", "URL", null, "a member's HTTP base URL, e.g. http://127.0.0.1:8001 (https:// with TLS)")
                .flag("add", "ID", "0", "add node ID as a learner (with --endpoint)")
                .flag("endpoint", "HOST:RAFT/HTTP", "", "the new member's endpoint, e.g. 127.0.0.1:9004/8004")
                .flag("promote", "ID", "0", "promote learner ID to voter once it has caught up")
                .flag("remove", "ID", "0", "remove voter or learner ID")
                .flag("transfer-to", "ID", "0", "hand leadership to voter ID")
                .flag("timeout", "DURATION", "30s", "how long to wait for the change to commit"));
    }

    @Override
    public int run(ParsedFlags flags, PrintStream out, PrintStream err) throws Exception {
        long add = flags.longValue("add", 0, Long.MAX_VALUE);
        long promote = flags.longValue("promote", 0, Long.MAX_VALUE);
        long remove = flags.longValue("remove", 0, Long.MAX_VALUE);
        long transfer = flags.longValue("transfer-to", 0, Long.MAX_VALUE);
        int actions = (add > 0 ? 1 : 0) + (promote > 0 ? 1 : 0) + (remove > 0 ? 1 : 0) + (transfer > 0 ? 1 : 0);
        if (actions > 1) {
            throw new UsageException("give at most one of --add, --promote, --remove and --transfer-to");
        }
        String endpoint = flags.string("endpoint");
        if (add > 0 && endpoint.isEmpty()) {
            throw new UsageException("--add needs --endpoint host:raftPort/httpPort");
        }
        Duration timeout = flags.duration("timeout");
        ApiAccess access = ApiAccess.fromFlags(flags);
        MembershipClient client;
        try {
            client = new MembershipClient(flags.string("server"), timeout, access);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--server: " + e.getMessage());
        }
        MembershipClient.Answer answer;
        try {
            if (add > 0) {
                answer = client.addLearner(add, endpoint);
            } else if (promote > 0) {
                answer = client.promote(promote);
            } else if (remove > 0) {
                answer = client.remove(remove);
            } else if (transfer > 0) {
                answer = client.transferLeadership(transfer);
            } else {
                answer = client.list();
            }
        } catch (IOException e) {
            err.println("error: " + client.explain(e));
            return Main.EXIT_FAILURE;
        }
        if (answer.ok()) {
            out.print(answer.body());
            return Main.EXIT_OK;
        }
        err.println("error: HTTP " + answer.status() + ": " + answer.message() + (answer.unauthorized()
                ? access.bearerToken() == null ? " (the cluster requires a token: give --auth-token-file)"
                : " (--auth-token-file holds another token than the cluster's)" : ""));
        return Main.EXIT_FAILURE;
    }
}
