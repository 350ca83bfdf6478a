package org.speclab.engine;

import java.util.ArrayList;
import java.util.List;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * A deliberately naive Llama forward in double precision, written from the math (not from the
 * engine), used as the oracle for the engine's logits. Reads weights through its own decoding.
 */
final class ReferenceLlama {
    private final ModelFile f;
    private final int dim, hidden, layers, heads, kvHeads, hs, vocab;
    private final double theta, eps;
    private final List<double[][]> keys = new ArrayList<>(), values = new ArrayList<>();
    /** Per rotated pair, what its angle is divided by (LongRoPE's factors); and what cos and sin are multiplied by. */
    private final double[] ropeDivisors;
    private final double ropeScale;

    ReferenceLlama(ModelFile f) {
        this(f, null, 1.0);
    }

    ReferenceLlama(ModelFile f, double[] ropeDivisors, double ropeScale) {
        this.f = f;
        this.ropeDivisors = ropeDivisors;
        this.ropeScale = ropeScale;
        dim = (int) f.getLong("llama.embedding_length", 0);
        hidden = (int) f.getLong("llama.feed_forward_length", 0);
        layers = (int) f.getLong("llama.block_count", 0);
        heads = (int) f.getLong("llama.attention.head_count", 0);
        kvHeads = (int) f.getLong("llama.attention.head_count_kv", heads);
        hs = dim / heads;
        theta = f.getDouble("llama.rope.freq_base", 10000);
        eps = f.getDouble("llama.attention.layer_norm_rms_epsilon", 1e-5);
        vocab = (int) f.tensor("token_embd.weight").shape()[1];
        for (int l = 0; l < layers; l++) {
            keys.add(new double[256][]);
            values.add(new double[256][]);
        }
    }

    private double w(String name, long index) {
        Tensor t = f.tensor(name);
        var seg = t.data();
        var le = java.nio.ByteOrder.LITTLE_ENDIAN;
        return switch (t.type()) {
            case F32 -> seg.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), index * 4);
            case F16 -> Float.float16ToFloat(seg.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), index * 2));
            case BF16 -> Float.intBitsToFloat(seg.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), index * 2) << 16);
            default -> throw new IllegalArgumentException(t.type().toString());
        };
    }

    private double[] matvec(String name, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < x.length; c++) s += w(name, (long) r * x.length + c) * x[c];
            out[r] = s;
        }
        return out;
    }

    private double[] norm(String name, double[] x) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double k = 1 / Math.sqrt(ss / x.length + eps);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = w(name, i) * x[i] * k;
        return o;
    }

    private void rope(double[] v, int pos) {
        for (int h = 0; h < v.length / hs; h++) {
            for (int i = 0; i < hs; i += 2) {
                double a = pos * Math.pow(theta, -(double) i / hs) / (ropeDivisors == null ? 1 : ropeDivisors[i / 2]);
                double x0 = v[h * hs + i], x1 = v[h * hs + i + 1], cos = Math.cos(a) * ropeScale, sin = Math.sin(a) * ropeScale;
                v[h * hs + i] = x0 * cos - x1 * sin;
                v[h * hs + i + 1] = x0 * sin + x1 * cos;
            }
        }
    }

    double[] step(int token, int pos) {
        double[] x = new double[dim];
        for (int i = 0; i < dim; i++) x[i] = w("token_embd.weight", (long) token * dim + i);
        int kvDim = kvHeads * hs;
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            double[] xn = norm(b + "attn_norm.weight", x);
            double[] q = matvec(b + "attn_q.weight", xn, dim);
            double[] k = matvec(b + "attn_k.weight", xn, kvDim);
            double[] v = matvec(b + "attn_v.weight", xn, kvDim);
            rope(q, pos);
            rope(k, pos);
            keys.get(l)[pos] = k;
            values.get(l)[pos] = v;
            double[] att = new double[dim];
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double d = 0;
                    for (int i = 0; i < hs; i++) d += q[h * hs + i] * keys.get(l)[t][kvh * hs + i];
                    s[t] = d / Math.sqrt(hs);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) sum += s[t] = Math.exp(s[t] - max);
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hs; i++) att[h * hs + i] += s[t] / sum * values.get(l)[t][kvh * hs + i];
                }
            }
            double[] o = matvec(b + "attn_output.weight", att, dim);
            for (int i = 0; i < dim; i++) x[i] += o[i];
            double[] hn = norm(b + "ffn_norm.weight", x);
            double[] g = matvec(b + "ffn_gate.weight", hn, hidden);
            double[] u = matvec(b + "ffn_up.weight", hn, hidden);
            for (int i = 0; i < hidden; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            double[] d = matvec(b + "ffn_down.weight", g, dim);
            for (int i = 0; i < dim; i++) x[i] += d[i];
        }
        double[] xn = norm("output_norm.weight", x);
        return matvec(f.optionalTensor("output.weight") != null ? "output.weight" : "token_embd.weight", xn, vocab);
    }
}
