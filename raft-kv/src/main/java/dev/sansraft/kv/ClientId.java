package dev.sansraft.kv;

import java.nio.charset.StandardCharsets;

/**
 * The identity of an exactly-once client: a token of 1 to {@value #MAX_LENGTH} visible ASCII characters
 * ({@code '!'} to {@code '~'}), for example a UUID, a service name or a decimal number. Immutable; equal when the
 * text is equal, character for character (case matters).
 *
 * <p>How ids map to session slots: the state machine keys every session by the whole id, compared with
 * {@link #equals}. A 64-bit hash of the id only places the session in the hash trie that snapshots capture; ids whose
 * hashes collide sit in one collision node but keep separate sessions, each with its own sequences and saved
 * responses. A collision therefore costs a few comparisons and nothing else: it can neither answer one client's write
 * with another's saved response (a write silently lost) nor let a retry slip past the saved response (a write applied
 * twice). Memory stays bounded because the number of sessions is ({@code maxSessions}) and each id is at most
 * {@value #MAX_LENGTH} bytes.
 *
 * <p>Numeric ids: {@link #of(long)} is the id's unsigned decimal text, so the Java {@link KvStore}'s 64-bit ids and
 * the numeric {@code Client-Id}s of earlier versions name the same sessions as before; the command codec and the
 * snapshot format store such canonical decimal ids in 8 bytes and every other id as its text.
 *
 * @param text the id, 1 to {@value #MAX_LENGTH} characters in {@code '!'..'~'}
 */
public record ClientId(String text) {

    /** The longest id, in characters (and bytes: every character is one byte of ASCII). */
    public static final int MAX_LENGTH = 128;

    /**
     * Validates the id.
     *
     * @param text the id, 1 to {@value #MAX_LENGTH} characters in {@code '!'..'~'}
     * @throws IllegalArgumentException if {@code text} is empty, too long or has a character outside {@code '!'..'~'}
     */
    public ClientId {
        String problem = problem(text);
        if (problem != null) {
            throw new IllegalArgumentException("client id " + problem);
        }
    }

    /**
     * The id {@code text}, validated.
     *
     * @param text the id's text, 1 to {@value #MAX_LENGTH} characters in {@code '!'..'~'}
     * @return the id
     * @throws IllegalArgumentException if {@code text} is not a valid id
     */
    public static ClientId of(String text) {
        return new ClientId(text);
    }

    /**
     * The id whose text is the unsigned decimal form of {@code id}.
     *
     * @param id the numeric id, read as unsigned
     * @return the id whose text is {@code Long.toUnsignedString(id)}
     */
    public static ClientId of(long id) {
        return new ClientId(Long.toUnsignedString(id));
    }

    /**
     * Why {@code text} is not a valid id, or null if it is. For request parsers that answer with a message instead of
     * an exception.
     *
     * @param text a candidate id; may be null
     * @return what is wrong with it, such as {@code "must not be empty"}, or null for a valid id
     */
    public static String problem(String text) {
        if (text == null || text.isEmpty()) {
            return "must not be empty";
        }
        if (text.length() > MAX_LENGTH) {
            return "is " + text.length() + " characters long, at most " + MAX_LENGTH + " allowed";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '!' || c > '~') {
                return "may hold only visible ASCII characters ('!' to '~'), found code " + (int) c + " at position "
                        + i;
            }
        }
        return null;
    }

    /**
     * True if the id is the canonical unsigned decimal text of a 64-bit value (no sign, no leading zero), which the
     * codecs store in 8 bytes.
     */
    boolean isCanonicalNumber() {
        int n = text.length();
        if (n > 20 || text.charAt(0) == '0' && n > 1) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        if (n < 20) {
            return true;
        }
        // 20 digits: at most 18446744073709551615.
        return text.compareTo("18446744073709551615") <= 0;
    }

    /** The 64-bit value of a canonical decimal id; see {@link #isCanonicalNumber()}. */
    long asNumber() {
        return Long.parseUnsignedLong(text);
    }

    /** The id's ASCII bytes. */
    byte[] bytes() {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The id read from {@code bytes}, or null if they are not a valid id. */
    static ClientId fromBytes(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        return problem(text) == null ? new ClientId(text) : null;
    }

    /** A 64-bit hash of the id, stable across runs and JVMs (it places sessions in the snapshot trie). */
    long hash64() {
        return Hash64.hash(bytes(), 0x5E55_10A5_C0FFEEL);
    }

    @Override
    public String toString() {
        return text;
    }
}
