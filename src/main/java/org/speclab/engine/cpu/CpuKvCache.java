package org.speclab.engine.cpu;

import java.util.Arrays;

/**
 * Per layer, keys stored transposed — for each of the {@code kvDim} key components, one row over
 * positions — so attention scores many positions at once with plain vector multiply-adds; values
 * one row of {@code kvDim} floats per position, so a head's output adds whole value rows.
 */
final class CpuKvCache extends org.speclab.engine.CachedPositions {
    final int layers;
    final int kvDim;
    /** keys[layer][d · capacity + position], values[layer][position · kvDim + d]. */
    float[][] keys;
    float[][] values;

    CpuKvCache(int layers, int kvDim, int capacity) {
        super(capacity);
        this.layers = layers;
        this.kvDim = kvDim;
        keys = new float[layers][this.capacity * kvDim];
        values = new float[layers][this.capacity * kvDim];
    }

    /** Stores the key and value of {@code position} in {@code layer}. */
    void put(int layer, int position, float[] key, float[] value) {
        float[] k = keys[layer];
        for (int d = 0; d < kvDim; d++) k[d * capacity + position] = key[d];
        System.arraycopy(value, 0, values[layer], position * kvDim, kvDim);
    }

    /** Grows (doubling) so that {@code positions} fit. */
    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        for (int l = 0; l < layers; l++) {
            float[] k = new float[cap * kvDim];
            for (int d = 0; d < kvDim; d++) System.arraycopy(keys[l], d * capacity, k, d * cap, capacity);
            keys[l] = k;
            values[l] = Arrays.copyOf(values[l], cap * kvDim);
        }
        capacity = cap;
    }
}
