package org.speclab.engine;

/**
 * Keys and values of the positions a transformer has seen. Speculation rolls rejected draft
 * positions back with {@link #truncate(int)} in O(1): later positions are simply overwritten.
 */
public interface KvCache {
    /** Positions currently held (the next forward starts here). */
    int length();

    /** Forgets every position from {@code position} on. */
    void truncate(int position);

    /** Positions that fit without growing. */
    int capacity();

    /**
     * The context this cache was made for (its first capacity; growing does not change it). It
     * chooses Phi-3's long or short RoPE factors, as llama.cpp's context size does.
     */
    default int context() { return capacity(); }

    /** How keys and values are held. */
    default CacheType type() { return CacheType.F32; }
}
