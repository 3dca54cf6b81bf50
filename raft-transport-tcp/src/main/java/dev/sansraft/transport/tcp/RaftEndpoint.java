package dev.sansraft.transport.tcp;

import java.net.InetSocketAddress;

/**
 * Reads the raft address out of a member's endpoint string, the default resolver of
 * {@link TcpTransport.Builder#endpointResolver}. An endpoint is {@code host:raftPort}, optionally followed by
 * {@code /} and anything else (the example server writes {@code host:raftPort/httpPort}); an IPv6 host goes in
 * brackets ({@code [::1]:9001/8001}). Stateless and thread-safe.
 */
final class RaftEndpoint {

    private RaftEndpoint() {
    }

    /**
     * The resolved raft address of {@code endpoint}.
     *
     * @throws IllegalArgumentException naming the endpoint when it has no host, no valid port, or the host does not
     *                                  resolve
     */
    static InetSocketAddress parse(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("endpoint is empty");
        }
        int slash = endpoint.indexOf('/');
        String hostPort = slash < 0 ? endpoint : endpoint.substring(0, slash);
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:raftPort[/...]");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has no numeric raft port");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has raft port " + port
                    + ", outside 1..65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "': host '" + host + "' does not resolve");
        }
        return address;
    }
}
