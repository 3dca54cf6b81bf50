package dev.sansraft.examples.http;

import com.sun.net.httpserver.Headers;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The request line and header fields of one HTTP/1.1 request, parsed from the bytes a client sent (RFC 9112 §2-§6),
 * with what the server needs to frame the body: its length, or that it is chunked.
 *
 * <p>{@link #parse(ByteBuffer, int)} reads from the buffer's position to its limit. It returns null while the head is
 * incomplete, and throws {@link HttpProblem} (400, or 431 past {@code maxHeadBytes}) for bytes that are not a request
 * head, so a bad client gets a status with a reason instead of a dropped connection. Every field line is checked
 * when the head is parsed, but only the four that frame the request are looked at then; the JDK's {@link Headers}
 * map is built when a handler asks for it ({@link #headers()}): building it for every request was a fifth of the
 * leader's HTTP samples, and a GET needs none of it. Immutable.
 *
 * @param method         the request method, case-sensitive as sent
 * @param uri            the request target
 * @param http10         true for HTTP/1.0 (no keep-alive unless asked for)
 * @param fieldLines     the header section as sent (Latin-1), each line ending in a line feed
 * @param contentLength  the declared body length; -1 if none was given
 * @param chunked        whether the body is in chunked transfer coding
 * @param keepAlive      whether the client lets the connection stay open after the response
 * @param expectContinue whether the client waits for {@code 100 Continue} before sending the body
 */
record RequestHead(String method, URI uri, boolean http10, String fieldLines, long contentLength, boolean chunked,
                   boolean keepAlive, boolean expectContinue) {

    /** RFC 9110 §5.6.2 token characters, by ASCII code. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    /**
     * Parses a head from {@code in}'s position; on success the position moves past the blank line that ends it.
     *
     * @return the head, or null if {@code in} does not hold all of it yet (the position is then unchanged)
     * @throws HttpProblem if the bytes are not a valid request head or it is longer than {@code maxHeadBytes}
     */
    static RequestHead parse(ByteBuffer in, int maxHeadBytes) {
        int start = in.position();
        int end = endOfHead(in, start);
        if (end < 0) {
            if (in.limit() - start > maxHeadBytes) {
                throw new HttpProblem(431, "request head is over " + maxHeadBytes + " bytes");
            }
            return null;
        }
        if (end - start > maxHeadBytes) {
            throw new HttpProblem(431, "request head is over " + maxHeadBytes + " bytes");
        }
        // Latin-1 maps every byte to one char, so offsets stay byte offsets and no byte is lost (RFC 9110 §5.5:
        // field values are octets; a handler that wants UTF-8 decodes percent-escapes itself).
        String text = latin1(in, start, end);
        in.position(end);
        int lineEnd = text.indexOf('\n');
        return fromText(stripCr(text.substring(0, lineEnd)), text.substring(lineEnd + 1));
    }

    /** {@return the header fields, names normalized as the JDK's server does; a new map on every call} */
    Headers headers() {
        Headers headers = new Headers();
        for (int from = 0, nl; (nl = fieldLines.indexOf('\n', from)) >= 0; from = nl + 1) {
            int lineEnd = nl > from && fieldLines.charAt(nl - 1) == '\r' ? nl - 1 : nl;
            if (lineEnd == from) {
                break;
            }
            int colon = fieldLines.indexOf(':', from);
            headers.add(fieldLines.substring(from, colon), fieldLines.substring(colon + 1, lineEnd).trim());
        }
        return headers;
    }

    private static RequestHead fromText(String requestLine, String fieldLines) {
        int sp1 = requestLine.indexOf(' ');
        int sp2 = requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 == sp1) {
            throw new HttpProblem(400, "bad request line '" + printable(requestLine) + "'");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!isToken(method, 0, method.length())) {
            throw new HttpProblem(400, "bad method '" + printable(method) + "'");
        }
        boolean http10;
        if (version.equals("HTTP/1.1")) {
            http10 = false;
        } else if (version.equals("HTTP/1.0")) {
            http10 = true;
        } else {
            throw new HttpProblem(version.startsWith("HTTP/") ? 505 : 400,
                    "unsupported protocol '" + printable(version) + "' (HTTP/1.1 or HTTP/1.0)");
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new HttpProblem(400, "bad request target: " + printable(e.getMessage()));
        }
        if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
            throw new HttpProblem(400, "request target has no path: '" + printable(target) + "'");
        }
        Framing framing = new Framing();
        for (int from = 0, nl; (nl = fieldLines.indexOf('\n', from)) >= 0; from = nl + 1) {
            int lineEnd = nl > from && fieldLines.charAt(nl - 1) == '\r' ? nl - 1 : nl;
            if (lineEnd == from) {
                break; // the blank line that ends the head
            }
            int colon = fieldLines.indexOf(':', from);
            if (colon < 0 || colon > lineEnd || !isToken(fieldLines, from, colon)) {
                // Also refuses obsolete line folding (a line starting with a space): RFC 9112 §5.2 allows a 400.
                throw new HttpProblem(400, "bad header line '" + printable(fieldLines.substring(from, lineEnd)) + "'");
            }
            framing.see(fieldLines, from, colon, lineEnd);
        }
        return framing.head(method, uri, http10, fieldLines);
    }

    /** The four fields that frame a request, collected while the field lines are checked. */
    private static final class Framing {
        private String contentLength;
        private int contentLengths;
        private String transferEncoding;
        private int transferEncodings;
        private String connection;
        private String expect;

        void see(String lines, int from, int colon, int lineEnd) {
            int nameLength = colon - from;
            if (is(lines, from, nameLength, "Content-Length")) {
                contentLength = value(lines, colon, lineEnd);
                contentLengths++;
            } else if (is(lines, from, nameLength, "Transfer-Encoding")) {
                transferEncoding = value(lines, colon, lineEnd);
                transferEncodings++;
            } else if (is(lines, from, nameLength, "Connection")) {
                connection = value(lines, colon, lineEnd);
            } else if (is(lines, from, nameLength, "Expect")) {
                expect = value(lines, colon, lineEnd);
            }
        }

        private static boolean is(String lines, int from, int length, String name) {
            return length == name.length() && lines.regionMatches(true, from, name, 0, length);
        }

        private static String value(String lines, int colon, int lineEnd) {
            return lines.substring(colon + 1, lineEnd).trim();
        }

        RequestHead head(String method, URI uri, boolean http10, String fieldLines) {
            boolean chunked = false;
            if (transferEncoding != null) {
                // RFC 9112 §6.1: chunked must be the last coding; anything else cannot be framed.
                if (transferEncodings != 1 || !transferEncoding.equalsIgnoreCase("chunked")) {
                    throw new HttpProblem(501, "only 'Transfer-Encoding: chunked' is supported, got '"
                            + printable(transferEncoding) + "'");
                }
                chunked = true;
            }
            long length = -1;
            if (contentLength != null && !chunked) {
                if (contentLengths != 1) {
                    throw new HttpProblem(400, "Content-Length given more than once");
                }
                length = digits(contentLength);
                if (length < 0) {
                    throw new HttpProblem(400, "bad Content-Length '" + printable(contentLength) + "'");
                }
            }
            String lowered = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
            boolean keepAlive = http10 ? lowered.contains("keep-alive") : !lowered.contains("close");
            boolean expectContinue = !http10 && expect != null && expect.equalsIgnoreCase("100-continue");
            return new RequestHead(method, uri, http10, fieldLines, length, chunked, keepAlive, expectContinue);
        }
    }

    /** The value of a non-empty string of at most 18 ASCII digits, or -1. */
    private static long digits(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Index just past the first empty line ({@code \r\n\r\n} or a bare {@code \n\n}) from {@code start}, or -1. */
    private static int endOfHead(ByteBuffer in, int start) {
        int limit = in.limit();
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                if (i + 1 < limit && in.get(i + 1) == '\n') {
                    return i + 2;
                }
                if (i + 2 < limit && in.get(i + 1) == '\r' && in.get(i + 2) == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static String latin1(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            return new String(in.array(), in.arrayOffset() + from, to - from, StandardCharsets.ISO_8859_1);
        }
        byte[] bytes = new byte[to - from];
        in.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** Whether {@code s[from, to)} is a non-empty RFC 9110 §5.6.2 token. */
    private static boolean isToken(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    /** {@code s} cut to 100 characters with control characters replaced, for a one-line error message. */
    private static String printable(String s) {
        String cut = s == null ? "" : s.length() > 100 ? s.substring(0, 100) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
