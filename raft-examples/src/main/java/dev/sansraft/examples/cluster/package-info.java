/**
 * The {@code cluster} subcommand: starts N {@code server} child processes of this same jar on consecutive ports,
 * prefixes their output with their node id, and stops them all when it is stopped.
 *
 * <p>Depends on {@code dev.sansraft.examples.cli}, {@code dev.sansraft.examples.server} (for the peer syntax) and the
 * JDK.
 */
package dev.sansraft.examples.cluster;
