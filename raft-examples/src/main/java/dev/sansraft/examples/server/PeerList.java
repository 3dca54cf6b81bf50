package dev.sansraft.examples.server;

import dev.sansraft.examples.cli.UsageException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every member of a static cluster, parsed from {@code 1=127.0.0.1:9001/8001,2=127.0.0.1:9002/8002,...}.
 * Immutable and thread-safe; peers are held in ascending id order.
 */
public final class PeerList {
    private final List<PeerSpec> peers;

    private PeerList(List<PeerSpec> peers) {
        List<PeerSpec> sorted = new ArrayList<>(peers);
        sorted.sort(Comparator.comparingLong(PeerSpec::id));
        this.peers = Collections.unmodifiableList(sorted);
    }

    /**
     * A peer list of {@code peers}, sorted by id.
     *
     * @param peers the members; ids must be distinct
     * @return the list
     * @throws IllegalArgumentException if an id appears twice
     */
    public static PeerList of(List<PeerSpec> peers) {
        Set<Long> ids = new HashSet<>();
        for (PeerSpec p : peers) {
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("peer id " + p.id() + " appears twice");
            }
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one peer");
        }
        return new PeerList(peers);
    }

    /**
     * Parses the {@code --peers} syntax.
     *
     * @param text the flag's value, {@code id=host:raftPort/httpPort} entries separated by commas
     * @return the list
     * @throws UsageException naming the malformed entry
     */
    public static PeerList parse(String text) {
        List<PeerSpec> peers = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String entry = raw.trim();
            peers.add(parseEntry(entry));
        }
        try {
            return of(peers);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--peers: " + e.getMessage());
        }
    }

    private static PeerSpec parseEntry(String entry) {
        String shape = "--peers entry '" + entry + "' is not id=host:raftPort/httpPort";
        int eq = entry.indexOf('=');
        int slash = entry.lastIndexOf('/');
        int colon = entry.lastIndexOf(':', slash);
        if (eq <= 0 || slash < 0 || colon <= eq) {
            throw new UsageException(shape);
        }
        try {
            long id = Long.parseLong(entry.substring(0, eq));
            String host = entry.substring(eq + 1, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int raftPort = Integer.parseInt(entry.substring(colon + 1, slash));
            int httpPort = Integer.parseInt(entry.substring(slash + 1));
            return new PeerSpec(id, host, raftPort, httpPort);
        } catch (NumberFormatException e) {
            throw new UsageException(shape);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--peers entry '" + entry + "': " + e.getMessage());
        }
    }

    /** {@return every member, ascending by id; unmodifiable} */
    public List<PeerSpec> peers() {
        return peers;
    }

    /** {@return every member's id, ascending} */
    public List<Long> ids() {
        return peers.stream().map(PeerSpec::id).toList();
    }

    /**
     * {@return the member with node id {@code id}, if any}
     *
     * @param id a node id
     */
    public Optional<PeerSpec> find(long id) {
        return peers.stream().filter(p -> p.id() == id).findFirst();
    }

    /**
     * Node id to HTTP base URL, for redirects to the leader.
     *
     * @return a new sorted map of node id to base URL
     */
    public Map<Long, String> httpBaseUrls() {
        Map<Long, String> urls = new TreeMap<>();
        peers.forEach(p -> urls.put(p.id(), p.httpBaseUrl()));
        return urls;
    }

    /** The command-line form, parseable by {@link #parse}. */
    @Override
    public String toString() {
        return String.join(",", peers.stream().map(PeerSpec::toString).toList());
    }
}
