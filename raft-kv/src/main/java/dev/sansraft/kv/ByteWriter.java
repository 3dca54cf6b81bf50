package dev.sansraft.kv;

/**
 * Fills a byte array whose exact size the caller computed beforehand with {@link #varlongSize}, so that encoding
 * allocates exactly once. Overrunning the array is a programming error in the size computation and throws
 * {@link ArrayIndexOutOfBoundsException}; {@link #finish()} checks the computation was exact.
 *
 * <p>Not thread-safe: one writer per encode call.
 */
final class ByteWriter {

    private final byte[] buf;
    private int pos;

    ByteWriter(int size) {
        this.buf = new byte[size];
    }

    static int varlongSize(long v) {
        // 1 byte per started group of 7 significant bits; 0 still takes one byte.
        int bits = 64 - Long.numberOfLeadingZeros(v | 1);
        return (bits + 6) / 7;
    }

    static int lengthPrefixedSize(int length) {
        return varlongSize(length) + length;
    }

    ByteWriter writeByte(int b) {
        buf[pos++] = (byte) b;
        return this;
    }

    ByteWriter writeFixedLong(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
        return this;
    }

    ByteWriter writeVarlong(long v) {
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    ByteWriter writeLengthPrefixed(byte[] bytes) {
        writeVarlong(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    byte[] finish() {
        if (pos != buf.length) {
            throw new IllegalStateException("encoded " + pos + " bytes into a buffer sized " + buf.length);
        }
        return buf;
    }
}
