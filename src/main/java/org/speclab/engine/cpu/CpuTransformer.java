package org.speclab.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.speclab.engine.EngineException;
import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * The Llama forward pass on the CPU, written to be read: embedding, then per layer RMSNorm →
 * grouped-query attention with rotary positions → residual, RMSNorm → SwiGLU → residual; final
 * norm and classifier. All T positions of a call go through each layer together, so every weight
 * row is read once per call, and each position's arithmetic is the same as if it ran alone.
 */
final class CpuTransformer implements Transformer {
    private final ModelFile file;
    private final ModelConfig c;
    private final int threads;
    private final ForkJoinPool pool;
    private final WeightMatrix tokenEmbedding, classifier;
    private final float[] outputNorm;
    private final Layer[] layers;
    /** Per rotated pair i: 1 / freq factor (Llama 3.1 rope_freqs), or 1. */
    private final float[] ropeFactors;

    private record Layer(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                         float[] ffnNorm, WeightMatrix gate, WeightMatrix down, WeightMatrix up) {}

    CpuTransformer(ModelFile file, int threads) {
        this.file = file;
        this.c = ModelConfig.from(file);
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
        tokenEmbedding = WeightMatrix.of(file.tensor("token_embd.weight"));
        classifier = c.tiedClassifier() ? tokenEmbedding : WeightMatrix.of(file.tensor("output.weight"));
        outputNorm = vector(file.tensor("output_norm.weight"));
        layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers[l] = new Layer(vector(file.tensor(b + "attn_norm.weight")),
                    WeightMatrix.of(file.tensor(b + "attn_q.weight")), WeightMatrix.of(file.tensor(b + "attn_k.weight")),
                    WeightMatrix.of(file.tensor(b + "attn_v.weight")), WeightMatrix.of(file.tensor(b + "attn_output.weight")),
                    vector(file.tensor(b + "ffn_norm.weight")),
                    WeightMatrix.of(file.tensor(b + "ffn_gate.weight")), WeightMatrix.of(file.tensor(b + "ffn_down.weight")),
                    WeightMatrix.of(file.tensor(b + "ffn_up.weight")));
        }
        ropeFactors = new float[c.ropeDim() / 2];
        java.util.Arrays.fill(ropeFactors, 1f);
        Tensor rf = file.optionalTensor("rope_freqs.weight");
        if (rf != null) {
            float[] f = vector(rf);
            if (f.length != ropeFactors.length) throw new EngineException("tensor rope_freqs.weight: expected " + ropeFactors.length + " factors, found " + f.length);
            for (int i = 0; i < f.length; i++) ropeFactors[i] = 1f / f[i];
        }
    }

    private static float[] vector(Tensor t) {
        WeightMatrix m = WeightMatrix.of(t);
        float[] v = new float[Math.toIntExact((long) m.rows() * m.cols())];
        for (int i = 0; i < v.length; i++) v[i] = m.get(i);
        return v;
    }

    @Override
    public ModelConfig config() { return c; }

    @Override
    public KvCache newCache(int capacity) { return new CpuKvCache(c.layers(), c.kvDim(), capacity); }

    @Override
    public long weightBytes() { return file.weightBytes(); }

    @Override
    public String device() { return "cpu (" + threads + (threads == 1 ? " thread)" : " threads)"); }

    @Override
    public float[][] forward(KvCache kv, int[] tokens, int startPos, int outputs) {
        CpuKvCache cache = (CpuKvCache) kv;
        int T = tokens.length;
        if (T == 0) throw new IllegalArgumentException("forward needs at least one token");
        if (outputs < 0 || outputs > T) throw new IllegalArgumentException("outputs " + outputs + " not in 0.." + T);
        cache.truncate(startPos);
        cache.ensureCapacity(startPos + T);
        int dim = c.dim();
        float[][] x = new float[T][dim];
        for (int t = 0; t < T; t++) {
            if (tokens[t] < 0 || tokens[t] >= c.vocabSize()) throw new EngineException("token id " + tokens[t] + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            tokenEmbedding.row(tokens[t], x[t]);
        }
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            float[][] xb = rmsnorm(x, L.attnNorm);
            float[][] q = matmul(L.wq, xb), k = matmul(L.wk, xb), v = matmul(L.wv, xb);
            for (int t = 0; t < T; t++) {
                int pos = startPos + t;
                rope(q[t], c.heads(), pos);
                rope(k[t], c.kvHeads(), pos);
                System.arraycopy(k[t], 0, cache.keys[l], pos * c.kvDim(), c.kvDim());
                System.arraycopy(v[t], 0, cache.values[l], pos * c.kvDim(), c.kvDim());
            }
            float[][] att = new float[T][c.qDim()];
            for (int t = 0; t < T; t++) attention(cache, l, q[t], startPos + t, att[t]);
            addInPlace(x, matmul(L.wo, att));
            float[][] h = rmsnorm(x, L.ffnNorm);
            float[][] g = matmul(L.gate, h), u = matmul(L.up, h);
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < c.hiddenDim(); i++) g[t][i] = silu(g[t][i]) * u[t][i];
            }
            addInPlace(x, matmul(L.down, g));
        }
        cache.setLength(startPos + T);
        float[][] last = new float[outputs][];
        for (int o = 0; o < outputs; o++) last[o] = x[T - outputs + o];
        return matmul(classifier, rmsnorm(last, outputNorm));
    }

    private float[][] rmsnorm(float[][] x, float[] weight) {
        float[][] out = new float[x.length][weight.length];
        for (int t = 0; t < x.length; t++) {
            float ss = 0f;
            for (float v : x[t]) ss += v * v;
            ss /= weight.length;
            ss += c.rmsEps();
            ss = 1f / (float) Math.sqrt(ss);
            for (int j = 0; j < weight.length; j++) out[t][j] = weight[j] * (ss * x[t][j]);
        }
        return out;
    }

    /** Rotates consecutive pairs (2i, 2i+1) of each head's first ropeDim values by pos·θ^(-2i/ropeDim). */
    private void rope(float[] vec, int nHeads, int pos) {
        int hs = c.headDim();
        float p = pos / c.ropeScale();
        for (int i = 0; i < c.ropeDim(); i += 2) {
            float freq = 1.0f / (float) Math.pow(c.ropeTheta(), i / (float) c.ropeDim()) * ropeFactors[i / 2];
            float val = p * freq;
            float fcr = (float) Math.cos(val), fci = (float) Math.sin(val);
            for (int h = 0; h < nHeads; h++) {
                int o = h * hs + i;
                float v0 = vec[o], v1 = vec[o + 1];
                vec[o] = v0 * fcr - v1 * fci;
                vec[o + 1] = v0 * fci + v1 * fcr;
            }
        }
    }

    /** Causal attention of one query position over cached positions 0..pos, grouped-query. */
    private void attention(CpuKvCache cache, int layer, float[] q, int pos, float[] out) {
        int hs = c.headDim(), kvDim = c.kvDim(), group = c.heads() / c.kvHeads();
        float[] keys = cache.keys[layer], values = cache.values[layer];
        float scale = (float) Math.sqrt(hs);
        float[] att = new float[pos + 1];
        for (int h = 0; h < c.heads(); h++) {
            int qo = h * hs, kvo = (h / group) * hs;
            for (int t = 0; t <= pos; t++) {
                float score = 0f;
                int ko = t * kvDim + kvo;
                for (int i = 0; i < hs; i++) score += q[qo + i] * keys[ko + i];
                att[t] = score / scale;
            }
            softmax(att, pos + 1);
            for (int t = 0; t <= pos; t++) {
                float a = att[t];
                int vo = t * kvDim + kvo;
                for (int i = 0; i < hs; i++) out[qo + i] += a * values[vo + i];
            }
        }
    }

    static void softmax(float[] x, int size) {
        float max = x[0];
        for (int i = 1; i < size; i++) if (x[i] > max) max = x[i];
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) x[i] /= sum;
    }

    private static float silu(float v) {
        return v * (1.0f / (1.0f + (float) Math.exp(-v)));
    }

    private static void addInPlace(float[][] x, float[][] d) {
        for (int t = 0; t < x.length; t++) for (int i = 0; i < x[t].length; i++) x[t][i] += d[t][i];
    }

    /** out[t][r] = W[r] · x[t]; rows are split across threads, each row read once for all t. */
    private float[][] matmul(WeightMatrix w, float[][] x) {
        int T = x.length;
        float[][] out = new float[T][w.rows()];
        if (T == 0) return out;
        long work = (long) w.rows() * w.cols() * T;
        if (pool == null || work < (1 << 18)) {
            matmulRows(w, x, out, 0, w.rows());
            return out;
        }
        int chunks = threads * 4;
        int per = (w.rows() + chunks - 1) / chunks;
        pool.submit(() -> IntStream.range(0, chunks).parallel()
                .forEach(ch -> matmulRows(w, x, out, ch * per, Math.min(w.rows(), (ch + 1) * per)))).join();
        return out;
    }

    private static void matmulRows(WeightMatrix w, float[][] x, float[][] out, int from, int to) {
        for (int r = from; r < to; r++) {
            for (int t = 0; t < x.length; t++) out[t][r] = w.dot(r, x[t]);
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
