package org.speclab.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one query position over the cached positions 0..pos. Scores
 * run over positions in vector lanes (keys are cached transposed), each score the same chain of
 * fused multiply-adds over the head's components whether it lands in a vector lane or in the
 * scalar tail; so a position's output never depends on how many positions a call holds, or on
 * which thread computes it.
 */
final class Attention {
    private static final VectorSpecies<Float> F = VectorDot.F;
    private static final int LANES = F.length();

    private Attention() {}

    /**
     * Heads {@code h0 ≤ h < h1} of query {@code q} at position {@code pos}: out[h·hs ..] = softmax(q·K / √hs)·V.
     * {@code scores} holds at least pos + 1 floats.
     */
    static void heads(CpuKvCache cache, int layer, float[] q, int pos, float[] out, float[] scores, int h0, int h1,
                      int hs, int group) {
        float[] keys = cache.keys[layer], values = cache.values[layer];
        int cap = cache.capacity(), kvDim = cache.kvDim, n = pos + 1;
        float scale = (float) Math.sqrt(hs);
        for (int h = h0; h < h1; h++) {
            int qo = h * hs, kv = (h / group) * hs;
            scores(keys, cap, kv, q, qo, hs, n, scores);
            for (int t = 0; t < n; t++) scores[t] /= scale;
            CpuTransformer.softmax(scores, n);
            java.util.Arrays.fill(out, qo, qo + hs, 0f);
            for (int t = 0; t < n; t++) {
                float a = scores[t];
                int vo = t * kvDim + kv;
                if (hs % LANES == 0) {
                    FloatVector av = FloatVector.broadcast(F, a);
                    for (int i = 0; i < hs; i += LANES) {
                        av.fma(FloatVector.fromArray(F, values, vo + i), FloatVector.fromArray(F, out, qo + i)).intoArray(out, qo + i);
                    }
                } else {
                    for (int i = 0; i < hs; i++) out[qo + i] = Math.fma(a, values[vo + i], out[qo + i]);
                }
            }
        }
    }

    /** scores[t] = Σ_i q[qo + i] · key_t[kv + i] for t < n, as a left-to-right chain of fused multiply-adds. */
    private static void scores(float[] keys, int cap, int kv, float[] q, int qo, int hs, int n, float[] scores) {
        int t = 0;
        for (; t + 2 * LANES <= n; t += 2 * LANES) {
            FloatVector a = FloatVector.zero(F), b = a;
            for (int i = 0; i < hs; i++) {
                FloatVector qi = FloatVector.broadcast(F, q[qo + i]);
                int row = (kv + i) * cap + t;
                a = qi.fma(FloatVector.fromArray(F, keys, row), a);
                b = qi.fma(FloatVector.fromArray(F, keys, row + LANES), b);
            }
            a.intoArray(scores, t);
            b.intoArray(scores, t + LANES);
        }
        for (; t + LANES <= n; t += LANES) {
            FloatVector a = FloatVector.zero(F);
            for (int i = 0; i < hs; i++) a = FloatVector.broadcast(F, q[qo + i]).fma(FloatVector.fromArray(F, keys, (kv + i) * cap + t), a);
            a.intoArray(scores, t);
        }
        for (; t < n; t++) {
            float s = 0f;
            for (int i = 0; i < hs; i++) s = Math.fma(q[qo + i], keys[(kv + i) * cap + t], s);
            scores[t] = s;
        }
    }
}
