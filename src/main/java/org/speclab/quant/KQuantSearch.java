package org.speclab.quant;

/**
 * The scale searches of ggml's reference K-quantizers: for each small group of values, the scale
 * (and minimum) whose rounding error is smallest, trying a few candidate scales around the
 * straightforward one. Written to do the same float operations in the same order as ggml.
 */
final class KQuantSearch {
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantSearch() {}

    /**
     * Asymmetric (scale, min) quantization of x[off .. off+n) to levels 0..nmax, weighted; fills
     * levels[lOff..] and returns {scale, -min} in {@code out}.
     */
    static void scaleAndMin(int n, int nmax, float[] x, int off, float[] weights, int[] levels, int lOff, int[] aux,
                            float rmin, float rdelta, int nstep, float[] out) {
        scaleAndMin(n, nmax, x, off, weights, levels, lOff, aux, rmin, rdelta, nstep, false, out);
    }

    /** As above; {@code useMad}: the error weighs absolute differences rather than squared ones (Q2_K). */
    static void scaleAndMin(int n, int nmax, float[] x, int off, float[] weights, int[] levels, int lOff, int[] aux,
                            float rmin, float rdelta, int nstep, boolean useMad, float[] out) {
        float min = x[off], max = x[off];
        float sumW = weights[0];
        float sumX = sumW * x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] < min) min = x[off + i];
            if (x[off + i] > max) max = x[off + i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[off + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) levels[lOff + i] = 0;
            out[0] = 0f;
            out[1] = -min;
            return;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestErr = 0;
        for (int i = 0; i < n; i++) {
            int l = BlockCodec.nearestInt(iscale * (x[off + i] - min));
            levels[lOff + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * levels[lOff + i] + min - x[off + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestErr += weights[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = BlockCodec.nearestInt(iscale * (x[off + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[off + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[off + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    err += weights[i] * diff;
                }
                if (err < bestErr) {
                    for (int i = 0; i < n; i++) levels[lOff + i] = aux[i];
                    bestErr = err;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        out[0] = scale;
        out[1] = -min;
    }

    /**
     * ggml's make_q3_quants with do_rmse: levels −nmax..nmax−1 (stored +nmax) for x[off .. off+n), then
     * up to five passes that move single levels while that lowers the x²-weighted error; returns the scale.
     */
    static float q3(int n, int nmax, float[] x, int off, int[] levels, int lOff) {
        float max = BlockCodec.largestMagnitude(x, off, n), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[lOff + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, BlockCodec.nearestInt(iscale * x[off + i])));
            levels[lOff + i] = l;
            float w = x[off + i] * x[off + i];
            sumLX += w * x[off + i] * l;
            sumL2 += w * l * l;
        }
        for (int pass = 0; pass < 5; pass++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = x[off + i] * x[off + i];
                int li = levels[lOff + i];
                float slx = sumLX - w * x[off + i] * li;
                if (slx > 0) {
                    float sl2 = sumL2 - w * li * li;
                    int nl = Math.max(-nmax, Math.min(nmax - 1, BlockCodec.nearestInt(x[off + i] * sl2 / slx)));
                    if (nl != li) {
                        slx += w * x[off + i] * nl;
                        sl2 += w * nl * nl;
                        if (sl2 > 0 && slx * slx * sumL2 > sumLX * sumLX * sl2) {
                            levels[lOff + i] = nl;
                            sumLX = slx;
                            sumL2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) levels[lOff + i] += nmax;
        return sumLX / sumL2;
    }

    /**
     * Symmetric quantization of x[off .. off+n) to levels −nmax..nmax−1 (stored +nmax), weighted by
     * x² (ggml's rmse_type 1); returns the scale.
     */
    static float symmetric(int n, int nmax, float[] x, int off, int[] levels, int lOff) {
        float max = BlockCodec.largestMagnitude(x, off, n), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[lOff + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = BlockCodec.nearestInt(iscale * x[off + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            levels[lOff + i] = l + nmax;
            float w = x[off + i] * x[off + i];
            sumLX += w * x[off + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0.0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = BlockCodec.nearestInt(iscale * x[off + i]);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = x[off + i] * x[off + i];
                sumLX += w * x[off + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = BlockCodec.nearestInt(iscale * x[off + i]);
                    levels[lOff + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
