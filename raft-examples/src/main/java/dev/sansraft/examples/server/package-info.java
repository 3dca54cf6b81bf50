/**
 * The {@code server} subcommand: one Raft node with file storage, the TCP transport, the key-value state machine and
 * the HTTP API, plus the pieces it needs at startup (the peer list syntax and the data directory's identity file).
 *
 * <p>Depends on every sansraft module and {@code dev.sansraft.examples.http}.
 */
package dev.sansraft.examples.server;
