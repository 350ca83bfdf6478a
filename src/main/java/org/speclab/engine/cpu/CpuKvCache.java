package org.speclab.engine.cpu;

import java.util.Arrays;
import org.speclab.engine.CacheType;

/**
 * Per layer, keys and values in blocks of {@link #BLOCK} positions. A block of keys holds, for each of the
 * {@code kvDim} key components, its {@code BLOCK} positions side by side, so attention scores a block's
 * positions at once with plain vector multiply-adds over contiguous memory; a block of values holds, key head
 * by key head, its positions' rows of {@code headDim} floats, so a head's output adds whole rows read one after
 * another (with a position's whole row at a time, a key head's rows {@code kvDim} apart, the four-head mix over 2,048
 * positions of 12 layers took 32 µs a key head instead of 27–28, one thread, measured).
 * <p>
 * (Transposed over the whole capacity instead, one row per component, storing a position wrote its
 * {@code kvDim} key components {@code capacity} floats apart: a different page for each from a capacity
 * of 1,024. On a Llama-2-7B-shaped layer, kvDim 4,096, one store took 120 µs at a capacity of 4,096
 * positions (32 layers: 3.8 ms a token); in blocks of 16, 13.5 µs; measured.)
 */
final class CpuKvCache extends org.speclab.engine.CachedPositions {
    /** Positions per block: a multiple of every vector width's lanes (16 floats at 512 bits: one vector, one cache line), and a power of two (Attention finds block starts with a mask). */
    static final int BLOCK = 16;
    final int layers;
    final int kvDim;
    final int headDim;
    /** keys[layer][{@link #keyIndex}(position, d, kvDim)], values[layer][{@link #valueIndex}(position, d, kvDim, headDim)]; null in a float16 cache. */
    float[][] keys;
    float[][] values;
    /** A float16 cache's keys and values (IEEE binary16 bits), in the same places; null in a float32 one. */
    short[][] halfKeys;
    short[][] halfValues;

    /** A float32 cache. */
    CpuKvCache(int layers, int kvDim, int headDim, int capacity) { this(layers, kvDim, headDim, capacity, CacheType.F32); }

    CpuKvCache(int layers, int kvDim, int headDim, int capacity, CacheType type) {
        super(capacity);
        if (kvDim % headDim != 0) throw new IllegalArgumentException("key width " + kvDim + " is not a whole number of heads of " + headDim);
        this.layers = layers;
        this.kvDim = kvDim;
        this.headDim = headDim;
        int size = Math.toIntExact((long) blocks(this.capacity) * kvDim * BLOCK);
        if (type == CacheType.F16) {
            halfKeys = new short[layers][size];
            halfValues = new short[layers][size];
        } else {
            keys = new float[layers][size];
            values = new float[layers][size];
        }
    }

    /** Whether keys and values are held as float16 (Attention.queries widens them). */
    boolean half() { return halfKeys != null; }

    @Override
    public CacheType type() { return half() ? CacheType.F16 : CacheType.F32; }

    private static int blocks(int positions) { return (positions + BLOCK - 1) / BLOCK; }

    /** Where component {@code d} of the key of {@code position} sits in a layer's keys; components d, d + 1, … are BLOCK apart. */
    static int keyIndex(int position, int d, int kvDim) { return (position / BLOCK) * kvDim * BLOCK + d * BLOCK + position % BLOCK; }

    /**
     * Where component {@code d} of the value of {@code position} sits in a layer's values: its key head's rows of
     * {@code headDim} follow each other within a block; from the last position of a block to the first of the next,
     * {@link #valueJump}.
     */
    static int valueIndex(int position, int d, int kvDim, int headDim) {
        return (position / BLOCK) * kvDim * BLOCK + (d / headDim) * BLOCK * headDim + (position % BLOCK) * headDim + d % headDim;
    }

    /** valueIndex(p + 1, d) − valueIndex(p, d) where p + 1 starts a block (elsewhere it is headDim). */
    static int valueJump(int kvDim, int headDim) { return kvDim * BLOCK - (BLOCK - 1) * headDim; }

    /** Stores the key and value of {@code position} in {@code layer}. */
    void put(int layer, int position, float[] key, float[] value) {
        if (half()) {
            short[] k = halfKeys[layer], v = halfValues[layer];
            for (int d = 0, i = keyIndex(position, 0, kvDim); d < kvDim; d++, i += BLOCK) k[i] = Float.floatToFloat16(key[d]);
            for (int d = 0; d < kvDim; d += headDim)
                for (int i = 0, o = valueIndex(position, d, kvDim, headDim); i < headDim; i++) v[o + i] = Float.floatToFloat16(value[d + i]);
            return;
        }
        float[] k = keys[layer];
        for (int d = 0, i = keyIndex(position, 0, kvDim); d < kvDim; d++, i += BLOCK) k[i] = key[d];
        for (int d = 0; d < kvDim; d += headDim) System.arraycopy(value, d, values[layer], valueIndex(position, d, kvDim, headDim), headDim);
    }

    /** Grows (doubling) so that {@code positions} fit. */
    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        int size = Math.toIntExact((long) blocks(cap) * kvDim * BLOCK);
        for (int l = 0; l < layers; l++) { // blocks are whole: the old ones keep their places
            if (half()) {
                halfKeys[l] = Arrays.copyOf(halfKeys[l], size);
                halfValues[l] = Arrays.copyOf(halfValues[l], size);
            } else {
                keys[l] = Arrays.copyOf(keys[l], size);
                values[l] = Arrays.copyOf(values[l], size);
            }
        }
        capacity = cap;
    }

    /**
     * Key head {@code g}'s keys or values (a float16 layer's {@code halfKeys} or {@code halfValues}) of blocks b0 .. b1 − 1,
     * widened into {@code into} from 0: laid out as a cache of one key head (kvDim = headDim), since a key head's part of a
     * block is one run of headDim · BLOCK in both layouts. The widening is exact (HotSpot turns the loop into vcvtph2ps).
     */
    void headAsFloats(short[] layer, int g, int b0, int b1, float[] into) {
        int span = headDim * BLOCK;
        for (int b = b0; b < b1; b++) {
            int from = (b * kvDim + g * headDim) * BLOCK, to = (b - b0) * span;
            for (int i = 0; i < span; i++) into[to + i] = Float.float16ToFloat(layer[from + i]);
        }
    }
}
