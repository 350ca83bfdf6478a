package org.speclab.engine.cpu;

import java.util.Arrays;
import org.speclab.engine.KvCache;

/** Per-layer key and value rows of {@code kvDim} floats, one row per position. */
final class CpuKvCache implements KvCache {
    final int layers;
    final int kvDim;
    float[][] keys;
    float[][] values;
    private int length;

    CpuKvCache(int layers, int kvDim, int capacity) {
        this.layers = layers;
        this.kvDim = kvDim;
        keys = new float[layers][Math.max(1, capacity) * kvDim];
        values = new float[layers][Math.max(1, capacity) * kvDim];
    }

    @Override
    public int length() { return length; }

    void setLength(int n) { length = n; }

    @Override
    public void truncate(int position) {
        if (position < 0 || position > length) throw new IllegalArgumentException("cannot truncate " + length + " positions to " + position);
        length = position;
    }

    @Override
    public int capacity() { return keys[0].length / kvDim; }

    /** Grows (doubling) so that {@code positions} fit. */
    void ensureCapacity(int positions) {
        if (positions <= capacity()) return;
        int cap = Math.max(positions, capacity() * 2);
        for (int l = 0; l < layers; l++) {
            keys[l] = Arrays.copyOf(keys[l], cap * kvDim);
            values[l] = Arrays.copyOf(values[l], cap * kvDim);
        }
    }
}
