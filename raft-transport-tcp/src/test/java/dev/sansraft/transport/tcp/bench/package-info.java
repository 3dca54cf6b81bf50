/**
 * Throughput benchmarks for the TCP transport, run by hand (never by {@code mvn verify}); see
 * {@link dev.sansraft.transport.tcp.bench.TransportBench} for the command line.
 */
package dev.sansraft.transport.tcp.bench;
