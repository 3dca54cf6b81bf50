/**
 * A linearizability checker for histories of concurrent operations, in the style of Wing &amp; Gong's search with
 * Lowe's just-in-time linearization and state memoization (the approach of Porcupine). A history is split into
 * independent partitions (one per key for a key-value store), and each partition is searched on its own.
 *
 * <p>Depends only on the JDK. Deterministic: the same history always gives the same verdict and counterexample.
 */
package dev.sansraft.sim.linearizability;
