package dev.sansraft.node;

import dev.sansraft.core.LogEntry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A test state machine whose state is the list of applied payloads (as strings), replaced by an immutable copy on
 * every apply, so a capture is a reference copy. How it takes snapshots is chosen per instance: by capture, by the
 * synchronous write, or not at all. Answers "applied:&lt;payload&gt;"; a query returns the state joined by commas.
 */
final class ListMachine implements StateMachine {

    enum Snapshots { CAPTURE, WRITE, NONE }

    private final Snapshots snapshots;
    private volatile List<String> state = List.of();
    private volatile long restores;

    ListMachine(Snapshots snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public byte[] apply(LogEntry entry) {
        List<String> next = new ArrayList<>(state.size() + 1);
        next.addAll(state);
        next.add(new String(entry.payload(), StandardCharsets.UTF_8));
        state = List.copyOf(next);
        return ("applied:" + next.get(next.size() - 1)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] request) {
        return String.join(",", state).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<SnapshotSource> captureSnapshot() {
        if (snapshots != Snapshots.CAPTURE) {
            return Optional.empty();
        }
        List<String> frozen = state;
        return Optional.of(out -> write(frozen, out));
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        if (snapshots == Snapshots.NONE) {
            throw new UnsupportedOperationException("ListMachine without snapshots");
        }
        write(state, out);
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        if (snapshots == Snapshots.NONE) {
            throw new UnsupportedOperationException("ListMachine without snapshots");
        }
        DataInputStream data = new DataInputStream(in);
        int n = data.readInt();
        List<String> restored = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            restored.add(data.readUTF());
        }
        state = List.copyOf(restored);
        restores++;
    }

    /** The current state; readable from any thread. */
    List<String> state() {
        return state;
    }

    long restores() {
        return restores;
    }

    private static void write(List<String> s, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(s.size());
        for (String item : s) {
            data.writeUTF(item);
        }
        data.flush();
    }

    /** The snapshot payload of {@code s}. */
    static byte[] encode(List<String> s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(s, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The state a payload holds. */
    static List<String> decode(byte[] payload) {
        ListMachine m = new ListMachine(Snapshots.WRITE);
        try {
            m.restoreSnapshot(new ByteArrayInputStream(payload));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m.state();
    }

    static long crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }
}
