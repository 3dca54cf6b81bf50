package dev.sansraft.examples.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * A request body in chunked transfer coding (RFC 9112 §7.1), decoded once all of it has arrived: the lean server
 * hands a handler a complete body, as it does for a {@code Content-Length} one.
 *
 * <p>{@link #decode(ByteBuffer, int)} returns null while the last chunk or the trailer section is missing. A body
 * that decodes to more than {@code maxBytes} is cut at {@code maxBytes + 1} bytes with {@link #truncated()} set: the
 * handler sees that it is over its limit and answers 413, and the server closes the connection afterwards since the
 * rest cannot be framed. Immutable.
 *
 * @param body          the decoded bytes
 * @param consumedBytes how many bytes of the buffer the chunked body took, trailers included
 * @param truncated     whether decoding stopped at {@code maxBytes + 1} before the last chunk
 */
record ChunkedBody(byte[] body, int consumedBytes, boolean truncated) {
    private static final int MAX_LINE_BYTES = 4096;

    /**
     * Decodes the chunked body that starts at {@code in}'s position; leaves the buffer's position unchanged.
     *
     * @return the body, or null if more bytes are needed
     * @throws HttpProblem (400) if the bytes are not chunked coding
     */
    static ChunkedBody decode(ByteBuffer in, int maxBytes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int p = in.position();
        int limit = in.limit();
        while (true) {
            int lineEnd = lineEnd(in, p, limit);
            if (lineEnd < 0) {
                return null;
            }
            long size = chunkSize(in, p, lineEnd);
            p = lineEnd + 1;
            if (size == 0) {
                // Trailer section: field lines up to an empty line. Their content is dropped (RFC 9112 §7.1.2
                // lets a recipient discard trailers it does not understand).
                while (true) {
                    int end = lineEnd(in, p, limit);
                    if (end < 0) {
                        return null;
                    }
                    boolean empty = end == p || (end == p + 1 && in.get(p) == '\r');
                    p = end + 1;
                    if (empty) {
                        return new ChunkedBody(body.toByteArray(), p - in.position(), false);
                    }
                }
            }
            int room = maxBytes + 1 - body.size();
            if (size > room) {
                if (limit - p < room) {
                    return null;
                }
                body.write(bytes(in, p, room), 0, room);
                return new ChunkedBody(body.toByteArray(), limit - in.position(), true);
            }
            int n = (int) size;
            if (limit - p < n + 1) {
                return null; // chunk data and at least the line feed after it not here yet
            }
            body.write(bytes(in, p, n), 0, n);
            p += n;
            if (in.get(p) == '\r') {
                if (limit - p < 2) {
                    return null;
                }
                p++;
            }
            if (in.get(p) != '\n') {
                throw new HttpProblem(400, "chunk of " + size + " bytes is not followed by a line end");
            }
            p++;
        }
    }

    private static byte[] bytes(ByteBuffer in, int from, int length) {
        byte[] b = new byte[length];
        in.get(from, b);
        return b;
    }

    /** Index of the next {@code \n} at or after {@code from}, or -1; refuses lines over {@link #MAX_LINE_BYTES}. */
    private static int lineEnd(ByteBuffer in, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (in.get(i) == '\n') {
                return i;
            }
            if (i - from > MAX_LINE_BYTES) {
                throw new HttpProblem(400, "chunk size or trailer line over " + MAX_LINE_BYTES + " bytes");
            }
        }
        return -1;
    }

    /** The hexadecimal size at the start of the line {@code [from, lineEnd)}; chunk extensions are ignored. */
    private static long chunkSize(ByteBuffer in, int from, int lineEnd) {
        long size = 0;
        int digits = 0;
        for (int i = from; i < lineEnd; i++) {
            int c = in.get(i);
            int v = Character.digit(c, 16);
            if (v < 0) {
                if (c == ';' || c == '\r' || c == ' ' || c == '\t') {
                    break;
                }
                throw new HttpProblem(400, "bad chunk size line");
            }
            if (++digits > 8) {
                throw new HttpProblem(400, "chunk size over 8 hex digits");
            }
            size = size * 16 + v;
        }
        if (digits == 0) {
            throw new HttpProblem(400, "bad chunk size line");
        }
        return size;
    }
}
