package dev.sansraft.examples.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoding of the raw path and query of a request URI (RFC 3986 percent-encoding). Keys are arbitrary bytes, so a
 * path segment decodes to bytes, not to a string; {@code +} is literal (it means space only in HTML forms).
 * Stateless and thread-safe.
 */
final class PercentEncoding {

    private PercentEncoding() {
    }

    /** @throws HttpProblem 400 on a truncated or non-hex escape */
    static byte[] decode(String raw, String what) {
        if (raw.indexOf('%') < 0) {
            return raw.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        byte[] utf8 = raw.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            byte b = utf8[i];
            if (b != '%') {
                out.write(b);
                continue;
            }
            int hi = i + 1 < utf8.length ? Character.digit(utf8[i + 1], 16) : -1;
            int lo = i + 2 < utf8.length ? Character.digit(utf8[i + 2], 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new HttpProblem(400, "bad percent-escape in " + what + " at byte " + i);
            }
            out.write(hi << 4 | lo);
            i += 2;
        }
        return out.toByteArray();
    }

    /**
     * Splits a raw query into decoded names and still-encoded values (a value may be binary: decode it with
     * {@link #decode}).
     *
     * @throws HttpProblem 400 on a parameter given twice or without {@code =}
     */
    static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new HttpProblem(400, "query parameter '" + pair + "' is not name=value");
            }
            String name = new String(decode(pair.substring(0, eq), "query"), StandardCharsets.UTF_8);
            String value = pair.substring(eq + 1);
            if (params.put(name, value) != null) {
                throw new HttpProblem(400, "query parameter '" + name + "' given twice");
            }
        }
        return params;
    }

    /** Decodes a query value as UTF-8 text. */
    static String decodeText(String raw) {
        return new String(decode(raw, "query"), StandardCharsets.UTF_8);
    }
}
