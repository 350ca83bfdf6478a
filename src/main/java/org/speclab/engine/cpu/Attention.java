package org.speclab.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one query position over the cached positions 0..pos. Scores
 * run over positions in vector lanes (keys are cached transposed in blocks of positions), each score the same chain of
 * fused multiply-adds over the head's components whether it lands in a vector lane or in the
 * scalar tail; so a position's output never depends on how many positions a call holds, or on
 * which thread computes it.
 */
final class Attention {
    private static final VectorSpecies<Float> F = VectorDot.F;
    private static final int LANES = F.length();
    private static final VectorSpecies<Float> V256 = FloatVector.SPECIES_256, V128 = FloatVector.SPECIES_128;

    private Attention() {}

    /**
     * Heads {@code h0 ≤ h < h1} of query {@code q} at position {@code pos}: out[h·hs ..] = softmax(q·K / scale)·V
     * (scale: √hs for most families). {@code softcap} > 0 caps each score s as softcap·tanh(s/softcap);
     * {@code window} > 0 lets the query see only the last {@code window} positions (itself included).
     * {@code scores} holds at least pos + 1 floats.
     */
    static void heads(CpuKvCache cache, int layer, float[] q, int pos, float[] out, float[] scores, int h0, int h1,
                      int hs, int group, float scale, float softcap, int window) {
        float[] keys = cache.keys[layer], values = cache.values[layer];
        int kvDim = cache.kvDim;
        int first = window > 0 ? Math.max(0, pos + 1 - window) : 0, n = pos + 1 - first;
        for (int h = h0; h < h1; h++) {
            int qo = h * hs, kv = (h / group) * hs;
            scores(keys, kvDim, kv, first, q, qo, hs, n, scale, scores);
            if (softcap > 0) CpuTransformer.softcap(scores, n, softcap);
            softmax(scores, n);
            mix(values, kvDim, kv + first * kvDim, scores, n, out, qo, hs);
        }
    }

