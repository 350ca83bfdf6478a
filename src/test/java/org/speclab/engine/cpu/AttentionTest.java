package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.speclab.engine.CacheType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attention over the key cache's blocks of positions against plain arrays: a cache that grows from a capacity
 * that is not a whole number of blocks, every position, windows that start anywhere inside a block, and query
 * heads that share a key head (read together four at a time) against the same heads each given a key head of
 * their own.
 */
class AttentionTest {
    private static final int LAYERS = 2, POSITIONS = 70; // past four runs of 16 positions (the scores' widest step at 512 bits)

    /** kvHeads, group (query heads per key head), head size: one head at a time; fours and a remainder; fours only. */
    @ParameterizedTest
    @CsvSource({"2, 2, 12", "2, 5, 16", "1, 4, 32", "3, 8, 8", "1, 1, 128"})
    void everyScoreIsTheChainOfMultiplyAddsOverItsOwnKey(int kvHeads, int group, int hs) {
        Filled f = new Filled(kvHeads, group, hs, 1);
        float[] q = f.query(), got = new float[POSITIONS];
        float scale = (float) Math.sqrt(hs);
        for (int l = 0; l < LAYERS; l++)
            for (int pos = 0; pos < POSITIONS; pos++)
                for (int first = 0; first <= pos; first++)
                    for (int g = 0; g < kvHeads; g++) {
                        int kv = g * hs, qo = g * group * hs, n = pos + 1 - first;
                        java.util.Arrays.fill(got, Float.NaN);
                        Attention.scores(f.cache.keys[l], f.cache.head(g), first, q, qo, hs, n, scale, got);
                        for (int t = 0; t < n; t++) {
                            float want = 0f;
                            for (int i = 0; i < hs; i++) want = Math.fma(q[qo + i], f.keys[l][first + t][kv + i], want);
                            want /= scale;
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[t]),
                                    "layer " + l + ", query at " + pos + ", window from " + first + ", key " + (first + t));
                        }
                    }
    }

    @ParameterizedTest
    @CsvSource({"2, 2, 12", "2, 5, 16", "1, 4, 32", "3, 8, 8", "2, 1, 128", "1, 4, 64"})
    void headsAttendOverTheirWindowOnly(int kvHeads, int group, int hs) {
        Filled f = new Filled(kvHeads, group, hs, 1);
        int heads = kvHeads * group;
        float[] q = f.query(), out = new float[heads * hs];
        float scale = (float) Math.sqrt(hs);
        int run = Attention.run(group, hs);
        for (int window : new int[] {0, 1, 3, 16, 17, 40}) {
            for (int pos = 0; pos < POSITIONS; pos++) {
                for (int g = 0; g < kvHeads; g++)
                    for (int j0 = 0; j0 < group; j0 += run) heads(f.cache, 1, q, pos, out, g, j0, Math.min(group, j0 + run), hs, group, scale, 0f, window);
                int first = window > 0 ? Math.max(0, pos + 1 - window) : 0;
                for (int h = 0; h < heads; h++) {
                    int kv = (h / group) * hs;
                    double[] w = new double[pos + 1 - first];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int t = 0; t < w.length; t++) {
                        double s = 0;
                        for (int i = 0; i < hs; i++) s += (double) q[h * hs + i] * f.keys[1][first + t][kv + i];
                        w[t] = s / scale;
                        max = Math.max(max, w[t]);
                    }
                    for (int t = 0; t < w.length; t++) sum += w[t] = Math.exp(w[t] - max);
                    for (int i = 0; i < hs; i++) {
                        double want = 0;
                        for (int t = 0; t < w.length; t++) want += w[t] / sum * f.values[1][first + t][kv + i];
                        assertEquals(want, out[h * hs + i], 1e-5, "window " + window + ", query at " + pos + ", head " + h + ", component " + i);
                    }
                }
            }
        }
    }

    /** Heads sharing a key head give the bits they give each with a copy of it (one head at a time), soft-capped or not. */
    @ParameterizedTest
    @CsvSource({"2, 5, 16", "1, 4, 32", "3, 8, 8", "1, 4, 12", "1, 4, 64"})
    void sharedKeyHeadsGiveTheBitsOfOneHeadAtATime(int kvHeads, int group, int hs) {
        Filled shared = new Filled(kvHeads, group, hs, 1), own = new Filled(kvHeads, group, hs, group);
        int heads = kvHeads * group;
        float[] q = shared.query();
        float[] a = new float[heads * hs], b = new float[heads * hs];
        for (float softcap : new float[] {0f, 2f})
            for (int window : new int[] {0, 5, 16})
                for (int pos = 0; pos < POSITIONS; pos++) {
                    for (int g = 0; g < kvHeads; g++) heads(shared.cache, 0, q, pos, a, g, 0, group, hs, group, 3f, softcap, window);
                    for (int h = 0; h < heads; h++) heads(own.cache, 0, q, pos, b, h, 0, 1, hs, 1, 3f, softcap, window);
                    for (int i = 0; i < a.length; i++)
                        assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]),
                                "soft-cap " + softcap + ", window " + window + ", query at " + pos + ", head " + i / hs + ", component " + i % hs);
                }
    }

    /**
     * Several queries at once, the keys and values read a chunk at a time (a float16 cache's widened), give the bits of a
     * float32 cache holding the same values one query at a time: chunks of one and two blocks and larger than the
     * context, queries one to seven at a time starting anywhere, windows starting inside a block, soft-capped or not.
     */
    @ParameterizedTest
    @CsvSource({"2, 2, 12, F16", "2, 5, 16, F16", "1, 4, 32, F16", "3, 8, 8, F16", "1, 7, 16, F16", "2, 5, 16, F32", "1, 7, 16, F32", "3, 8, 8, F32",
            "2, 1, 128, F16", "1, 2, 128, F32", "1, 4, 64, F16"})
    void severalQueriesAtOnceGiveTheBitsOfOneAtATime(int kvHeads, int group, int hs, CacheType type) {
        Filled half = new Filled(kvHeads, group, hs, 1, type, true), full = new Filled(kvHeads, group, hs, 1, CacheType.F32, true);
        assertEquals(type == CacheType.F16, half.cache.keys == null);
        int heads = kvHeads * group, run = Attention.run(group, hs);
        float[][] q = new float[POSITIONS][];
        for (int t = 0; t < POSITIONS; t++) q[t] = half.query(100 + t);
        float[] want = new float[heads * hs];
        for (int chunk : new int[] {16, 32, 128})
            for (float softcap : new float[] {0f, 2f})
                for (int window : new int[] {0, 5, 17})
                    for (int queries : new int[] {1, 3, 7}) {
                        int startPos = chunk == 32 ? 2 : 0;
                        for (int t0 = 0; startPos + t0 < POSITIONS; t0 += queries) {
                            int t1 = Math.min(POSITIONS - startPos, t0 + queries);
                            float[][] out = new float[POSITIONS][heads * hs];
                            float[] s = new float[Attention.queriesScoresBuffer(t1 - t0, Math.max(run, group), startPos + t1 - 1)];
                            float[] scratch = new float[chunk * hs];
                            for (int g = 0; g < kvHeads; g++)
                                for (int j0 = 0; j0 < group; j0 += run)
                                    Attention.queries(half.cache, 1, q, startPos, t0, t1, out, s, scratch, chunk, g, j0, Math.min(group, j0 + run), hs, group, 3f, softcap, window);
                            for (int t = t0; t < t1; t++) {
                                for (int g = 0; g < kvHeads; g++)
                                    for (int j0 = 0; j0 < group; j0 += run)
                                        heads(full.cache, 1, q[t], startPos + t, want, g, j0, Math.min(group, j0 + run), hs, group, 3f, softcap, window);
                                for (int i = 0; i < want.length; i++)
                                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(out[t][i]), "chunk " + chunk + ", soft-cap " + softcap
                                            + ", window " + window + ", queries " + t0 + ".." + (t1 - 1) + ", query at " + (startPos + t) + ", head " + i / hs + ", component " + i % hs);
                            }
                        }
                    }
    }

    /**
     * One query at {@code pos} through Attention.queries with the whole range one chunk, as a decode step over a float32
     * cache runs: the reference the chunked, several-query form is held to. Its scores buffer is just the size promised.
     */
    private static void heads(CpuKvCache cache, int layer, float[] q, int pos, float[] out, int g, int j0, int j1, int hs, int group,
                              float scale, float softcap, int window) {
        int chunk = (pos + CpuKvCache.BLOCK) / CpuKvCache.BLOCK * CpuKvCache.BLOCK;
        float[] scores = new float[Attention.queriesScoresBuffer(1, j1 - j0, pos)];
        Attention.queries(cache, layer, new float[][] {q}, pos, 0, 1, new float[][] {out}, scores, cache.half() ? new float[chunk * hs] : null,
                chunk, g, j0, j1, hs, group, scale, softcap, window);
    }

    /** A cache of random keys and values (also kept in plain arrays), each key head stored {@code copies} times in a row. */
    private static final class Filled {
        final int kvDim, heads, hs;
        final float[][][] keys, values;
        final CpuKvCache cache;
        private final SplittableRandom rnd = new SplittableRandom(11);

        Filled(int kvHeads, int group, int hs, int copies) { this(kvHeads, group, hs, copies, CacheType.F32, false); }

        /** With {@code rounded}, every key and value is a float16 value (so a float32 and a float16 cache hold the same). */
        Filled(int kvHeads, int group, int hs, int copies, CacheType type, boolean rounded) {
            this.hs = hs;
            kvDim = kvHeads * hs;
            heads = kvHeads * group;
            keys = new float[LAYERS][POSITIONS][kvDim];
            values = new float[LAYERS][POSITIONS][kvDim];
            cache = new CpuKvCache(LAYERS, kvDim * copies, hs, 5, type);
            float[] k = new float[kvDim * copies], v = new float[kvDim * copies];
            for (int p = 0; p < POSITIONS; p++) {
                cache.ensureCapacity(p + 1);
                for (int l = 0; l < LAYERS; l++) {
                    for (int d = 0; d < kvDim; d++) {
                        keys[l][p][d] = (float) rnd.nextGaussian();
                        values[l][p][d] = (float) rnd.nextGaussian();
                        if (rounded) {
                            keys[l][p][d] = Float.float16ToFloat(Float.floatToFloat16(keys[l][p][d]));
                            values[l][p][d] = Float.float16ToFloat(Float.floatToFloat16(values[l][p][d]));
                        }
                    }
                    for (int g = 0; g < kvHeads; g++)
                        for (int c = 0; c < copies; c++) {
                            System.arraycopy(keys[l][p], g * hs, k, (g * copies + c) * hs, hs);
                            System.arraycopy(values[l][p], g * hs, v, (g * copies + c) * hs, hs);
                        }
                    cache.put(l, p, k, v);
                }
            }
        }

        float[] query() { return query(5); }

        float[] query(int seed) {
            SplittableRandom r = new SplittableRandom(seed);
            float[] q = new float[heads * hs];
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            return q;
        }
    }
}
