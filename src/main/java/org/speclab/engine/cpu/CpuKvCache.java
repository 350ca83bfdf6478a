package org.speclab.engine.cpu;

import org.speclab.engine.CacheType;

/**
 * Per layer, each key head's keys and values in a region of their own, positions one after another, so attention reads a
 * key head's keys (then values) as one stream: the hardware prefetchers follow it. Keys in blocks of {@link #BLOCK}
 * positions: a block holds, for each of the head's {@code headDim} components, its {@code BLOCK} positions side by side,
 * so attention scores a block's positions at once with plain vector multiply-adds over contiguous memory; values as rows
 * of {@code headDim} floats, so a head's output adds whole rows read one after another. The regions grow (are laid out
 * again) when the capacity doubles.
 * <p>
 * (Blocks of all key heads together instead, a key head's part of a block {@code headDim · BLOCK} floats and the next
 * block's {@code kvDim · BLOCK} further, so a key head read as pieces of 8 KB (4 KB in float16): a 1.48 B
 * Llama-2-7B-shaped model's decode step at 2,048 positions spent 10.4 ms in attention with a float32 cache and 10.0 with
 * a float16 one, in head regions 10.0 and 7.7 (a five-position pass 14.9 and 15.5 against 13.4 and 13.0; medians of
 * eight runs, two threads; the 200M model's float16 decode step 1.60 against 1.06 ms). Transposed over the whole
 * capacity, one row per component, storing a position wrote its {@code kvDim} key components {@code capacity} floats apart: a different page for each
 * from a capacity of 1,024: on a Llama-2-7B-shaped layer one store took 120 µs at 4,096 positions, in blocks of 16,
 * 13.5 µs; measured.)
 */
final class CpuKvCache extends org.speclab.engine.CachedPositions {
    /** Positions per block: a multiple of every vector width's lanes (16 floats at 512 bits: one vector, one cache line), and a power of two. */
    static final int BLOCK = 16;
    final int layers;
    final int kvDim;
    final int headDim;
    /**
     * keys[layer][{@link #head}(g) + {@link #keyOffset}(position, headDim) + i · BLOCK] is component i of key head g,
     * values[layer][head(g) + position · headDim + i] its value's; null in a float16 cache.
     */
    float[][] keys;
    float[][] values;
    /** A float16 cache's keys and values (IEEE binary16 bits), in the same places; null in a float32 one. */
    short[][] halfKeys;
    short[][] halfValues;
    /** Positions each key head's region holds: the capacity in whole blocks. */
    private int span;

    /** A float32 cache. */
    CpuKvCache(int layers, int kvDim, int headDim, int capacity) { this(layers, kvDim, headDim, capacity, CacheType.F32); }

    CpuKvCache(int layers, int kvDim, int headDim, int capacity, CacheType type) {
        super(capacity);
        if (kvDim % headDim != 0) throw new IllegalArgumentException("key width " + kvDim + " is not a whole number of heads of " + headDim);
        this.layers = layers;
        this.kvDim = kvDim;
        this.headDim = headDim;
        span = blocks(this.capacity) * BLOCK;
        int size = size(span);
        if (type == CacheType.F16) {
            halfKeys = new short[layers][size];
            halfValues = new short[layers][size];
        } else {
            keys = new float[layers][size];
            values = new float[layers][size];
        }
    }

    private static int blocks(int positions) { return (positions + BLOCK - 1) / BLOCK; }

    private int size(int positions) { return Math.toIntExact((long) positions * kvDim); }

    /** Whether keys and values are held as float16 (Attention.queries widens them). */
    boolean half() { return halfKeys != null; }

    @Override
    public CacheType type() { return half() ? CacheType.F16 : CacheType.F32; }

    /** Where key head {@code g}'s region starts in a layer's keys and in its values (it moves when the cache grows). */
    int head(int g) { return g * span * headDim; }

    /** Where a key head's component 0 of {@code position} sits in its region; component i is i · BLOCK further. */
    static int keyOffset(int position, int headDim) { return (position / BLOCK) * headDim * BLOCK + position % BLOCK; }

    /** Stores the key and value of {@code position} in {@code layer}. */
    void put(int layer, int position, float[] key, float[] value) {
        for (int g = 0; g < kvDim / headDim; g++) put(layer, position, g, key, value);
    }

    /** Stores key head {@code g}'s part (values g · headDim ..) of the key and value of {@code position} in {@code layer}. */
    void put(int layer, int position, int g, float[] key, float[] value) {
        int kOff = keyOffset(position, headDim), vOff = position * headDim, h = head(g), d = g * headDim;
        if (half()) {
            short[] k = halfKeys[layer], v = halfValues[layer];
            for (int i = 0, at = h + kOff; i < headDim; i++, at += BLOCK) k[at] = Float.floatToFloat16(key[d + i]);
            for (int i = 0; i < headDim; i++) v[h + vOff + i] = Float.floatToFloat16(value[d + i]);
        } else {
            float[] k = keys[layer];
            for (int i = 0, at = h + kOff; i < headDim; i++, at += BLOCK) k[at] = key[d + i];
            System.arraycopy(value, d, values[layer], h + vOff, headDim);
        }
    }

    /** Grows (doubling) so that {@code positions} fit: each key head's region moves to its place in the larger layout. */
    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2), grown = blocks(cap) * BLOCK, size = size(grown), heads = kvDim / headDim;
        for (int l = 0; l < layers; l++) {
            if (half()) {
                halfKeys[l] = relaid(halfKeys[l], new short[size], heads, grown);
                halfValues[l] = relaid(halfValues[l], new short[size], heads, grown);
            } else {
                keys[l] = relaid(keys[l], new float[size], heads, grown);
                values[l] = relaid(values[l], new float[size], heads, grown);
            }
        }
        span = grown;
        capacity = cap;
    }

    /** {@code from}'s key-head regions of {@link #span} positions copied into {@code to}'s of {@code grown}. */
    private <A> A relaid(A from, A to, int heads, int grown) {
        for (int g = 0; g < heads; g++) System.arraycopy(from, g * span * headDim, to, g * grown * headDim, span * headDim);
        return to;
    }

    /**
     * Key head {@code g}'s keys or values (a float16 layer's {@code halfKeys} or {@code halfValues}) of positions p0 .. p1 − 1
     * (p0 the start of a block; keys are widened to the end of p1's block), widened into {@code into} from 0: laid out as
     * the head's region with position p0 first. One run of the region in both layouts; the widening is exact (HotSpot
     * turns the loop into vcvtph2ps).
     */
    void headAsFloats(short[] layer, int g, int p0, int p1, float[] into) {
        int from = head(g) + p0 * headDim, n = (blocks(p1) * BLOCK - p0) * headDim;
        for (int i = 0; i < n; i++) into[i] = Float.float16ToFloat(layer[from + i]);
    }
}
