/**
 * The pure Raft state machine: {@link dev.sansraft.core.RaftCore} consumes {@link dev.sansraft.core.Event}s and
 * returns {@link dev.sansraft.core.Action}s.
 *
 * <p>Everything in this package is deterministic: no threads, locks, clocks, files, sockets, logging or unseeded
 * randomness. It depends only on the JDK's collections and on nothing else in sansraft; in particular it never
 * imports the node runtime's package. The public types at the top of the package (events, actions, messages, the
 * config and the status) are the protocol's table of contents; the package-private classes beneath them (the log
 * view, progress tracking, quorum math) are the implementation.
 */
package dev.sansraft.core;
