/**
 * The example HTTP API over the JDK's built-in {@code com.sun.net.httpserver} server: routing, request validation,
 * status-code mapping and a tiny JSON writer. Requests complete asynchronously: a handler hands the request to a
 * {@link dev.sansraft.examples.http.KvBackend} and returns; the response is sent when the backend's future completes.
 *
 * <p>Depends on {@code dev.sansraft.core} (for {@code RaftStatus}), {@code dev.sansraft.kv.ClientId} (the rule
 * for a {@code Client-Id}) and the JDK only; the backend seam keeps the
 * routing testable without a cluster.
 */
package dev.sansraft.examples.http;
