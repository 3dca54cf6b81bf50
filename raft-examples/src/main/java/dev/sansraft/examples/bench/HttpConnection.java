package dev.sansraft.examples.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection with a minimal blocking client: one request at a time, responses with a
 * {@code Content-Length} (all the example API sends). Reuses its buffers, so a request allocates only the response
 * body. Much cheaper per request than {@code java.net.http.HttpClient}, which matters when the load generator shares
 * two cores with the cluster it measures.
 *
 * <p>Not thread-safe: one thread per connection.
 */
final class HttpConnection implements AutoCloseable {
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final String hostHeader;
    private final Socket socket;
    /** Header lines sent with every request (an Authorization header), or "". */
    private final String defaultHeaders;
    private final InputStream in;
    private final OutputStream out;
    private byte[] request = new byte[4096];
    private final byte[] buffer = new byte[64 * 1024];
    private int bufferStart;
    private int bufferEnd;

    /** A response: status, the {@code Location} header if any, and the body. */
    record Response(int status, String location, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    HttpConnection(URI base, int timeoutMillis) throws IOException {
        this(base, timeoutMillis, BenchAccess.PLAIN);
    }

    /** Connects to {@code base} ({@code http://} or, with {@code access.tls()}, {@code https://}). */
    HttpConnection(URI base, int timeoutMillis, BenchAccess access) throws IOException {
        String host = base.getHost();
        boolean https = "https".equals(base.getScheme());
        int port = base.getPort() < 0 ? (https ? 443 : 80) : base.getPort();
        this.hostHeader = host + ":" + port;
        this.defaultHeaders = access.authHeader();
        Socket plain = new Socket();
        plain.setTcpNoDelay(true);
        plain.setSoTimeout(timeoutMillis);
        plain.connect(new InetSocketAddress(host, port), timeoutMillis);
        if (https) {
            if (access.tls() == null) {
                plain.close();
                throw new IOException(base + " is HTTPS: give the CA bundle with --cacert");
            }
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) access.tls().createSocket(plain, host, port, true);
            javax.net.ssl.SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(p);
            tls.startHandshake();
            this.socket = tls;
        } else {
            this.socket = plain;
        }
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Sends a request (body may be null) and reads the whole response. */
    Response send(String method, String pathAndQuery, byte[] body) throws IOException {
        return send(method, pathAndQuery, body, null);
    }

    /** As {@link #send(String, String, byte[])}, with extra header lines (each ending in CRLF) or null. */
    Response send(String method, String pathAndQuery, byte[] body, String extraHeaders) throws IOException {
        int bodyLength = body == null ? 0 : body.length;
        String head = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n"
                + defaultHeaders + (extraHeaders == null ? "" : extraHeaders)
                + (body == null ? "" : "Content-Length: " + bodyLength + "\r\n") + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        int length = headBytes.length + bodyLength;
        if (request.length < length) {
            request = Arrays.copyOf(request, Math.max(length, request.length * 2));
        }
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        if (bodyLength > 0) {
            System.arraycopy(body, 0, request, headBytes.length, bodyLength);
        }
        out.write(request, 0, length);
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("bad status line '" + statusLine + "'");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line '" + statusLine + "'", e);
        }
        int contentLength = 0;
        String location = null;
        int headerBytes = 0;
        while (true) {
            String line = readLine();
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER_BYTES) {
                throw new IOException("response headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = Integer.parseInt(value);
            } else if (name.equals("location")) {
                location = value;
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("chunked responses are not supported");
            }
        }
        byte[] body = new byte[contentLength];
        int filled = 0;
        while (filled < contentLength) {
            if (bufferStart == bufferEnd) {
                fill();
            }
            int n = Math.min(contentLength - filled, bufferEnd - bufferStart);
            System.arraycopy(buffer, bufferStart, body, filled, n);
            bufferStart += n;
            filled += n;
        }
        return new Response(status, location, body);
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (bufferStart == bufferEnd) {
                fill();
            }
            byte b = buffer[bufferStart++];
            if (b == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                return line.toString();
            }
            line.append((char) (b & 0xff));
            if (line.length() > MAX_HEADER_BYTES) {
                throw new IOException("response line exceeds " + MAX_HEADER_BYTES + " bytes");
            }
        }
    }

    private void fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            throw new EOFException("server closed the connection");
        }
        bufferStart = 0;
        bufferEnd = n;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
