package org.speclab.engine.cpu;

import java.util.Arrays;

/**
 * Per layer, keys stored transposed in blocks of {@link #BLOCK} positions: each block holds, for each of the
 * {@code kvDim} key components, its {@code BLOCK} positions side by side, so attention scores a block's
 * positions at once with plain vector multiply-adds over contiguous memory; values one row of {@code kvDim}
 * floats per position, so a head's output adds whole value rows.
 * <p>
 * (Transposed over the whole capacity instead, one row per component, storing a position wrote its
 * {@code kvDim} key components {@code capacity} floats apart: a different page for each from a capacity
 * of 1,024. On a Llama-2-7B-shaped layer, kvDim 4,096, one store took 120 µs at a capacity of 4,096
 * positions (32 layers: 3.8 ms a token); in blocks of 16, 13.5 µs; measured.)
 */
final class CpuKvCache extends org.speclab.engine.CachedPositions {
    /** Positions per block: a multiple of every vector width's lanes (16 floats at 512 bits: one vector, one cache line). */
    static final int BLOCK = 16;
    final int layers;
    final int kvDim;
    /** keys[layer][(position / BLOCK) · kvDim · BLOCK + d · BLOCK + position % BLOCK] ({@link #keyIndex}), values[layer][position · kvDim + d]. */
    float[][] keys;
    float[][] values;

    CpuKvCache(int layers, int kvDim, int capacity) {
        super(capacity);
        this.layers = layers;
        this.kvDim = kvDim;
        keys = new float[layers][blocks(this.capacity) * kvDim * BLOCK];
        values = new float[layers][this.capacity * kvDim];
    }

    private static int blocks(int positions) { return (positions + BLOCK - 1) / BLOCK; }

    /** Where component {@code d} of the key of {@code position} sits in a layer's keys; components d, d + 1, … are BLOCK apart. */
    static int keyIndex(int position, int d, int kvDim) { return (position / BLOCK) * kvDim * BLOCK + d * BLOCK + position % BLOCK; }

    /** Stores the key and value of {@code position} in {@code layer}. */
    void put(int layer, int position, float[] key, float[] value) {
        float[] k = keys[layer];
        for (int d = 0, i = keyIndex(position, 0, kvDim); d < kvDim; d++, i += BLOCK) k[i] = key[d];
        System.arraycopy(value, 0, values[layer], position * kvDim, kvDim);
    }

    /** Grows (doubling) so that {@code positions} fit. */
    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        for (int l = 0; l < layers; l++) {
            keys[l] = Arrays.copyOf(keys[l], blocks(cap) * kvDim * BLOCK); // blocks are whole: the old ones keep their places
            values[l] = Arrays.copyOf(values[l], cap * kvDim);
        }
        capacity = cap;
    }
}
