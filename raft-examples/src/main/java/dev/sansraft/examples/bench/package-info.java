/**
 * The {@code bench} subcommand: a closed-loop HTTP load generator over raw keep-alive sockets (so the client spends
 * little CPU on a machine it shares with the cluster), and the log-linear latency histogram it reports from.
 *
 * <p>Depends on {@code dev.sansraft.examples.cli} and the JDK only.
 */
package dev.sansraft.examples.bench;
