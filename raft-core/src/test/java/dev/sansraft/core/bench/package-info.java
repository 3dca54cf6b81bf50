/**
 * Benchmarks of the pure core, run by hand as main classes and never by {@code verify}: three {@code RaftCore}s
 * driven in one thread through the public API only. May depend on {@code dev.sansraft.core}, never on the runtime.
 */
package dev.sansraft.core.bench;
