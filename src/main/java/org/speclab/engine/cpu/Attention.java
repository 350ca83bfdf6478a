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
    private static final int B = CpuKvCache.BLOCK;

    private Attention() {}

    /** Whether the four-head kernels may keep sixteen chains: 512-bit vectors, so AVX-512's 32 registers (AVX2 has 16). */
    private static final boolean WIDE = LANES >= 16;

    /** Query heads that read each key and value once together, where a key head serves that many or more (grouped-query attention). */
    static final int SHARED = 4;

    /**
     * Query heads that go through a key head's keys and values together: {@link #SHARED} where a key head serves that
     * many and the head size is whole vectors, else one. A caller handing out heads to workers gives each whole runs.
     */
    static int run(int group, int hs) { return group >= SHARED && hs % LANES == 0 ? SHARED : 1; }

    /** Floats {@link #queries} needs for its scores: {@code queries} queries of {@code heads} heads, the last at {@code lastPos}. */
    static int queriesScoresBuffer(int queries, int heads, int lastPos) { return queries * heads * (lastPos + 1 + KL); }

    /**
     * Query heads {@code g·group + j} for {@code j0 ≤ j < j1} (of key head {@code g}) of the queries q[t] at positions
     * startPos + t, t0 ≤ t &lt; t1: out[t][h·hs ..] = softmax(q·K / scale)·V (scale: √hs for most families). {@code softcap}
     * &gt; 0 caps each score s as softcap·tanh(s/softcap); {@code window} &gt; 0 lets a query see only the last {@code window}
     * positions (itself included). Heads go four at a time through each key and value where four are asked for and
     * {@link #run} allows it (read once for the four: at long contexts attention reads more than it computes).
     * <p>
     * The key head's keys are read {@code chunk} positions at a time (a multiple of CpuKvCache.BLOCK) and each chunk
     * serves every query before the next; then its values the same way, each output component's chain continuing from
     * chunk to chunk. A float16 cache's chunk is first widened to floats (into {@code scratch}, chunk · hs floats; unused
     * for a float32 cache). So the keys and values are read (widened) once for all the queries of a verify pass, and each
     * score and output component is one chain of fused multiply-adds over a float32 cache holding the same values, whatever
     * the chunk, the number of queries or the heads taken together: a position's output does not depend on the batch or
     * on which thread computes it. {@code scores}: at least {@link #queriesScoresBuffer}(t1 − t0, j1 − j0, startPos + t1 − 1) floats.
     */
    static void queries(CpuKvCache cache, int layer, float[][] q, int startPos, int t0, int t1, float[][] out, float[] scores,
                          float[] scratch, int chunk, int g, int j0, int j1, int hs, int group, float scale, float softcap, int window) {
        int nh = j1 - j0, stride = startPos + t1 + KL;
        pass(false, cache, layer, q, startPos, t0, t1, out, scores, scratch, chunk, g, j0, j1, hs, group, scale, window, stride);
        for (int t = t0; t < t1; t++) {
            int pos = startPos + t, n = pos + 1 - firstSeen(pos, window);
            for (int h = 0; h < nh; h++) {
                int o = ((t - t0) * nh + h) * stride;
                if (softcap > 0) Activations.softcap(scores, o, n, softcap);
                softmax(scores, o, n);
            }
        }
        pass(true, cache, layer, q, startPos, t0, t1, out, scores, scratch, chunk, g, j0, j1, hs, group, scale, window, stride);
    }

    /**
     * One pass of {@link #queries} over key head g's keys (every query's scores, chunk by chunk) or, with {@code values},
     * its values (every query's outputs). A float16 cache's chunk is widened into scratch (the head's region from the
     * chunk's first position); a float32 one is read where it is.
     */
    private static void pass(boolean values, CpuKvCache cache, int layer, float[][] q, int startPos, int t0, int t1, float[][] out, float[] scores,
                             float[] scratch, int chunk, int g, int j0, int j1, int hs, int group, float scale, int window, int stride) {
        boolean half = cache.half(), fours = run(group, hs) == SHARED;
        int nh = j1 - j0, last = startPos + t1 - 1, lo = firstSeen(startPos + t0, window);
        for (int c0 = lo - lo % B; c0 <= last; c0 += chunk) {
            int c1 = Math.min(last + 1, c0 + chunk), base = half ? c0 : 0, head = half ? 0 : cache.head(g);
            float[] from = half ? scratch : values ? cache.values[layer] : cache.keys[layer];
            if (half) cache.headAsFloats(values ? cache.halfValues[layer] : cache.halfKeys[layer], g, c0, c1, scratch);
            for (int t = t0; t < t1; t++) {
                int pos = startPos + t, first = firstSeen(pos, window), p0 = Math.max(first, c0), p1 = Math.min(pos + 1, c1);
                if (p0 >= p1) continue;
                for (int j = j0; j < j1; ) {
                    int qo = (g * group + j) * hs, at = ((t - t0) * nh + j - j0) * stride + p0 - first;
                    boolean four = fours && j1 - j >= SHARED;
                    if (values && four) mix4(from, head + (p0 - base) * hs, scores, at, stride, p1 - p0, out[t], qo, hs, p0 > first);
                    else if (values) mix(from, head + (p0 - base) * hs, scores, at, p1 - p0, out[t], qo, hs, p0 > first);
                    else if (four) scores4(from, head, p0 - base, q[t], qo, hs, p1 - p0, scale, scores, stride, at);
                    else scores(from, head, p0 - base, q[t], qo, hs, p1 - p0, scale, scores, at);
                    j += four ? SHARED : 1;
                }
            }
        }
    }

    /** The first position a query at {@code pos} sees. */
    private static int firstSeen(int pos, int window) { return window > 0 ? Math.max(0, pos + 1 - window) : 0; }

    /**
     * Four heads at once (heads qo/hs .. qo/hs + 3, hs a multiple of LANES): out[qo + m·hs + i] = Σ_t a[m·stride + t] ·
     * value_{first+t}[i] (a from a[ao]), each value vector loaded once for the four; per head and component the same chain as {@link #mix}.
     * v0: where the value row of position first starts; the rows follow each other.
     */
    private static void mix4(float[] values, int v0, float[] a, int ao, int stride, int n, float[] out, int qo, int hs, boolean add) {
        int i = 0;
        // where 32 vector registers hold them (AVX-512), four vectors of components at once: sixteen chains, a row in fewer passes
        for (; WIDE && i + 4 * LANES <= hs; i += 4 * LANES) {
            FloatVector c0 = start(out, qo + i, add), c1 = start(out, qo + hs + i, add), c2 = start(out, qo + 2 * hs + i, add), c3 = start(out, qo + 3 * hs + i, add);
            FloatVector d0 = start(out, qo + i + LANES, add), d1 = start(out, qo + hs + i + LANES, add);
            FloatVector d2 = start(out, qo + 2 * hs + i + LANES, add), d3 = start(out, qo + 3 * hs + i + LANES, add);
            FloatVector e0 = start(out, qo + i + 2 * LANES, add), e1 = start(out, qo + hs + i + 2 * LANES, add);
            FloatVector e2 = start(out, qo + 2 * hs + i + 2 * LANES, add), e3 = start(out, qo + 3 * hs + i + 2 * LANES, add);
            FloatVector f0 = start(out, qo + i + 3 * LANES, add), f1 = start(out, qo + hs + i + 3 * LANES, add);
            FloatVector f2 = start(out, qo + 2 * hs + i + 3 * LANES, add), f3 = start(out, qo + 3 * hs + i + 3 * LANES, add);
            for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) {
                FloatVector v = FloatVector.fromArray(F, values, vo), w = FloatVector.fromArray(F, values, vo + LANES);
                FloatVector x = FloatVector.fromArray(F, values, vo + 2 * LANES), y = FloatVector.fromArray(F, values, vo + 3 * LANES);
                FloatVector b0 = FloatVector.broadcast(F, a[ao + t]), b1 = FloatVector.broadcast(F, a[ao + stride + t]);
                FloatVector b2 = FloatVector.broadcast(F, a[ao + 2 * stride + t]), b3 = FloatVector.broadcast(F, a[ao + 3 * stride + t]);
                c0 = b0.fma(v, c0);
                d0 = b0.fma(w, d0);
                e0 = b0.fma(x, e0);
                f0 = b0.fma(y, f0);
                c1 = b1.fma(v, c1);
                d1 = b1.fma(w, d1);
                e1 = b1.fma(x, e1);
                f1 = b1.fma(y, f1);
                c2 = b2.fma(v, c2);
                d2 = b2.fma(w, d2);
                e2 = b2.fma(x, e2);
                f2 = b2.fma(y, f2);
                c3 = b3.fma(v, c3);
                d3 = b3.fma(w, d3);
                e3 = b3.fma(x, e3);
                f3 = b3.fma(y, f3);
            }
            c0.intoArray(out, qo + i);
            d0.intoArray(out, qo + i + LANES);
            e0.intoArray(out, qo + i + 2 * LANES);
            f0.intoArray(out, qo + i + 3 * LANES);
            c1.intoArray(out, qo + hs + i);
            d1.intoArray(out, qo + hs + i + LANES);
            e1.intoArray(out, qo + hs + i + 2 * LANES);
            f1.intoArray(out, qo + hs + i + 3 * LANES);
            c2.intoArray(out, qo + 2 * hs + i);
            d2.intoArray(out, qo + 2 * hs + i + LANES);
            e2.intoArray(out, qo + 2 * hs + i + 2 * LANES);
            f2.intoArray(out, qo + 2 * hs + i + 3 * LANES);
            c3.intoArray(out, qo + 3 * hs + i);
            d3.intoArray(out, qo + 3 * hs + i + LANES);
            e3.intoArray(out, qo + 3 * hs + i + 2 * LANES);
            f3.intoArray(out, qo + 3 * hs + i + 3 * LANES);
        }
        // two vectors of components at once: eight chains keep the multiply-adds busy, and a value row's bytes come in fewer passes
        for (; i + 2 * LANES <= hs; i += 2 * LANES) {
            FloatVector c0 = start(out, qo + i, add), c1 = start(out, qo + hs + i, add), c2 = start(out, qo + 2 * hs + i, add), c3 = start(out, qo + 3 * hs + i, add);
            FloatVector d0 = start(out, qo + i + LANES, add), d1 = start(out, qo + hs + i + LANES, add);
            FloatVector d2 = start(out, qo + 2 * hs + i + LANES, add), d3 = start(out, qo + 3 * hs + i + LANES, add);
            for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) {
                FloatVector v = FloatVector.fromArray(F, values, vo), w = FloatVector.fromArray(F, values, vo + LANES);
                FloatVector b0 = FloatVector.broadcast(F, a[ao + t]), b1 = FloatVector.broadcast(F, a[ao + stride + t]);
                FloatVector b2 = FloatVector.broadcast(F, a[ao + 2 * stride + t]), b3 = FloatVector.broadcast(F, a[ao + 3 * stride + t]);
                c0 = b0.fma(v, c0);
                d0 = b0.fma(w, d0);
                c1 = b1.fma(v, c1);
                d1 = b1.fma(w, d1);
                c2 = b2.fma(v, c2);
                d2 = b2.fma(w, d2);
                c3 = b3.fma(v, c3);
                d3 = b3.fma(w, d3);
            }
            c0.intoArray(out, qo + i);
            d0.intoArray(out, qo + i + LANES);
            c1.intoArray(out, qo + hs + i);
            d1.intoArray(out, qo + hs + i + LANES);
            c2.intoArray(out, qo + 2 * hs + i);
            d2.intoArray(out, qo + 2 * hs + i + LANES);
            c3.intoArray(out, qo + 3 * hs + i);
            d3.intoArray(out, qo + 3 * hs + i + LANES);
        }
        for (; i < hs; i += LANES) {
            FloatVector c0 = start(out, qo + i, add), c1 = start(out, qo + hs + i, add), c2 = start(out, qo + 2 * hs + i, add), c3 = start(out, qo + 3 * hs + i, add);
            for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) {
                FloatVector v = FloatVector.fromArray(F, values, vo);
                c0 = FloatVector.broadcast(F, a[ao + t]).fma(v, c0);
                c1 = FloatVector.broadcast(F, a[ao + stride + t]).fma(v, c1);
                c2 = FloatVector.broadcast(F, a[ao + 2 * stride + t]).fma(v, c2);
                c3 = FloatVector.broadcast(F, a[ao + 3 * stride + t]).fma(v, c3);
            }
            c0.intoArray(out, qo + i);
            c1.intoArray(out, qo + hs + i);
            c2.intoArray(out, qo + 2 * hs + i);
            c3.intoArray(out, qo + 3 * hs + i);
        }
    }

    /** Where a chain of {@link #mix} or {@link #mix4} starts: zero, or (continuing over later positions) where it stopped. */
    private static FloatVector start(float[] out, int at, boolean add) { return add ? FloatVector.fromArray(F, out, at) : FloatVector.zero(F); }

    /**
     * out[qo + i] = Σ_t a[ao + t] · value_{first+t}[i] (v0 as in {@link #mix4}; with {@code add}, continuing from
     * out[qo + i]), each component a chain of fused
     * multiply-adds over t in order, kept in a register (the chain, not the lane width, fixes the result).
     */
    private static void mix(float[] values, int v0, float[] a, int ao, int n, float[] out, int qo, int hs, boolean add) {
        // the species must be a compile-time constant in each loop, or C2 boxes every vector: one loop per width
        int lanes = Math.min(LANES, Integer.lowestOneBit(hs));
        if (lanes == LANES) {
            int i = 0;
            // eight, then four components' chains at once: independent chains keep the multiply-adds busy (one
            // chain alone waits out each one's latency), and a row is read in fewer passes; each chain is the same as alone
            for (; i + 8 * LANES <= hs; i += 8 * LANES) {
                FloatVector a0 = start(out, qo + i, add), a1 = start(out, qo + i + LANES, add), a2 = start(out, qo + i + 2 * LANES, add), a3 = start(out, qo + i + 3 * LANES, add);
                FloatVector a4 = start(out, qo + i + 4 * LANES, add), a5 = start(out, qo + i + 5 * LANES, add), a6 = start(out, qo + i + 6 * LANES, add), a7 = start(out, qo + i + 7 * LANES, add);
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) {
                    FloatVector at = FloatVector.broadcast(F, a[ao + t]);
                    a0 = at.fma(FloatVector.fromArray(F, values, vo), a0);
                    a1 = at.fma(FloatVector.fromArray(F, values, vo + LANES), a1);
                    a2 = at.fma(FloatVector.fromArray(F, values, vo + 2 * LANES), a2);
                    a3 = at.fma(FloatVector.fromArray(F, values, vo + 3 * LANES), a3);
                    a4 = at.fma(FloatVector.fromArray(F, values, vo + 4 * LANES), a4);
                    a5 = at.fma(FloatVector.fromArray(F, values, vo + 5 * LANES), a5);
                    a6 = at.fma(FloatVector.fromArray(F, values, vo + 6 * LANES), a6);
                    a7 = at.fma(FloatVector.fromArray(F, values, vo + 7 * LANES), a7);
                }
                a0.intoArray(out, qo + i);
                a1.intoArray(out, qo + i + LANES);
                a2.intoArray(out, qo + i + 2 * LANES);
                a3.intoArray(out, qo + i + 3 * LANES);
                a4.intoArray(out, qo + i + 4 * LANES);
                a5.intoArray(out, qo + i + 5 * LANES);
                a6.intoArray(out, qo + i + 6 * LANES);
                a7.intoArray(out, qo + i + 7 * LANES);
            }
            for (; i + 4 * LANES <= hs; i += 4 * LANES) {
                FloatVector a0 = start(out, qo + i, add), a1 = start(out, qo + i + LANES, add), a2 = start(out, qo + i + 2 * LANES, add), a3 = start(out, qo + i + 3 * LANES, add);
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) {
                    FloatVector at = FloatVector.broadcast(F, a[ao + t]);
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
                FloatVector acc = start(out, qo + i, add);
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) acc = FloatVector.broadcast(F, a[ao + t]).fma(FloatVector.fromArray(F, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else if (lanes >= 8) {
            for (int i = 0; i < hs; i += 8) {
                FloatVector acc = add ? FloatVector.fromArray(V256, out, qo + i) : FloatVector.zero(V256);
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) acc = FloatVector.broadcast(V256, a[ao + t]).fma(FloatVector.fromArray(V256, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else if (lanes == 4) {
            for (int i = 0; i < hs; i += 4) {
                FloatVector acc = add ? FloatVector.fromArray(V128, out, qo + i) : FloatVector.zero(V128);
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) acc = FloatVector.broadcast(V128, a[ao + t]).fma(FloatVector.fromArray(V128, values, vo), acc);
                acc.intoArray(out, qo + i);
            }
        } else {
            for (int i = 0; i < hs; i++) {
                float acc = add ? out[qo + i] : 0f;
                for (int t = 0, vo = v0 + i; t < n; t++, vo += hs) acc = Math.fma(a[ao + t], values[vo], acc);
                out[qo + i] = acc;
            }
        }
    }

    /** x[o .. o + n) = its softmax: e^(x − max) with FastExp's arithmetic in every lane, sums in a fixed order. */
    static void softmax(float[] x, int o, int n) {
        float max = x[o];
        int t = 0, bound = F.loopBound(n);
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(F, x, o);
            for (t = LANES; t < bound; t += LANES) m = m.max(FloatVector.fromArray(F, x, o + t));
            max = m.reduceLanes(VectorOperators.MAX); // exact in any order
        }
        for (int i = bound; i < n; i++) max = Math.max(max, x[o + i]);
        FloatVector sums = FloatVector.zero(F);
        for (t = 0; t < bound; t += LANES) {
            FloatVector e = FastExp.exp(FloatVector.fromArray(F, x, o + t).sub(max));
            e.intoArray(x, o + t);
            sums = sums.add(e);
        }
        float sum = VectorDot.sum(sums);
        for (; t < n; t++) {
            x[o + t] = FastExp.exp(x[o + t] - max);
            sum += x[o + t];
        }
        for (t = 0; t < bound; t += LANES) FloatVector.fromArray(F, x, o + t).div(sum).intoArray(x, o + t);
        for (; t < n; t++) x[o + t] /= sum;
    }

    /** The key vectors: the kernels' width, never more lanes than a block of the cache holds (its blocks are whole runs of them). */
    private static final VectorSpecies<Float> K = LANES <= CpuKvCache.BLOCK ? F : FloatVector.SPECIES_512;
    private static final int KL = K.length();

    /**
     * scores[t] = (Σ_i q[qo + i] · key_{first+t}[i]) / scale for t &lt; n (the keys of the key head whose region starts at
     * {@code kb}: CpuKvCache.head), the sum a left-to-right chain of
     * fused multiply-adds. Vectors take aligned runs of KL positions, which never straddle a block of the cache;
     * a window that starts inside a run has the run's earlier positions scored too, then dropped.
     */
    static void scores(float[] keys, int kb, int first, float[] q, int qo, int hs, int n, float scale, float[] scores) {
        scores(keys, kb, first, q, qo, hs, n, scale, scores, 0);
    }

    /** {@link #scores} into scores[so ..]. */
    private static void scores(float[] keys, int kb, int first, float[] q, int qo, int hs, int n, float scale, float[] scores, int so) {
        int skip = first % KL, start = first - skip, total = n + skip; // positions start .. first + n - 1 into scores[0 .. total)
        int t = 0;
        // four runs of positions at once: four chains keep the multiply-adds busy (with mix's eight chains, one 128-wide
        // head over 2,048 positions, one thread, in cache: 26.2-26.7 us instead of 29.0-31.8 in runs of two and four
        // chains, the fastest of 40 in each of five processes)
        for (; t + 4 * KL <= total; t += 4 * KL) {
            FloatVector a = FloatVector.zero(K), b = a, c = a, d = a;
            int ra = kb + CpuKvCache.keyOffset(start + t, hs), rb = kb + CpuKvCache.keyOffset(start + t + KL, hs);
            int rc = kb + CpuKvCache.keyOffset(start + t + 2 * KL, hs), rd = kb + CpuKvCache.keyOffset(start + t + 3 * KL, hs);
            for (int i = 0; i < hs; i++, ra += B, rb += B, rc += B, rd += B) {
                FloatVector qi = FloatVector.broadcast(K, q[qo + i]);
                a = qi.fma(FloatVector.fromArray(K, keys, ra), a);
                b = qi.fma(FloatVector.fromArray(K, keys, rb), b);
                c = qi.fma(FloatVector.fromArray(K, keys, rc), c);
                d = qi.fma(FloatVector.fromArray(K, keys, rd), d);
            }
            a.div(scale).intoArray(scores, so + t);
            b.div(scale).intoArray(scores, so + t + KL);
            c.div(scale).intoArray(scores, so + t + 2 * KL);
            d.div(scale).intoArray(scores, so + t + 3 * KL);
        }
        for (; t + 2 * KL <= total; t += 2 * KL) {
            FloatVector a = FloatVector.zero(K), b = a;
            for (int i = 0, ra = kb + CpuKvCache.keyOffset(start + t, hs), rb = kb + CpuKvCache.keyOffset(start + t + KL, hs); i < hs; i++, ra += B, rb += B) {
                FloatVector qi = FloatVector.broadcast(K, q[qo + i]);
                a = qi.fma(FloatVector.fromArray(K, keys, ra), a);
                b = qi.fma(FloatVector.fromArray(K, keys, rb), b);
            }
            a.div(scale).intoArray(scores, so + t);
            b.div(scale).intoArray(scores, so + t + KL);
        }
        for (; t + KL <= total; t += KL) {
            FloatVector a = FloatVector.zero(K);
            for (int i = 0, r = kb + CpuKvCache.keyOffset(start + t, hs); i < hs; i++, r += B) a = FloatVector.broadcast(K, q[qo + i]).fma(FloatVector.fromArray(K, keys, r), a);
            a.div(scale).intoArray(scores, so + t);
        }
        if (t < total) {
            // the last positions: their run lies in an allocated block (the cache holds whole blocks), so every lane
            // loads; per lane the same chain as above, and only the lanes of positions asked for are stored
            FloatVector a = FloatVector.zero(K);
            for (int i = 0, r = kb + CpuKvCache.keyOffset(start + t, hs); i < hs; i++, r += B) a = FloatVector.broadcast(K, q[qo + i]).fma(FloatVector.fromArray(K, keys, r), a);
            a.div(scale).intoArray(scores, so + t, K.indexInRange(t, total));
        }
        if (skip > 0) System.arraycopy(scores, so + skip, scores, so, n);
    }

    /**
     * {@link #scores} for four heads at once (queries at qo, qo + hs, qo + 2hs, qo + 3hs; head m's scores from
     * s[m · stride], stride ≥ n + KL), each key vector loaded once for the four; per head the same chains.
     */
    private static void scores4(float[] keys, int kb, int first, float[] q, int qo, int hs, int n, float scale, float[] s, int stride, int so) {
        int skip = first % KL, start = first - skip, total = n + skip;
        int t = 0;
        // where 32 vector registers hold them (AVX-512), four runs of positions at once: sixteen chains
        for (; WIDE && t + 4 * KL <= total; t += 4 * KL) {
            FloatVector a0 = FloatVector.zero(K), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            int ra = kb + CpuKvCache.keyOffset(start + t, hs), rb = kb + CpuKvCache.keyOffset(start + t + KL, hs);
            int rc = kb + CpuKvCache.keyOffset(start + t + 2 * KL, hs), rd = kb + CpuKvCache.keyOffset(start + t + 3 * KL, hs);
            for (int i = 0; i < hs; i++, ra += B, rb += B, rc += B, rd += B) {
                FloatVector ka = FloatVector.fromArray(K, keys, ra), kn = FloatVector.fromArray(K, keys, rb);
                FloatVector kc = FloatVector.fromArray(K, keys, rc), kd = FloatVector.fromArray(K, keys, rd);
                FloatVector q0 = FloatVector.broadcast(K, q[qo + i]), q1 = FloatVector.broadcast(K, q[qo + hs + i]);
                FloatVector q2 = FloatVector.broadcast(K, q[qo + 2 * hs + i]), q3 = FloatVector.broadcast(K, q[qo + 3 * hs + i]);
                a0 = q0.fma(ka, a0);
                b0 = q0.fma(kn, b0);
                c0 = q0.fma(kc, c0);
                d0 = q0.fma(kd, d0);
                a1 = q1.fma(ka, a1);
                b1 = q1.fma(kn, b1);
                c1 = q1.fma(kc, c1);
                d1 = q1.fma(kd, d1);
                a2 = q2.fma(ka, a2);
                b2 = q2.fma(kn, b2);
                c2 = q2.fma(kc, c2);
                d2 = q2.fma(kd, d2);
                a3 = q3.fma(ka, a3);
                b3 = q3.fma(kn, b3);
                c3 = q3.fma(kc, c3);
                d3 = q3.fma(kd, d3);
            }
            a0.div(scale).intoArray(s, so + t);
            b0.div(scale).intoArray(s, so + t + KL);
            c0.div(scale).intoArray(s, so + t + 2 * KL);
            d0.div(scale).intoArray(s, so + t + 3 * KL);
            a1.div(scale).intoArray(s, so + stride + t);
            b1.div(scale).intoArray(s, so + stride + t + KL);
            c1.div(scale).intoArray(s, so + stride + t + 2 * KL);
            d1.div(scale).intoArray(s, so + stride + t + 3 * KL);
            a2.div(scale).intoArray(s, so + 2 * stride + t);
            b2.div(scale).intoArray(s, so + 2 * stride + t + KL);
            c2.div(scale).intoArray(s, so + 2 * stride + t + 2 * KL);
            d2.div(scale).intoArray(s, so + 2 * stride + t + 3 * KL);
            a3.div(scale).intoArray(s, so + 3 * stride + t);
            b3.div(scale).intoArray(s, so + 3 * stride + t + KL);
            c3.div(scale).intoArray(s, so + 3 * stride + t + 2 * KL);
            d3.div(scale).intoArray(s, so + 3 * stride + t + 3 * KL);
        }
        for (; t + 2 * KL <= total; t += 2 * KL) { // two runs of positions at once: eight chains
            FloatVector a0 = FloatVector.zero(K), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0, ra = kb + CpuKvCache.keyOffset(start + t, hs), rb = kb + CpuKvCache.keyOffset(start + t + KL, hs); i < hs; i++, ra += B, rb += B) {
                FloatVector ka = FloatVector.fromArray(K, keys, ra), kn = FloatVector.fromArray(K, keys, rb);
                FloatVector q0 = FloatVector.broadcast(K, q[qo + i]), q1 = FloatVector.broadcast(K, q[qo + hs + i]);
                FloatVector q2 = FloatVector.broadcast(K, q[qo + 2 * hs + i]), q3 = FloatVector.broadcast(K, q[qo + 3 * hs + i]);
                a0 = q0.fma(ka, a0);
                b0 = q0.fma(kn, b0);
                a1 = q1.fma(ka, a1);
                b1 = q1.fma(kn, b1);
                a2 = q2.fma(ka, a2);
                b2 = q2.fma(kn, b2);
                a3 = q3.fma(ka, a3);
                b3 = q3.fma(kn, b3);
            }
            a0.div(scale).intoArray(s, so + t);
            b0.div(scale).intoArray(s, so + t + KL);
            a1.div(scale).intoArray(s, so + stride + t);
            b1.div(scale).intoArray(s, so + stride + t + KL);
            a2.div(scale).intoArray(s, so + 2 * stride + t);
            b2.div(scale).intoArray(s, so + 2 * stride + t + KL);
            a3.div(scale).intoArray(s, so + 3 * stride + t);
            b3.div(scale).intoArray(s, so + 3 * stride + t + KL);
        }
        for (; t < total; t += KL) {
            FloatVector a0 = FloatVector.zero(K), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0, r = kb + CpuKvCache.keyOffset(start + t, hs); i < hs; i++, r += B) {
                FloatVector k = FloatVector.fromArray(K, keys, r);
                a0 = FloatVector.broadcast(K, q[qo + i]).fma(k, a0);
                a1 = FloatVector.broadcast(K, q[qo + hs + i]).fma(k, a1);
                a2 = FloatVector.broadcast(K, q[qo + 2 * hs + i]).fma(k, a2);
                a3 = FloatVector.broadcast(K, q[qo + 3 * hs + i]).fma(k, a3);
            }
            if (t + KL <= total) {
                a0.div(scale).intoArray(s, so + t);
                a1.div(scale).intoArray(s, so + stride + t);
                a2.div(scale).intoArray(s, so + 2 * stride + t);
                a3.div(scale).intoArray(s, so + 3 * stride + t);
            } else { // the last positions' run lies in an allocated block (see scores)
                var m = K.indexInRange(t, total);
                a0.div(scale).intoArray(s, so + t, m);
                a1.div(scale).intoArray(s, so + stride + t, m);
                a2.div(scale).intoArray(s, so + 2 * stride + t, m);
                a3.div(scale).intoArray(s, so + 3 * stride + t, m);
            }
        }
        if (skip > 0) for (int m = 0; m < SHARED; m++) System.arraycopy(s, so + m * stride + skip, s, so + m * stride, n);
    }
}
