/**
 * The node runtime: {@code RaftNode} drives one {@link dev.sansraft.core.RaftCore} on one event-loop thread and
 * carries out its actions through the service-provider interfaces declared here ({@link dev.sansraft.node.LogStore},
 * {@link dev.sansraft.node.Transport}, {@link dev.sansraft.node.StateMachine}), with in-memory implementations for
 * tests and embedders.
 *
 * <p>May depend on {@code dev.sansraft.core} and slf4j; the core never depends on this package.
 */
package dev.sansraft.node;
