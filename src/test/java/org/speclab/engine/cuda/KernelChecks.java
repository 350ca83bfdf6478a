package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.BlockCodec;

/**
 * Each kernel of native/kernels.cu alone on fresh random inputs, against Java: dequantization
 * (through the embedding kernel) bit for bit against the quant package's codecs, matrix products
 * against double-precision sums, the layer kernels against the CPU engine's formulas. Run on the
 * emulator (CudaEmulatorTest) and on a device (CudaParityTest).
 */
final class KernelChecks {
    private KernelChecks() {}

    /** Embedding rows and matrix products of a 37 × 2048 matrix of {@code type}, T = 1..16 (2048: a lane takes several blocks of a row). */
    static void weights(Gpu gpu, GgmlType type, double bound) {
        Random rnd = new Random(type.ordinal());
        int rows = 37, cols = 2048;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        BlockCodec codec = BlockCodec.of(type);
        long rowBytes = type.byteSize(cols);
        float[] w = new float[v.length];
        long wt;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment q = a.allocate(rowBytes * rows);
            if (codec.writes()) codec.quantize(v, 0, v.length, q, 0);
            else randomBlocks(type, q, rnd); // types SpecLab only reads: random codes under sane scales
            codec.dequantize(q, 0, w, 0, v.length);
            wt = gpu.alloc(q.byteSize(), "test weights");
            gpu.upload(wt, q);
        }
        DeviceWeights.Kernel k = DeviceWeights.kernelFor("test", type, cols);
        int[] tokens = {0, 36, 5};
        long tok = gpu.alloc(4 * 3, "tokens"), out = gpu.alloc(4L * 16 * Math.max(rows, cols), "out"), x = gpu.alloc(4L * 16 * cols, "x");
        try {
            gpu.upload(tok, tokens, 3);
            gpu.launch("embed_" + k.suffix(), (cols / k.unit() + 127) / 128, 3, 128, wt, rowBytes, cols, tok, out);
            float[] got = new float[cols];
            for (int t = 0; t < 3; t++) {
                gpu.download(got, 0, out + 4L * t * cols, cols);
                assertArrayEquals(java.util.Arrays.copyOfRange(w, tokens[t] * cols, (tokens[t] + 1) * cols), got, type + " embedding row " + tokens[t]);
            }
            float[] xs = new float[16 * cols];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
            gpu.upload(x, xs, xs.length);
            float[] alone = new float[rows];
            for (int T = 1; T <= 16; T++) {
                gpu.launch("matmul_" + k.suffix(), (rows + 3) / 4, 1, 128, wt, rowBytes, rows, cols, x, out, T);
                float[] y = new float[T * rows];
                gpu.download(y, 0, out, T * rows);
                for (int t = 0; t < T; t++) {
                    for (int r = 0; r < rows; r++) {
                        double want = 0, scale = 0;
                        for (int j = 0; j < cols; j++) {
                            want += (double) w[r * cols + j] * xs[t * cols + j];
                            scale += Math.abs((double) w[r * cols + j] * xs[t * cols + j]);
                        }
                        assertTrue(Math.abs(y[t * rows + r] - want) <= bound * scale, type + " T=" + T + " t=" + t + " row " + r + ": " + y[t * rows + r] + " vs " + want);
                    }
                }
                if (T == 1) System.arraycopy(y, 0, alone, 0, rows);
                assertArrayEquals(alone, java.util.Arrays.copyOf(y, rows), type + ": position 0 alone and in a batch of " + T);
            }
        } finally {
            for (long a : new long[] {wt, tok, out, x}) gpu.free(a);
        }
    }

    /** RMSNorm, RoPE, attention, the cache store, SwiGLU, add and argmax. */
    static void layer(Gpu gpu, double bound) {
        Random rnd = new Random(1);
        long a = gpu.alloc(4L << 16, "a"), b = gpu.alloc(4L << 16, "b"), c = gpu.alloc(4L << 16, "c"), d = gpu.alloc(4L << 16, "d"), e = gpu.alloc(4L << 16, "e");
        try {
            // RMSNorm of 3 rows of 300, as CpuTransformer.rmsnorm1
            int n = 300;
            float[] x = gaussian(rnd, 3 * n), wt = gaussian(rnd, n);
            gpu.upload(a, x, x.length);
            gpu.upload(b, wt, n);
            gpu.launch("rmsnorm", 3, 1, 256, a, b, c, n, 1e-5f);
            float[] got = new float[3 * n];
            gpu.download(got, 0, c, 3 * n);
            for (int t = 0; t < 3; t++) {
                double ss = 0;
                for (int j = 0; j < n; j++) ss += (double) x[t * n + j] * x[t * n + j];
                double s = 1 / Math.sqrt(ss / n + 1e-5);
                for (int j = 0; j < n; j++) assertEquals(wt[j] * s * x[t * n + j], got[t * n + j], bound * (1 + Math.abs(wt[j] * s * x[t * n + j])), "rmsnorm");
            }
            // RoPE: 3 positions from 5, 4 query heads and 2 key heads of 8, 6 rotated: bit for bit the CPU's formula
            int heads = 4, kvHeads = 2, hd = 8, ropeDim = 6, pairs = 3, T = 3, start = 5;
            float[] q = gaussian(rnd, T * heads * hd), k = gaussian(rnd, T * kvHeads * hd), cos = gaussian(rnd, 8 * pairs), sin = gaussian(rnd, 8 * pairs);
            gpu.upload(a, q, q.length);
            gpu.upload(b, k, k.length);
            gpu.upload(c, cos, cos.length);
            gpu.upload(d, sin, sin.length);
            long startAt = gpu.alloc(4, "position"); // positions are read from device memory (so a decode step can be replayed)
            gpu.upload(startAt, new int[] {start}, 1);
            float[] q0 = q.clone(), k0 = k.clone();
            gpu.launch("rope", T, 1, 128, a, b, c, d, startAt, heads, kvHeads, hd, ropeDim, 0);
            float[] gq = new float[q.length], gk = new float[k.length];
            gpu.download(gq, 0, a, q.length);
            gpu.download(gk, 0, b, k.length);
            rope(q, heads, hd, pairs, cos, sin, start, T, false);
            rope(k, kvHeads, hd, pairs, cos, sin, start, T, false);
            assertArrayEquals(q, gq, "rope q");
            assertArrayEquals(k, gk, "rope k");
            // the NEOX pairing (value i with value i + ropeDim/2), on the same inputs
            gpu.upload(a, q0, q0.length);
            gpu.upload(b, k0, k0.length);
            gpu.launch("rope", T, 1, 128, a, b, c, d, startAt, heads, kvHeads, hd, ropeDim, 1);
            float[] nq = new float[q.length], nk = new float[k.length];
            gpu.download(nq, 0, a, q.length);
            gpu.download(nk, 0, b, k.length);
            rope(q0, heads, hd, pairs, cos, sin, start, T, true);
            rope(k0, kvHeads, hd, pairs, cos, sin, start, T, true);
            assertArrayEquals(q0, nq, "neox rope q");
            assertArrayEquals(k0, nk, "neox rope k");
            gpu.upload(a, gq, gq.length);
            // attention of positions start..start+2 over the cache, grouped query; from 300 the kernel's
            // loops over positions take a second pass of its 256 threads
            for (int from : new int[] {start, 300}) {
                int cap = from + 5, kvDim = kvHeads * hd;
                float[] keys = gaussian(rnd, cap * kvDim), values = gaussian(rnd, cap * kvDim);
                gpu.upload(c, keys, keys.length);
                gpu.upload(d, values, values.length);
                // the launch's first position comes as *pos + t0: here 2 + (from − 2)
                gpu.upload(startAt, new int[] {from - 2}, 1);
                gpu.launch("attention", heads, T, 256, a, c, d, b, e, startAt, 2, heads, kvHeads, hd, cap, (float) Math.sqrt(hd), 0f, 0);
                float[] att = new float[T * heads * hd];
                gpu.download(att, 0, b, att.length);
                for (int t = 0; t < T; t++) {
                    for (int h = 0; h < heads; h++) {
                        int kvo = (h / (heads / kvHeads)) * hd, pos = from + t;
                        double[] s = new double[pos + 1];
                        double max = -1e300, sum = 0;
                        for (int p = 0; p <= pos; p++) {
                            for (int i = 0; i < hd; i++) s[p] += (double) gq[t * heads * hd + h * hd + i] * keys[p * kvDim + kvo + i];
                            s[p] /= Math.sqrt(hd);
                            max = Math.max(max, s[p]);
                        }
                        for (int p = 0; p <= pos; p++) sum += s[p] = Math.exp(s[p] - max);
                        for (int i = 0; i < hd; i++) {
                            double o = 0;
                            for (int p = 0; p <= pos; p++) o += s[p] / sum * values[p * kvDim + kvo + i];
                            assertEquals(o, att[t * heads * hd + h * hd + i], bound * (1 + Math.abs(o)), "attention from " + from + ", t " + t + " head " + h);
                        }
                    }
                }
            }
            // kv_store: 3 positions' keys and values into 12-position caches at *start = 4, the rest untouched
            {
                int kvDim = kvHeads * hd, cap = 12;
                float[] kk = gaussian(rnd, T * kvDim), vv = gaussian(rnd, T * kvDim), keys = gaussian(rnd, cap * kvDim), values = gaussian(rnd, cap * kvDim);
                gpu.upload(a, kk, kk.length);
                gpu.upload(b, vv, vv.length);
                gpu.upload(c, keys, keys.length);
                gpu.upload(d, values, values.length);
                gpu.upload(startAt, new int[] {4}, 1);
                gpu.launch("kv_store", 1, 1, 256, a, b, c, d, startAt, T, kvDim);
                System.arraycopy(kk, 0, keys, 4 * kvDim, kk.length);
                System.arraycopy(vv, 0, values, 4 * kvDim, vv.length);
                float[] gotKeys = new float[keys.length], gotValues = new float[values.length];
                gpu.download(gotKeys, 0, c, keys.length);
                gpu.download(gotValues, 0, d, values.length);
                assertArrayEquals(keys, gotKeys, "kv_store keys");
                assertArrayEquals(values, gotValues, "kv_store values");
            }
            gpu.free(startAt);
            // SwiGLU and the residual add
            float[] g = gaussian(rnd, 1000), u = gaussian(rnd, 1000);
            gpu.upload(a, g, 1000);
            gpu.upload(b, u, 1000);
            gpu.launch("swiglu", 4, 1, 256, a, b, 1000L);
            got = new float[1000]; // all of it: the tail past the last full block too
            gpu.download(got, 0, a, 1000);
            for (int i = 0; i < 1000; i++) {
                double want = g[i] / (1 + Math.exp(-g[i])) * u[i];
                assertEquals(want, got[i], bound * (1 + Math.abs(want)), "swiglu " + i);
            }
            gpu.upload(a, g, 1000);
            gpu.launch("add", 4, 1, 256, a, b, 1000L);
            gpu.download(got, 0, a, 1000);
            for (int i = 0; i < 1000; i++) assertEquals(g[i] + u[i], got[i], "add " + i);
            // argmax of two rows; ties go to the first index
            float[] logits = gaussian(rnd, 2 * 700);
            logits[650] = 9;
            logits[30] = 9;
            logits[700 + 3] = 7;
            gpu.upload(a, logits, logits.length);
            gpu.launch("argmax", 2, 1, 256, a, 700, b);
            int[] ids = new int[2];
            gpu.download(ids, b, 2);
            assertArrayEquals(new int[] {30, 3}, ids, "argmax");
        } finally {
            for (long p : new long[] {a, b, c, d, e}) gpu.free(p);
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    /** Random bytes in every block of a type SpecLab does not write, with its f16 scales set to small normal values. */
    static void randomBlocks(GgmlType type, MemorySegment q, Random rnd) {
        byte[] bytes = new byte[Math.toIntExact(q.byteSize())];
        rnd.nextBytes(bytes);
        int[] scales = switch (type) {
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case IQ4_NL, IQ4_XS -> new int[] {0};
            default -> throw new IllegalArgumentException("no random blocks for " + type);
        };
        for (int b = 0; b < bytes.length; b += type.typeSize) {
            for (int off : scales) {
                short h = Float.floatToFloat16((float) (0.001 + 0.01 * rnd.nextDouble()));
                bytes[b + off] = (byte) h;
                bytes[b + off + 1] = (byte) (h >> 8);
            }
        }
        q.copyFrom(MemorySegment.ofArray(bytes));
    }

    /** CpuTransformer.rope, on a table row per position. */
    private static void rope(float[] vec, int nHeads, int hd, int pairs, float[] cos, float[] sin, int start, int T, boolean neox) {
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < nHeads; h++) {
                for (int i = 0; i < pairs; i++) {
                    int o = t * nHeads * hd + h * hd + (neox ? i : 2 * i), o1 = neox ? o + pairs : o + 1;
                    float fcr = cos[(start + t) * pairs + i], fci = sin[(start + t) * pairs + i];
                    float v0 = vec[o], v1 = vec[o1];
                    vec[o] = v0 * fcr - v1 * fci;
                    vec[o1] = v0 * fci + v1 * fcr;
                }
            }
        }
    }

    /**
     * The top-k kernel against Candidates.of, exactly (the same ids and the same divided values):
     * rows of random logits at several k and temperatures, a row with many ties at the k-th value,
     * one of all-equal logits whose ties overflow the buffer (count reported, nothing written), and
     * negative zeros beside positive ones.
     */
    static void topK(Gpu gpu) {
        Random rnd = new Random(7);
        int n = 3001, rows = 4, cap = 96;
        float[] x = gaussian(rnd, rows * n);
        for (int i = 0; i < n; i++) x[n + i] = Math.round(x[n + i] * 2) / 2f; // row 1: few distinct values, many ties
        for (int i = 0; i < n; i++) x[2 * n + i] = 0.25f;                       // row 2: all tied
        for (int i = 0; i < n; i++) x[3 * n + i] = i % 100 == 0 ? ((i & 1) == 0 ? -0f : 0f) : -Math.abs(x[3 * n + i]) - 1e-3f; // row 3: the largest are zeros of both signs
        long logits = gpu.alloc(4L * rows * n, "logits"), ids = gpu.alloc(4L * rows * cap, "ids"),
                vals = gpu.alloc(4L * rows * cap, "values"), counts = gpu.alloc(4L * rows, "counts");
        try {
            gpu.upload(logits, x, x.length);
            for (int k : new int[] {1, 2, 40, 64}) {
                for (float temperature : new float[] {1f, 0.7f, 1.3f}) {
                    gpu.launch("topk", rows, 1, 256, logits, n, temperature, k, cap, ids, vals, counts);
                    int[] c = new int[rows], gotIds = new int[rows * cap];
                    float[] gotVals = new float[rows * cap];
                    gpu.download(c, counts, rows);
                    gpu.download(gotIds, ids, rows * cap);
                    gpu.download(gotVals, 0, vals, rows * cap);
                    for (int r = 0; r < rows; r++) {
                        String where = "row " + r + ", k " + k + ", temperature " + temperature;
                        org.speclab.engine.Candidates want = org.speclab.engine.Candidates.of(java.util.Arrays.copyOfRange(x, r * n, (r + 1) * n), temperature, k);
                        assertEquals(want.size(), c[r], where);
                        if (r == 2) assertEquals(n, c[r], where); // all tied: more than fit
                        if (c[r] > cap) continue;
                        assertArrayEquals(want.ids(), java.util.Arrays.copyOfRange(gotIds, r * cap, r * cap + c[r]), where);
                        assertArrayEquals(want.scaled(), java.util.Arrays.copyOfRange(gotVals, r * cap, r * cap + c[r]), where);
                    }
                }
            }
        } finally {
            gpu.free(logits);
            gpu.free(ids);
            gpu.free(vals);
            gpu.free(counts);
        }
    }
}
