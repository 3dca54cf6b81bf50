/**
 * The example HTTP API: routing, request validation, status-code mapping and a tiny JSON writer, written against the
 * JDK's {@code com.sun.net.httpserver} handler interfaces. Plain HTTP is served by a lean NIO server of its own
 * ({@link dev.sansraft.examples.http.PlainHttpServer}), HTTPS by the JDK's built-in server. Requests complete asynchronously: a handler hands the request to a
 * {@link dev.sansraft.examples.http.KvBackend} and returns; the response is sent when the backend's future completes.
 *
 * <p>Depends on {@code dev.sansraft.core} (for {@code RaftStatus}), {@code dev.sansraft.kv.ClientId} (the rule
 * for a {@code Client-Id}) and the JDK only; the backend seam keeps the
 * routing testable without a cluster.
 */
package dev.sansraft.examples.http;
