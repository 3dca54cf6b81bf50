package dev.sansraft.examples.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its response on {@link PlainHttpServer}, presented as the JDK's {@link HttpExchange} so the same
 * handlers and filters serve plain HTTP here and HTTPS on the JDK's server.
 *
 * <p>The request body is complete before the handler runs. The response is collected in memory and goes out in one
 * write, status line, header fields and body together, when the handler closes the exchange or the body stream:
 * every response of this API is small and of known length. A handler that closes the exchange without sending
 * headers gets the connection closed, as on the JDK's server.
 *
 * <p>Thread-safety: one handler thread at a time uses an exchange (the API hands it from the pool to a callback on the
 * same pool); {@link #close()} may race with the body stream's close and is idempotent.
 */
final class PlainExchange extends HttpExchange {
    private static final Logger log = LoggerFactory.getLogger(PlainExchange.class);

    private final PlainHttpConnection connection;
    private final RequestHead head;
    private final Headers responseHeaders = new Headers();
    /** Built on first use: most GETs never look at their headers. */
    private Headers requestHeaders;
    private InputStream requestBody;
    private OutputStream responseBody;
    private final ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream(128);
    private int responseCode = -1;
    private boolean finished;
    private Map<String, Object> attributes;

    PlainExchange(PlainHttpConnection connection, RequestHead head, byte[] body) {
        this.connection = connection;
        this.head = head;
        this.requestBody = new ByteArrayInputStream(body);
        this.responseBody = new BodyStream();
    }

    @Override
    public synchronized Headers getRequestHeaders() {
        if (requestHeaders == null) {
            requestHeaders = head.headers();
        }
        return requestHeaders;
    }

    PlainHttpConnection connection() {
        return connection;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return head.uri();
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    /** Not supported: the handlers of this API need no context. */
    @Override
    public HttpContext getHttpContext() {
        throw new UnsupportedOperationException("the plain HTTP server has no HttpContext");
    }

    @Override
    public void close() {
        finish();
    }

    @Override
    public InputStream getRequestBody() {
        return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        return responseBody;
    }

    /**
     * Records the status; the response goes out when the exchange or the body stream is closed.
     *
     * @param responseLength as on the JDK's server: -1 no body, 0 any length, otherwise the exact length
     */
    @Override
    public synchronized void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (responseCode != -1) {
            throw new IOException("response headers already sent (status " + responseCode + ")");
        }
        if (rCode < 100 || rCode > 599) {
            throw new IllegalArgumentException("status must be 100-599, got " + rCode);
        }
        responseCode = rCode;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public synchronized int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.http10() ? "HTTP/1.0" : "HTTP/1.1";
    }

    @Override
    public synchronized Object getAttribute(String name) {
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public synchronized void setAttribute(String name, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>();
        }
        attributes.put(name, value);
    }

    @Override
    public synchronized void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            requestBody = i;
        }
        if (o != null) {
            responseBody = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    private void finish() {
        byte[] response;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            if (responseCode == -1) {
                log.debug("{} {} closed without a response; closing the connection", head.method(), head.uri());
                response = null;
            } else {
                boolean close = connection.closesAfterResponse();
                response = serialize(responseCode, responseHeaders, bodyBytes.toByteArray(),
                        head.method().equals("HEAD"), close ? "close" : head.http10() ? "keep-alive" : null);
            }
        }
        if (response == null) {
            connection.abort();
        } else {
            connection.respond(response);
        }
    }

    /**
     * The bytes of a whole response. {@code Content-Length}, {@code Date} and {@code Connection} are the server's;
     * the same names among {@code headers} are ignored.
     *
     * @param head       whether it answers a HEAD request: the length is sent, the body is not
     * @param connection the {@code Connection} field's value, or null for none (HTTP/1.1 keep-alive)
     */
    static byte[] serialize(int status, Map<String, List<String>> headers, byte[] body, boolean head,
                            String connection) {
        StringBuilder b = new StringBuilder(160);
        b.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        b.append("Date: ").append(HttpDate.now()).append("\r\n");
        for (Map.Entry<String, List<String>> field : headers.entrySet()) {
            String name = field.getKey();
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Date")
                    || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Transfer-Encoding")) {
                continue;
            }
            for (String value : field.getValue()) {
                b.append(name).append(": ").append(value).append("\r\n");
            }
        }
        boolean bodyAllowed = status >= 200 && status != 204 && status != 304;
        if (bodyAllowed) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (connection != null) {
            // HTTP/1.0 clients close unless told "keep-alive"; HTTP/1.1 ones keep it open unless told "close".
            b.append("Connection: ").append(connection).append("\r\n");
        }
        b.append("\r\n");
        int headLength = b.length();
        int bodyLength = bodyAllowed && !head ? body.length : 0;
        byte[] out = new byte[headLength + bodyLength];
        // Header text is Latin-1 by construction (RFC 9110 §5.5); getBytes(start, end, dst, offset) would drop the
        // high byte the same way but is deprecated.
        for (int i = 0; i < headLength; i++) {
            out[i] = (byte) b.charAt(i);
        }
        System.arraycopy(body, 0, out, headLength, bodyLength);
        return out;
    }

    private static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 204 -> "No Content";
            case 307 -> "Temporary Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }

    /** Buffers the body; closing it sends the response. */
    private final class BodyStream extends OutputStream {
        @Override
        public void write(int b) {
            synchronized (PlainExchange.this) {
                bodyBytes.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (PlainExchange.this) {
                bodyBytes.write(b, off, len);
            }
        }

        @Override
        public void close() {
            finish();
        }
    }

    /**
     * The {@code Date} field value (RFC 9110 §6.6.1), formatted at most once a second: formatting it for every
     * response showed up at 3% of the leader's samples on the JDK's server.
     */
    private static final class HttpDate {
        private static volatile Cached cached = new Cached(0, "");

        private record Cached(long epochSecond, String text) {
        }

        static String now() {
            long second = System.currentTimeMillis() / 1000;
            Cached c = cached;
            if (c.epochSecond() != second) {
                c = new Cached(second, DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), ZoneOffset.UTC)));
                cached = c;
            }
            return c.text();
        }
    }

    /** The {@code 100 Continue} interim response, for a client that waits for it before sending its body. */
    static byte[] continueResponse() {
        return "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    }
}
