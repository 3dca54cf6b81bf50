package dev.sansraft.kv;

/**
 * A bounds-checked cursor over an untrusted byte array. Every read that would run past the end, every malformed
 * varint and every length over its limit throws {@link KvCodecException} with the offset; nothing else is thrown, and
 * no array is allocated before its length has been checked against both the limit and the bytes remaining.
 *
 * <p>Not thread-safe: one reader per decode call.
 */
final class ByteReader {

    private final byte[] buf;
    private int pos;

    ByteReader(byte[] buf) {
        this.buf = buf;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return buf.length - pos;
    }

    int readUnsignedByte(String what) {
        if (pos >= buf.length) {
            throw new KvCodecException("truncated: missing " + what, pos);
        }
        return buf[pos++] & 0xFF;
    }

    long readFixedLong(String what) {
        if (remaining() < Long.BYTES) {
            throw new KvCodecException("truncated: " + what + " needs 8 bytes, " + remaining() + " left", pos);
        }
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    /** An unsigned LEB128 varint of at most 10 bytes; rejects overlong and overflowing encodings. */
    long readVarlong(String what) {
        int start = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= buf.length) {
                throw new KvCodecException("truncated varint for " + what, start);
            }
            int b = buf[pos++] & 0xFF;
            if (shift == 63 && b > 1) {
                throw new KvCodecException("varint for " + what + " overflows 64 bits", start);
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift > 0) {
                    throw new KvCodecException("overlong varint for " + what, start);
                }
                return v;
            }
        }
        throw new KvCodecException("varint for " + what + " longer than 10 bytes", start);
    }

    /** A varint length in {@code 0..max}. */
    int readLength(String what, int max) {
        int start = pos;
        long len = readVarlong(what + " length");
        if (len < 0 || len > max) {
            throw new KvCodecException(what + " length " + Long.toUnsignedString(len) + " exceeds limit " + max,
                    start);
        }
        if (len > remaining()) {
            throw new KvCodecException("truncated: " + what + " declares " + len + " bytes, " + remaining()
                    + " left", start);
        }
        return (int) len;
    }

    /** A length-prefixed byte string of at most {@code max} bytes, copied out. */
    byte[] readLengthPrefixed(String what, int max) {
        int len = readLength(what, max);
        byte[] out = new byte[len];
        System.arraycopy(buf, pos, out, 0, len);
        pos += len;
        return out;
    }

    void expectEnd(String what) {
        if (pos != buf.length) {
            throw new KvCodecException(remaining() + " trailing bytes after " + what, pos);
        }
    }
}
