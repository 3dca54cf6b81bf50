/**
 * JMH benchmarks of the key-value command path (codec and state machine apply). Not run by the test suite; see
 * {@code raft-kv/BENCHMARKS.md} for the command line. Depends on {@code dev.sansraft.kv} and JMH only.
 */
package dev.sansraft.kv.bench;
