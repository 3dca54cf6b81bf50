package dev.sansraft.kv;

/**
 * The session fields a {@link KvCommand} carries on the wire. Immutable.
 *
 * <p>{@code lowestUnacked} lets a pipelining client tell the state machine which saved responses it no longer needs
 * (Raft thesis §6.3): every response for a sequence below it has been received, so the state machine discards those
 * and rejects any later retry of them as stale. A client with one write outstanding sends
 * {@code lowestUnacked == sequence}.
 *
 * @param clientId      the client's id (see {@link ClientId} for how ids map to sessions)
 * @param sequence      this write's number, at least 1
 * @param lowestUnacked the lowest sequence whose response the client still awaits; {@code 1 <= lowestUnacked <=
 *                      sequence}
 */
public record SessionTag(ClientId clientId, long sequence, long lowestUnacked) {

    /**
     * Validates the tag.
     *
     * @param clientId the client's id (see {@link ClientId} for how ids map to sessions)
     * @param sequence this write's number, at least 1
     * @param lowestUnacked the lowest sequence whose response the client still awaits; {@code 1 <= lowestUnacked <=
     *     sequence}
     * @throws IllegalArgumentException if {@code clientId} is null or the sequences break {@code 1 <= lowestUnacked <=
     *     sequence}
     */
    public SessionTag {
        if (clientId == null) {
            throw new IllegalArgumentException("session tag without a client id (sequence " + sequence + ")");
        }
        if (sequence < 1 || lowestUnacked < 1 || lowestUnacked > sequence) {
            throw new IllegalArgumentException("session tag needs 1 <= lowestUnacked <= sequence, got lowestUnacked="
                    + lowestUnacked + " sequence=" + sequence + " (client " + clientId + ")");
        }
    }

    /**
     * A tag of the numeric client {@code clientId} (see {@link ClientId#of(long)}).
     *
     * @param clientId the numeric client id, read as unsigned
     * @param sequence this write's number, at least 1
     * @param lowestUnacked the lowest sequence whose response the client still awaits
     */
    public SessionTag(long clientId, long sequence, long lowestUnacked) {
        this(ClientId.of(clientId), sequence, lowestUnacked);
    }
}
