package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The key cache's blocks of positions against plain arrays: a cache that grows from a capacity that is
 * not a whole number of blocks, every position, windows that start anywhere inside a block.
 */
class AttentionTest {
    private static final int LAYERS = 2, KV_HEADS = 2, HS = 12, GROUP = 2, HEADS = KV_HEADS * GROUP, KV_DIM = KV_HEADS * HS, POSITIONS = 41;

    private final SplittableRandom rnd = new SplittableRandom(11);
    private final float[][][] keys = new float[LAYERS][POSITIONS][KV_DIM], values = new float[LAYERS][POSITIONS][KV_DIM];
    private final CpuKvCache cache = new CpuKvCache(LAYERS, KV_DIM, 5);

    AttentionTest() {
        for (int p = 0; p < POSITIONS; p++) {
            cache.ensureCapacity(p + 1);
            for (int l = 0; l < LAYERS; l++) {
                for (int d = 0; d < KV_DIM; d++) {
                    keys[l][p][d] = (float) rnd.nextGaussian();
                    values[l][p][d] = (float) rnd.nextGaussian();
                }
                cache.put(l, p, keys[l][p], values[l][p]);
            }
        }
    }

    @Test
    void everyScoreIsTheChainOfMultiplyAddsOverItsOwnKey() {
        float[] q = randomQuery(), got = new float[POSITIONS];
        float scale = (float) Math.sqrt(HS);
        for (int l = 0; l < LAYERS; l++)
            for (int pos = 0; pos < POSITIONS; pos++)
                for (int first = 0; first <= pos; first++)
                    for (int kvHead = 0; kvHead < KV_HEADS; kvHead++) {
                        int kv = kvHead * HS, qo = kvHead * GROUP * HS, n = pos + 1 - first;
                        java.util.Arrays.fill(got, Float.NaN);
                        Attention.scores(cache.keys[l], KV_DIM, kv, first, q, qo, HS, n, scale, got);
                        for (int t = 0; t < n; t++) {
                            float want = 0f;
                            for (int i = 0; i < HS; i++) want = Math.fma(q[qo + i], keys[l][first + t][kv + i], want);
                            want /= scale;
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[t]),
                                    "layer " + l + ", query at " + pos + ", window from " + first + ", key " + (first + t));
                        }
                    }
    }

    @Test
    void headsAttendOverTheirWindowOnly() {
        float[] q = randomQuery(), scores = new float[POSITIONS], out = new float[HEADS * HS];
        float scale = (float) Math.sqrt(HS);
        for (int window : new int[] {0, 1, 3, 16, 17, 40}) {
            for (int pos = 0; pos < POSITIONS; pos++) {
                Attention.heads(cache, 1, q, pos, out, scores, 0, HEADS, HS, GROUP, scale, 0f, window);
                int first = window > 0 ? Math.max(0, pos + 1 - window) : 0;
                for (int h = 0; h < HEADS; h++) {
                    int kv = (h / GROUP) * HS;
                    double[] w = new double[pos + 1 - first];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int t = 0; t < w.length; t++) {
                        double s = 0;
                        for (int i = 0; i < HS; i++) s += (double) q[h * HS + i] * keys[1][first + t][kv + i];
                        w[t] = s / scale;
                        max = Math.max(max, w[t]);
                    }
                    for (int t = 0; t < w.length; t++) sum += w[t] = Math.exp(w[t] - max);
                    for (int i = 0; i < HS; i++) {
                        double want = 0;
                        for (int t = 0; t < w.length; t++) want += w[t] / sum * values[1][first + t][kv + i];
                        assertEquals(want, out[h * HS + i], 1e-5, "window " + window + ", query at " + pos + ", head " + h + ", component " + i);
                    }
                }
            }
        }
    }

    private float[] randomQuery() {
        float[] q = new float[HEADS * HS];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        return q;
    }
}