    /**
     * out[qo + i] = Σ_t a[t] · value_t[kv + i], each component a chain of fused multiply-adds over t
     * in order, kept in a register (the chain, not the lane width, fixes the result).
     */
    private static void mix(float[] values, int kvDim, int kv, float[] a, int n, float[] out, int qo, int hs) {
        // the species must be a compile-time constant in each loop, or C2 boxes every vector: one loop per width
        int lanes = Math.min(LANES, Integer.lowestOneBit(hs));
        if (lanes == LANES) {
            int i = 0;
            // four components' chains at once: independent chains keep the multiply-adds busy (one
            // chain alone waits out each one's latency); each chain is the same as alone
            for (; i + 4 * LANES <= hs; i += 4 * LANES) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int t = 0, vo = kv + i; t < n; t++, vo += kvDim) {
                    FloatVector at = FloatVector.broadcast(F, a[t]);
                    a0 = at.fma(FloatVector.fromArray(F, values, vo), a0);
                    a1 = at.fma(FloatVector.fromArray(F, values, vo + LANES), a1);
                    a2 = at.fma(FloatVector.fromArray(F, values, vo + 2 * LANES), a2);
                    a3 = at.fma(FloatVector.fromArray(F, values, vo + 3 * LANES), a3);
                }
                a0.intoArray(out, qo + i);
                a1.intoArray(out, qo + i + LANES);
                a2.intoArray(out, qo + i + 2 * LANES);
                a3.intoArray(out, qo + i + 3 * LANES);
            }
            for (; i < hs; i += LANES) {
                FloatVector acc = FloatVector.zero(F);
                for (int t = 0, vo = kv + i; t < n; t++, vo += kvDim) acc = FloatVector.broadcast(F, a[t]).fma(FloatVector.fromArray(F, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else if (lanes >= 8) {
            for (int i = 0; i < hs; i += 8) {
                FloatVector acc = FloatVector.zero(V256);
                for (int t = 0, vo = kv + i; t < n; t++, vo += kvDim) acc = FloatVector.broadcast(V256, a[t]).fma(FloatVector.fromArray(V256, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else if (lanes == 4) {
            for (int i = 0; i < hs; i += 4) {
                FloatVector acc = FloatVector.zero(V128);
                for (int t = 0, vo = kv + i; t < n; t++, vo += kvDim) acc = FloatVector.broadcast(V128, a[t]).fma(FloatVector.fromArray(V128, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else {
            for (int i = 0; i < hs; i++) {
                float acc = 0f;
                for (int t = 0, vo = kv + i; t < n; t++, vo += kvDim) acc = Math.fma(a[t], values[vo], acc);
                out[qo + i] = acc;
            }
        }
    }

    /** x[0..n) = softmax(x[0..n)): e^(x − max) with FastExp's arithmetic in every lane, sums in a fixed order. */
    static void softmax(float[] x, int n) {
        float max = x[0];
        int t = 0, bound = F.loopBound(n);
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(F, x, 0);
            for (t = LANES; t < bound; t += LANES) m = m.max(FloatVector.fromArray(F, x, t));
            max = m.reduceLanes(VectorOperators.MAX); // exact in any order
        }
        for (int i = bound; i < n; i++) max = Math.max(max, x[i]);
        FloatVector sums = FloatVector.zero(F);
        for (t = 0; t < bound; t += LANES) {
            FloatVector e = FastExp.exp(FloatVector.fromArray(F, x, t).sub(max));
            e.intoArray(x, t);
            sums = sums.add(e);
        }
        float sum = VectorDot.sum(sums);
        for (; t < n; t++) {
            x[t] = FastExp.exp(x[t] - max);
            sum += x[t];
        }
        for (t = 0; t < bound; t += LANES) FloatVector.fromArray(F, x, t).div(sum).intoArray(x, t);
        for (; t < n; t++) x[t] /= sum;
    }

    /** The key vectors: the kernels' width, never more lanes than a block of the cache holds (its blocks are whole runs of them). */
    private static final VectorSpecies<Float> K = LANES <= CpuKvCache.BLOCK ? F : FloatVector.SPECIES_512;
    private static final int KL = K.length();

    /**
     * scores[t] = (Σ_i q[qo + i] · key_{first+t}[kv + i]) / scale for t &lt; n, the sum a left-to-right chain of
     * fused multiply-adds. Vectors take aligned runs of KL positions, which never straddle a block of the cache;
     * a window that starts inside a run has the run's earlier positions scored too, then dropped.
     */
    static void scores(float[] keys, int kvDim, int kv, int first, float[] q, int qo, int hs, int n, float scale, float[] scores) {
        final int B = CpuKvCache.BLOCK;
        int skip = first % KL, start = first - skip, total = n + skip; // positions start .. first + n - 1 into scores[0 .. total)
        int t = 0;
        for (; t + 2 * KL <= total; t += 2 * KL) {
            FloatVector a = FloatVector.zero(K), b = a;
            for (int i = 0, ra = CpuKvCache.keyIndex(start + t, kv, kvDim), rb = CpuKvCache.keyIndex(start + t + KL, kv, kvDim); i < hs; i++, ra += B, rb += B) {
                FloatVector qi = FloatVector.broadcast(K, q[qo + i]);
                a = qi.fma(FloatVector.fromArray(K, keys, ra), a);
                b = qi.fma(FloatVector.fromArray(K, keys, rb), b);
            }
            a.div(scale).intoArray(scores, t);
            b.div(scale).intoArray(scores, t + KL);
        }
        for (; t + KL <= total; t += KL) {
            FloatVector a = FloatVector.zero(K);
            for (int i = 0, r = CpuKvCache.keyIndex(start + t, kv, kvDim); i < hs; i++, r += B) a = FloatVector.broadcast(K, q[qo + i]).fma(FloatVector.fromArray(K, keys, r), a);
            a.div(scale).intoArray(scores, t);
        }
        if (t < total) {
            // the last positions: their run lies in an allocated block (the cache holds whole blocks), so every lane
            // loads; per lane the same chain as above, and only the lanes of positions asked for are stored
            FloatVector a = FloatVector.zero(K);
            for (int i = 0, r = CpuKvCache.keyIndex(start + t, kv, kvDim); i < hs; i++, r += B) a = FloatVector.broadcast(K, q[qo + i]).fma(FloatVector.fromArray(K, keys, r), a);
            a.div(scale).intoArray(scores, t, K.indexInRange(t, total));
        }
        if (skip > 0) System.arraycopy(scores, skip, scores, 0, n);
    }
}
