package dev.sansraft.node;

import dev.sansraft.core.HardState;
import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.util.List;

/** A LogStore that forwards to another, for tests that override one method to inject delays or failures. */
class ForwardingLogStore implements LogStore {

    private final LogStore delegate;

    ForwardingLogStore(LogStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean isDurable() {
        return delegate.isDurable();
    }

    @Override
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long term(long index) {
        return delegate.term(index);
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return delegate.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    @Override
    public void append(List<LogEntry> entries) throws IOException {
        delegate.append(entries);
    }

    @Override
    public void truncateSuffix(long fromIndex) throws IOException {
        delegate.truncateSuffix(fromIndex);
    }

    @Override
    public void compactPrefix(long upToIndex) throws IOException {
        delegate.compactPrefix(upToIndex);
    }

    @Override
    public void resetTo(long index, long term) throws IOException {
        delegate.resetTo(index, term);
    }

    @Override
    public void sync() throws IOException {
        delegate.sync();
    }

    @Override
    public HardState loadHardState() throws IOException {
        return delegate.loadHardState();
    }

    @Override
    public void saveHardState(HardState state) throws IOException {
        delegate.saveHardState(state);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
