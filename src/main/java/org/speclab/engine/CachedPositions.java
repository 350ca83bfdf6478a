package org.speclab.engine;

/**
 * The bookkeeping every {@link KvCache} shares, whatever memory holds the keys and values: how
 * many positions are held (rolled back in O(1): later positions are simply overwritten) and how
 * many fit before it must grow.
 */
public abstract class CachedPositions implements KvCache {
    /** Positions that fit; the subclass grows its storage and then this. */
    protected int capacity;
    private final int context;
    private int length;

    protected CachedPositions(int capacity) {
        this.capacity = Math.max(1, capacity);
        this.context = this.capacity;
    }

    @Override
    public int context() { return context; }

    @Override
    public int length() { return length; }

    /** After a forward pass: positions 0 .. n-1 are now held. */
    public void setLength(int n) { length = n; }

    @Override
    public void truncate(int position) {
        if (position < 0 || position > length) throw new IllegalArgumentException("cannot truncate " + length + " positions to " + position);
        length = position;
    }

    @Override
    public int capacity() { return capacity; }
}
