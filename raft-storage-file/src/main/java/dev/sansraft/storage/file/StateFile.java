package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.zip.CRC32C;

/**
 * The {@code state} file: two checksummed 512-byte slots that hold a {@link DurableState} with a sequence number.
 * Each save overwrites the older slot and forces it, so a crash mid-write damages at most the slot being written
 * while the other still holds the previous state; loading picks the valid slot with the higher sequence. The file is
 * created once through a temp file, fsync, rename and directory fsync, so it either exists whole or not at all.
 *
 * <p>Thread-safety: {@link #save} and {@link #current} are synchronized; the store calls {@code save} from its writer
 * thread.
 */
final class StateFile implements AutoCloseable {

    static final String NAME = "state";
    static final String TEMP_NAME = "state.tmp";
    static final int MAGIC = 0x53525354; // "SRST"
    /** Version 2 added the first live segment id (for {@code resetTo}); version 1 slots are still read. */
    static final int VERSION = 2;
    static final int SLOT_BYTES = 512;
    private static final int V1_PAYLOAD_BYTES = 64;
    private static final int PAYLOAD_BYTES = 72;

    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD_BYTES + 4);
    private final CRC32C crc = new CRC32C();
    private long sequence;
    private DurableState current;

    private StateFile(Path path, FileChannel channel, long sequence, DurableState current) {
        this.path = path;
        this.channel = channel;
        this.sequence = sequence;
        this.current = current;
    }

    /** Opens the state file in {@code dir}, creating it (durably) with the initial state if absent. */
    static StateFile open(Path dir, FileChannels channels) throws IOException {
        Path path = dir.resolve(NAME);
        Path temp = dir.resolve(TEMP_NAME);
        if (!Files.exists(path)) {
            // The state file is created before any segment, so segments without it mean the term and vote were
            // lost: starting over at term 0 could cast a second vote in a term (Raft §5.2).
            try (DirectoryStream<Path> segments = Files.newDirectoryStream(dir, "segment-*.log")) {
                Iterator<Path> any = segments.iterator();
                if (any.hasNext()) {
                    throw new CorruptLogException(path, -1, "the state file is missing but segment "
                            + any.next().getFileName() + " exists; the node's term and vote are lost");
                }
            }
            // A leftover temp file is a creation that crashed before its rename: it never counted.
            Files.deleteIfExists(temp);
            try (FileChannel ch = channels.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer image = ByteBuffer.allocateDirect(2 * SLOT_BYTES);
                encode(image, 0, 1, DurableState.INITIAL, new CRC32C());
                image.clear();
                while (image.hasRemaining()) {
                    ch.write(image, image.position());
                }
                ch.force(true);
            }
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
            channels.syncDirectory(dir);
        }
        FileChannel channel = channels.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            if (channel.size() != 2 * SLOT_BYTES) {
                throw new CorruptLogException(path, -1, "state file is " + channel.size() + " bytes, expected "
                        + 2 * SLOT_BYTES);
            }
            ByteBuffer image = ByteBuffer.allocate(2 * SLOT_BYTES);
            SegmentFooter.readFully(channel, image, 0);
            long bestSequence = 0;
            DurableState best = null;
            for (int slot = 0; slot < 2; slot++) {
                int base = slot * SLOT_BYTES;
                long seq = image.getLong(base + 8);
                DurableState state = decode(image, base);
                if (state != null && seq > bestSequence) {
                    bestSequence = seq;
                    best = state;
                }
            }
            if (best == null) {
                throw new CorruptLogException(path, 0, "both hard state slots fail their checksum");
            }
            return new StateFile(path, channel, bestSequence, best);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    synchronized DurableState current() {
        return current;
    }

    /** Durably replaces the stored state; returns only after {@code force} has. */
    synchronized void save(DurableState state) throws IOException {
        long next = sequence + 1;
        buf.clear();
        encode(buf, 0, next, state, crc);
        buf.flip();
        long pos = (next & 1) == 0 ? SLOT_BYTES : 0;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
        // The file's size never changes after creation, so a data-only force is enough.
        channel.force(false);
        sequence = next;
        current = state;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private static void encode(ByteBuffer buf, int base, long sequence, DurableState state, CRC32C crc) {
        buf.position(base);
        buf.putInt(MAGIC).putInt(VERSION).putLong(sequence).putLong(state.hardState().term())
                .putLong(state.hardState().votedFor()).putLong(state.firstIndex()).putLong(state.termBeforeFirst())
                .putLong(state.tailSegmentId()).putLong(state.maxSegmentId()).putLong(state.firstSegmentId());
        ByteBuffer view = buf.duplicate();
        view.limit(base + PAYLOAD_BYTES).position(base);
        crc.reset();
        crc.update(view);
        buf.putInt((int) crc.getValue());
    }

    private static DurableState decode(ByteBuffer image, int base) {
        int version = image.getInt(base + 4);
        if (image.getInt(base) != MAGIC || (version != 1 && version != VERSION)) {
            return null;
        }
        int payloadBytes = version == 1 ? V1_PAYLOAD_BYTES : PAYLOAD_BYTES;
        ByteBuffer view = image.duplicate();
        view.limit(base + payloadBytes).position(base);
        CRC32C crc = new CRC32C();
        crc.update(view);
        if (image.getInt(base + payloadBytes) != (int) crc.getValue()) {
            return null;
        }
        try {
            return new DurableState(new HardState(image.getLong(base + 16), image.getLong(base + 24)),
                    image.getLong(base + 32), image.getLong(base + 40), image.getLong(base + 48),
                    image.getLong(base + 56), version == 1 ? 0 : image.getLong(base + 64));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "StateFile[" + path + "]";
    }
}
