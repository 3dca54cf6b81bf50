package dev.sansraft.examples.server;

import java.net.InetSocketAddress;

/**
 * One cluster member as given on the command line: {@code id=host:raftPort/httpPort}. Immutable.
 *
 * @param id       the Raft node id, positive
 * @param host     host name or IP literal both ports listen on
 * @param raftPort the Raft TCP transport's port
 * @param httpPort the HTTP API's port
 */
public record PeerSpec(long id, String host, int raftPort, int httpPort) {

    /**
     * Validates the id, host and ports.
     *
     * @param id the Raft node id, positive
     * @param host host name or IP literal both ports listen on
     * @param raftPort the Raft TCP transport's port
     * @param httpPort the HTTP API's port
     * @throws IllegalArgumentException naming the component out of range
     */
    public PeerSpec {
        if (id <= 0) {
            throw new IllegalArgumentException("peer id must be positive, got " + id);
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("peer " + id + " has no host");
        }
        checkPort(id, "raft", raftPort);
        checkPort(id, "http", httpPort);
    }

    private static void checkPort(long id, String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer " + id + " " + what + " port " + port + " is outside 1..65535");
        }
    }

    /**
     * Reads a member's endpoint, {@code host:raftPort/httpPort} (an IPv6 host in brackets).
     *
     * @param id the member's node id
     * @param endpoint the endpoint from the configuration
     * @return the member
     * @throws IllegalArgumentException naming the endpoint when it is not of that form
     */
    public static PeerSpec parseEndpoint(long id, String endpoint) {
        if (endpoint == null) {
            throw new IllegalArgumentException("member " + id + " has no endpoint");
        }
        int slash = endpoint.lastIndexOf('/');
        int colon = slash < 0 ? -1 : endpoint.lastIndexOf(':', slash);
        if (slash < 0 || colon <= 0) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' of member " + id
                    + " is not host:raftPort/httpPort");
        }
        String host = endpoint.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new PeerSpec(id, host, Integer.parseInt(endpoint.substring(colon + 1, slash)),
                    Integer.parseInt(endpoint.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' of member " + id
                    + " has a non-numeric port");
        }
    }

    /** {@return the endpoint string a configuration carries for this member: {@code host:raftPort/httpPort}} */
    public String endpoint() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return h + ":" + raftPort + "/" + httpPort;
    }

    /** {@return the address of this peer's Raft transport} */
    public InetSocketAddress raftAddress() {
        return new InetSocketAddress(host, raftPort);
    }

    /** {@return the address of this peer's HTTP API} */
    public InetSocketAddress httpAddress() {
        return new InetSocketAddress(host, httpPort);
    }

    /** {@return the base URL of this peer's HTTP API, e.g. {@code http://127.0.0.1:8001}} */
    public String httpBaseUrl() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "http://" + h + ":" + httpPort;
    }

    /** The command-line form, {@code id=host:raftPort/httpPort}. */
    @Override
    public String toString() {
        return id + "=" + host + ":" + raftPort + "/" + httpPort;
    }
}
