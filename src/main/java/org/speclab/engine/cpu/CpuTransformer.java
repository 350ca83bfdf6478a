package org.speclab.engine.cpu;

import java.util.function.IntConsumer;
import org.speclab.engine.Candidates;
import org.speclab.engine.KvCache;
import org.speclab.engine.LayerWeights;
import org.speclab.engine.Transformer;

import org.speclab.model.Architecture;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Rope;
import org.speclab.model.Tensor;

/**
 * The forward pass on the CPU, written to be read: embedding, then per layer RMSNorm →
 * grouped-query attention with rotary positions → residual, RMSNorm → SwiGLU → residual; final
 * norm and classifier. The other families ({@link Architecture}) differ in a few marked steps:
 * biases, per-head q/k norms, the RoPE pairing, norms after each block, GeGLU, soft-capping and a
 * sliding window; fused matrices are read as the row ranges they join. All T positions of a call go through each layer together, so every weight
 * row is read from memory once per call, and each position's arithmetic is exactly what it would
 * be alone (batch invariance). Buffers are reused between calls: no allocation per token.
 */
final class CpuTransformer implements Transformer {
    /** Below this many multiply-adds a matrix product runs on the calling thread: dispatch would cost more. */
    private static final long PARALLEL_WORK = 1 << 17;

    private final ModelFile file;
    private final ModelConfig c;
    private final WorkerPool pool;
    private final WeightMatrix tokenEmbedding, classifier;
    private final float[] outputNorm;
    private final LayerWeights<WeightMatrix, float[]>[] layers;
    /** Per rotated pair i: θ^(-2i/ropeDim) / freq factor. */
    private final Rope rope;
    private final long weightBytes;
    private final boolean ownsPool;
    /** The native integer kernels quantized weights run on, or null for the Java ones. */
    private final NativeKernels kernels;
    /** The packed copies of the weights the native kernels read (owned by the full model, closed with it), or null. */
    private final java.lang.foreign.Arena packed;
    private final org.speclab.engine.CacheType cacheType;
    private Workspace ws;

    /** Activations for up to {@code batch} positions and attention over up to {@code positions}. */
    private final class Workspace {
        final int batch, positions;
        final float[][] x, xb, q, k, v, att, hb, hb2, out;
        /** Per worker, made on first use: Attention.queries's scores, and a float16 cache's widened keys or values. */
        final float[][] spanScores, widened;
        /** The RoPE angles of each position, laid out for the model's pair style (RopeRotation). */
        final float[] cos, sin;
        final QuantizedActivations acts = new QuantizedActivations();
        /** The down projection's input where the FFN runs fused ({@link #fusedFfn}): written and quantized by the threads of the gate and up products. */
        final QuantizedActivations hidden = new QuantizedActivations();
        /** The output projection's input where the attention block runs fused ({@link #fusedAttention}). */
        final QuantizedActivations heads = new QuantizedActivations();

        Workspace(int batch, int positions) {
            this.batch = batch;
            this.positions = positions;
            x = new float[batch][c.dim()];
            xb = new float[batch][c.dim()];
            q = new float[batch][c.qDim()];
            k = new float[batch][c.kvDim()];
            v = new float[batch][c.kvDim()];
            att = new float[batch][c.qDim()];
            hb = new float[batch][c.hiddenDim()];
            hb2 = new float[batch][c.hiddenDim()];
            out = new float[batch][c.dim()];
            spanScores = new float[pool.size()][];
            widened = new float[pool.size()][];
            cos = new float[batch * RopeRotation.floatsPerPosition(ropeFreqCount(), neox())];
            sin = new float[cos.length];
        }
    }

    private int ropeFreqCount() { return c.ropeDim() / 2; }

    private boolean neox() { return c.arch().rope() == Architecture.RopeStyle.NEOX; }

    /** A view running only the first {@code keep} layers of {@code full}, sharing its weights and workers. */
    private CpuTransformer(CpuTransformer full, int keep) {
        this.file = full.file;
        this.c = full.c.withLayers(keep);
        this.pool = full.pool;
        this.tokenEmbedding = full.tokenEmbedding;
        this.classifier = full.classifier;
        this.outputNorm = full.outputNorm;
        this.layers = java.util.Arrays.copyOf(full.layers, keep);
        this.rope = full.rope;
        this.kernels = full.kernels;
        this.packed = null;
        this.cacheType = full.cacheType;
        long bytes = tokenEmbedding.byteSize() + (c.tiedClassifier() ? 0 : classifier.byteSize());
        for (var l : layers) for (WeightMatrix m : l.matrices()) bytes += m.byteSize();
        this.weightBytes = bytes;
        this.ownsPool = false;
    }

    @Override
    public Transformer earlyExit(int keep) {
        Transformer.checkEarlyExit(c, keep);
        return new CpuTransformer(this, keep);
    }

    CpuTransformer(ModelFile file, int threads, NativeKernels kernels, org.speclab.engine.CacheType cacheType) {
        this.file = file;
        this.cacheType = cacheType;
        this.kernels = kernels;
        this.c = ModelConfig.from(file);
        this.ownsPool = true;
        this.pool = new WorkerPool(Math.max(1, threads)); // first: a refused thread count leaves nothing open
        this.packed = kernels == null ? null : java.lang.foreign.Arena.ofShared();
        try {
            tokenEmbedding = matrix(file.tensor("token_embd.weight"));
            classifier = c.tiedClassifier() ? tokenEmbedding : matrix(file.tensor("output.weight"));
            outputNorm = vector("output_norm.weight");
            layers = newLayers(c.layers());
            LayerWeights.Source<WeightMatrix, float[]> source = new LayerWeights.Source<>() {
                @Override
                public WeightMatrix matrix(String tensor) { return CpuTransformer.this.matrix(file.tensor(tensor)); }

                @Override
                public WeightMatrix rows(String tensor, String name, int from, int count) {
                    return CpuTransformer.this.matrix(file.tensor(tensor).rows(name, from, count));
                }

                @Override
                public float[] vector(String tensor) { return CpuTransformer.this.vector(tensor); }
            };
            for (int l = 0; l < c.layers(); l++) layers[l] = LayerWeights.load(c, l, source);
        } catch (RuntimeException | Error e) {
            if (packed != null) packed.close(); // a model that fails to load leaves no packed copies behind
            pool.close();
            throw e;
        }
        rope = Rope.of(file, c);
        long bytes = 0;
        for (Tensor t : file.tensors().values()) bytes += t.info().byteSize();
        weightBytes = bytes;
    }

    private WeightMatrix matrix(Tensor t) { return WeightMatrix.of(t, kernels, packed); }

    @SuppressWarnings("unchecked")
    private static LayerWeights<WeightMatrix, float[]>[] newLayers(int n) { return new LayerWeights[n]; }

    private float[] vector(String name) { return vector(file.tensor(name)); }

    private static float[] vector(Tensor t) {
        WeightMatrix m = WeightMatrix.of(t);
        float[] v = new float[Math.toIntExact((long) m.rows() * m.cols())];
        for (int i = 0; i < v.length; i++) v[i] = m.get(i);
        return v;
    }

    @Override
    public ModelConfig config() { return c; }

    @Override
    public KvCache newCache(int capacity) { return new CpuKvCache(c.layers(), c.kvDim(), c.headDim(), capacity, cacheType); }

    @Override
    public org.speclab.engine.CacheType cacheType() { return cacheType; }

    @Override
    public long weightBytes() { return weightBytes; }

    @Override
    public String device() {
        return "cpu (" + pool.size() + (pool.size() == 1 ? " thread" : " threads") + (cacheType == org.speclab.engine.CacheType.F32 ? ")" : ", " + cacheType.label() + " KV cache)");
    }

    @Override
    public synchronized float[][] forward(KvCache kv, int[] tokens, int startPos, int outputs) {
        float[][] logits = new float[outputs][c.vocabSize()]; // the caller's to keep
        run(kv, tokens, startPos, outputs, logits);
        return logits;
    }

    /** Argmaxes from logits in a buffer kept between calls: greedy decoding allocates no logits per token. */
    @Override
    public synchronized int[] forwardArgmax(KvCache kv, int[] tokens, int startPos, int outputs) {
        float[][] logits = scratchLogits(outputs);
        run(kv, tokens, startPos, outputs, logits);
        return Transformer.argmaxes(logits, outputs);
    }

    @Override
    public synchronized Candidates[] forwardTopK(KvCache kv, int[] tokens, int startPos, int outputs, float temperature, int topK) {
        float[][] logits = scratchLogits(outputs);
        run(kv, tokens, startPos, outputs, logits);
        Candidates[] result = new Candidates[outputs];
        for (int o = 0; o < outputs; o++) result[o] = Candidates.of(logits[o], temperature, topK);
        return result;
    }

    private float[][] scratch = new float[0][];

    private float[][] scratchLogits(int outputs) {
        if (scratch.length < outputs) {
            float[][] grown = java.util.Arrays.copyOf(scratch, outputs);
            for (int o = scratch.length; o < outputs; o++) grown[o] = new float[c.vocabSize()];
            scratch = grown;
        }
        return scratch;
    }

    /** Which kernels the weights run on: native integer kernels (and their instruction set) or the Java ones. */
    @Override
    public String kernels() {
        return kernels == null ? "Java Vector API " + VectorDot.bits() + "-bit kernels"
                : "native " + kernels.instructionSet() + " kernels (" + NativeKernels.typeList(t -> NativeKernels.handles(t, 256)) + "), Java Vector API "
                        + VectorDot.bits() + "-bit (" + NativeKernels.typeList(t -> !NativeKernels.handles(t, 256)) + ")";
    }

    /** The forward pass; logits of the last {@code outputs} positions into {@code logits[0 .. outputs)}. */
    private void run(KvCache kv, int[] tokens, int startPos, int outputs, float[][] logits) {
        CpuKvCache cache = (CpuKvCache) kv;
        int T = tokens.length;
        Transformer.checkInput(c, tokens, outputs);
        cache.truncate(startPos);
        cache.ensureCapacity(startPos + T);
        if (ws == null || ws.batch < T || ws.positions < startPos + T) {
            ws = new Workspace(Math.max(T, ws == null ? 1 : ws.batch), Math.max(startPos + T, ws == null ? 256 : 2 * ws.positions));
        }
        Workspace w = ws;
        float[] ropeFreq = rope.frequencies(cache.context());
        for (int t = 0; t < T; t++) {
            tokenEmbedding.row(tokens[t], w.x[t]);
            if (c.arch().scaleEmbedding()) scale(w.x[t], (float) Math.sqrt(c.dim()));
            ropeAngles(w, t, startPos + t, ropeFreq);
        }
        for (int l = 0; l < layers.length; l++) {
            LayerWeights<WeightMatrix, float[]> L = layers[l];
            int layer = l;
            rmsnorms(w.xb, w.x, 0, T, L.attnNorm());
            if (fusesAttention(L, T)) {
                fusedAttention(L, layer, cache, w, T, startPos);
            } else {
                matmuls(new WeightMatrix[] {L.wq(), L.wk(), L.wv()}, w.xb, new float[][][] {w.q, w.k, w.v}, T);
                eachPosition(T, t -> {
                    if (L.bq() != null) {
                        add(w.q[t], L.bq());
                        add(w.k[t], L.bk());
                        add(w.v[t], L.bv());
                    }
                    if (L.qNorm() != null) {
                        headNorm(w.q[t], c.heads(), L.qNorm());
                        headNorm(w.k[t], c.kvHeads(), L.kNorm());
                    }
                    rope(w.q[t], c.heads(), w, t);
                    rope(w.k[t], c.kvHeads(), w, t);
                    cache.put(layer, startPos + t, w.k[t], w.v[t]);
                });
                attention(cache, l, w, T, startPos);
                matmul(L.wo(), w.att, w.out, T);
            }
            if (L.postAttnNorm() != null) rmsnorms(w.out, w.out, 0, T, L.postAttnNorm());
            eachPosition(T, t -> add(w.x[t], w.out[t]));
            rmsnorms(w.xb, w.x, 0, T, L.ffnNorm());
            if (fusesFfn(L, T)) {
                fusedFfn(L, w, T);
            } else {
                matmuls(new WeightMatrix[] {L.gate(), L.up()}, w.xb, new float[][][] {w.hb, w.hb2}, T);
                eachPosition(T, t -> {
                    if (c.arch().activation() == Architecture.Activation.SILU) swiglu(w.hb[t], w.hb2[t], c.hiddenDim());
                    else geglu(w.hb[t], w.hb2[t], c.hiddenDim());
                });
                matmul(L.down(), w.hb, w.out, T);
            }
            if (L.postFfnNorm() != null) rmsnorms(w.out, w.out, 0, T, L.postFfnNorm());
            eachPosition(T, t -> add(w.x[t], w.out[t]));
        }
        cache.setLength(startPos + T);
        // the final norm of the output positions, into xb (free again after the last layer)
        rmsnorms(w.xb, w.x, T - outputs, outputs, outputNorm);
        matmul(classifier, w.xb, logits, outputs);
        if (c.finalSoftcap() > 0) for (int o = 0; o < outputs; o++) softcap(logits[o], 0, c.vocabSize(), c.finalSoftcap());
    }

    /** Positions in a call from which the per-position steps (norms, RoPE, activations, their quantization) are shared among the workers. */
    static final int PARALLEL_POSITIONS = 32;

    /**
     * body(t) for every position t &lt; T: long batches (prefill) in runs of positions on the workers, short ones
     * in order on this thread. Each position is computed whole by one thread, so its values are the same either way.
     * (Shared from four positions, a nine-position verify pass of a 200M model spent the same 0.65–0.75 ms on these
     * steps as on one thread, measured: the handing out costs what the second thread saves.)
     */
    private void eachPosition(int T, IntConsumer body) {
        eachRun(T, (t0, t1) -> {
            for (int t = t0; t < t1; t++) body.accept(t);
        });
    }

    /** Positions [from, to) of a call, computed whole by one thread. */
    private interface Run {
        void over(int from, int to);
    }

    /** {@link #eachPosition}'s hand-out, a run of positions at a time: one run on this thread, or one a worker. */
    private void eachRun(int T, Run body) {
        int n = pool.size();
        if (n == 1 || T < PARALLEL_POSITIONS) {
            body.over(0, T);
            return;
        }
        pool.runPieces(n, i -> body.over(T * i / n, T * (i + 1) / n));
    }

    /** v[0..n) = cap · tanh(v / cap), Gemma 2's soft-capping of attention scores and logits. */
    static void softcap(float[] v, int from, int n, float cap) {
        for (int i = from; i < from + n; i++) v[i] = cap * (float) Math.tanh(v[i] / cap);
    }

    private static void scale(float[] v, float s) {
        for (int i = 0; i < v.length; i++) v[i] *= s;
    }

    /** Qwen 3: an RMSNorm over each head's values, with one weight vector shared by the heads. */
    private void headNorm(float[] vec, int nHeads, float[] weight) {
        headNorm(vec, 0, nHeads, weight);
    }

    /** {@link #headNorm} of heads h0 ≤ h &lt; h1 only. */
    private void headNorm(float[] vec, int h0, int h1, float[] weight) {
        int hs = weight.length;
        for (int h = h0; h < h1; h++) {
            float ss = 0f;
            for (int j = 0; j < hs; j++) ss += vec[h * hs + j] * vec[h * hs + j];
            ss = 1f / (float) Math.sqrt(ss / hs + c.rmsEps());
            for (int j = 0; j < hs; j++) vec[h * hs + j] = weight[j] * (ss * vec[h * hs + j]);
        }
    }

    /** g = gelu(g) · u with GELU's tanh form, 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))), as llama.cpp computes it. */
    static void geglu(float[] g, float[] u, int n) {
        for (int i = 0; i < n; i++) g[i] = gelu(g[i], u[i]);
    }

    /** gelu(v) · u, {@link #geglu}'s arithmetic for one element. */
    private static float gelu(float v, float u) {
        return 0.5f * v * (1f + (float) Math.tanh(0.7978845608028654f * v * (1f + 0.044715f * v * v))) * u;
    }

    /** out[o] = RMSNorm(x[from + o]) for o &lt; count, in runs of positions as {@link #eachPosition}, each run in fours ({@link #rmsnorm4}). */
    private void rmsnorms(float[][] out, float[][] x, int from, int count, float[] weight) {
        eachRun(count, (o0, o1) -> {
            int o = o0;
            for (; o + 4 <= o1; o += 4) rmsnorm4(out[o], out[o + 1], out[o + 2], out[o + 3], x[from + o], x[from + o + 1], x[from + o + 2], x[from + o + 3], weight);
            for (; o < o1; o++) rmsnorm1(out[o], x[from + o], weight);
        });
    }

    /**
     * {@link #rmsnorm1} of four positions at once: each sum of squares is the same left-to-right chain of additions as
     * alone (the F32 path's bits, which are held to llama2.c's, do not change), but four chains run side by side, where
     * one alone waits out each addition's latency (a 9-position verify pass of the 200M model: 12 × 18 norms a pass).
     */
    private void rmsnorm4(float[] o0, float[] o1, float[] o2, float[] o3, float[] x0, float[] x1, float[] x2, float[] x3, float[] weight) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int j = 0; j < weight.length; j++) {
            s0 += x0[j] * x0[j];
            s1 += x1[j] * x1[j];
            s2 += x2[j] * x2[j];
            s3 += x3[j] * x3[j];
        }
        scaleNorm(o0, x0, weight, s0);
        scaleNorm(o1, x1, weight, s1);
        scaleNorm(o2, x2, weight, s2);
        scaleNorm(o3, x3, weight, s3);
    }

    /** out = weight · (x / rms) from the sum of squares ss, as rmsnorm1 finishes. */
    private void scaleNorm(float[] out, float[] x, float[] weight, float ss) {
        ss /= weight.length;
        ss += c.rmsEps();
        ss = 1f / (float) Math.sqrt(ss);
        for (int j = 0; j < weight.length; j++) out[j] = weight[j] * (ss * x[j]);
    }

    private void rmsnorm1(float[] out, float[] x, float[] weight) {
        float ss = 0f;
        for (int j = 0; j < weight.length; j++) ss += x[j] * x[j];
        scaleNorm(out, x, weight, ss);
    }

    private void ropeAngles(Workspace w, int t, int pos, float[] ropeFreq) {
        float p = pos / c.ropeScale(), m = rope.attentionFactor();
        int n = ropeFreqCount();
        for (int i = 0; i < n; i++) {
            float val = p * ropeFreq[i];
            RopeRotation.set(w.cos, w.sin, t, n, neox(), i, (float) Math.cos(val) * m, (float) Math.sin(val) * m);
        }
    }

    /**
     * Rotates pairs of each head's first ropeDim values: consecutive ones (2i, 2i+1), or for the NEOX
     * style value i with value i + ropeDim/2.
     */
    private void rope(float[] vec, int nHeads, Workspace w, int t) {
        RopeRotation.rotate(vec, nHeads, c.headDim(), ropeFreqCount(), neox(), w.cos, w.sin, t);
    }

    /**
     * Every head of every position of the call; split across the workers by (key head, span of positions, run of that
     * key head's query heads: Attention.run) when there is enough of it, each computed whole by one thread (so the same
     * bits at any thread count). Runs and spans rather than whole key heads, so a model with few key heads (multi-query)
     * still keeps every worker busy.
     */
    private void attention(CpuKvCache cache, int layer, Workspace w, int T, int startPos) {
        int heads = c.heads(), kvHeads = c.kvHeads(), hs = c.headDim(), group = heads / kvHeads, window = c.windowed(layer) ? c.slidingWindow() : 0;
        long work = (long) T * heads * hs * (startPos + T);
        int n = pool.size() == 1 || work < PARALLEL_WORK / 4 ? 1 : pool.size();
        int run = Attention.run(group, hs), runs = (group + run - 1) / run;
        // units of (key head, up to SPAN_QUERIES positions, run): each reads (a float16 cache: widens) its key head's keys
        // and values once for its positions, a chunk at a time (at 2,048 positions of the 1.48 B model a five-position
        // pass took 41-43 ms instead of 48-51 with each position reading the keys and values again, float32 cache);
        // the positions in more spans where key heads and runs alone would leave workers idle (few key heads, many threads)
        int wanted = Math.min(T, Math.max((T + SPAN_QUERIES - 1) / SPAN_QUERIES, (n + kvHeads * runs - 1) / (kvHeads * runs)));
        int span = (T + wanted - 1) / wanted, spans = (T + span - 1) / span, units = kvHeads * spans * runs;
        // one position over a float32 cache has nothing to share a chunk with: the whole range is one chunk
        int B = CpuKvCache.BLOCK, chunk = cache.half() || T > 1 ? SPAN_CHUNK : (startPos + T + B - 1) / B * B;
        IntConsumer share = i -> {
            int from = (int) ((long) units * i / n), to = (int) ((long) units * (i + 1) / n);
            if (w.widened[i] == null && cache.half()) w.widened[i] = new float[SPAN_CHUNK * hs];
            if (w.spanScores[i] == null) w.spanScores[i] = new float[Attention.queriesScoresBuffer(SPAN_QUERIES, run, w.positions - 1)];
            for (int u = from; u < to; u++) {
                int g = u / (spans * runs), t0 = u / runs % spans * span, j0 = u % runs * run;
                Attention.queries(cache, layer, w.q, startPos, t0, Math.min(T, t0 + span), w.att, w.spanScores[i], w.widened[i],
                        chunk, g, j0, Math.min(group, j0 + run), hs, group, c.attentionScale(), c.attentionSoftcap(), window);
            }
        };
        if (n == 1) share.accept(0);
        else pool.run(share);
    }

    /**
     * Attention: positions read (widened) at a time (64 positions of a
     * 128-wide head are 32 KB of floats, in the core's L1; 32 to 256 measured alike at 2,048 positions of the 1.48 B
     * model), and the most queries one unit serves from each chunk (their scores wait there for the values: 16 queries
     * of four heads at 4,096 positions, 1 MB).
     */
    static final int SPAN_CHUNK = 64, SPAN_QUERIES = 16;

    /**
     * g = silu(g) · u, with silu(v) = v · (1 / (1 + e^−v)) as llama2.c writes it, e^x from {@link FastExp}
     * in vector lanes (Math.exp, called hidden-dim times per layer and position, cost a decode step
     * about a tenth of its time); lanes and the scalar tail agree bit for bit.
     */
    static void swiglu(float[] g, float[] u, int n) {
        var F = VectorDot.F;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            jdk.incubator.vector.FloatVector v = jdk.incubator.vector.FloatVector.fromArray(F, g, i);
            jdk.incubator.vector.FloatVector one = v.broadcast(1f);
            v.mul(one.div(one.add(FastExp.exp(v.neg())))).mul(jdk.incubator.vector.FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
        for (; i < n; i++) g[i] = g[i] * (1.0f / (1.0f + FastExp.exp(-g[i]))) * u[i];
    }

    /** Whether passes run the FFN fused where they can ({@link #fusesFfn}); tests turn it off to compare the two ways. */
    static volatile boolean fuseFfn = true;

    /**
     * Whether layer L's FFN runs fused for a call of T positions: short calls of two positions or more (verify passes)
     * whose three matrices are all on the native kernels, their shapes agreeing and the hidden width whole blocks of 32.
     * Not decode steps: there each piece reads its rows of gate, then of up, two streams of weights from memory where
     * the unfused way reads one, and each start of a stream waits for memory before the kernels' prefetch runs ahead
     * (a 1.48 B Q4_0 model's decode step read 0-2% slower fused, alternating in one process). Not where the down
     * projection has rows on the row kernels and eight positions or more: those read a transposed copy of the
     * activations, which the fused FFN does not make. Long calls (prefill) keep the unfused way, whose per-position
     * steps and quantization run on the workers already.
     */
    private boolean fusesFfn(LayerWeights<WeightMatrix, float[]> L, int T) {
        if (!fuseFfn || T < 2 || T >= PARALLEL_POSITIONS) return false;
        if (!(L.gate() instanceof WeightMatrix.Native g) || !(L.up() instanceof WeightMatrix.Native u) || !(L.down() instanceof WeightMatrix.Native d)) return false;
        int hidden = g.rows();
        if (u.rows() != hidden || g.cols() != u.cols() || d.cols() != hidden || hidden % 32 != 0) return false;
        return !(T >= 8 && d.codec().type() != org.speclab.gguf.GgmlType.F16 && d.packedRows() < d.rows());
    }

    /** Whether passes run the attention block fused where they can ({@link #fusesAttention}); tests turn it off to compare. */
    static volatile boolean fuseAttention = true;

    /**
     * Whether layer L's attention block runs fused for a call of T positions: short calls (decode, verify) whose q, k,
     * v and output matrices are all on the native kernels, with heads of whole groups of 16 rows, each key head's
     * query heads whole blocks of 32 values, and key heads that share out evenly among the threads (or many of them).
     * Not where the output matrix has rows on the row kernels and eight positions or more (see {@link #fusesFfn}).
     */
    private boolean fusesAttention(LayerWeights<WeightMatrix, float[]> L, int T) {
        if (!fuseAttention || T >= PARALLEL_POSITIONS) return false;
        if (!(L.wq() instanceof WeightMatrix.Native q) || !(L.wk() instanceof WeightMatrix.Native k) || !(L.wv() instanceof WeightMatrix.Native v)
                || !(L.wo() instanceof WeightMatrix.Native o)) return false;
        int hs = c.headDim(), kv = c.kvHeads(), group = c.heads() / kv, n = pool.size();
        if (hs % 16 != 0 || group * hs % 32 != 0 || c.heads() % kv != 0) return false;
        if (q.rows() != c.qDim() || k.rows() != c.kvDim() || v.rows() != c.kvDim() || o.cols() != c.qDim() || q.cols() != k.cols() || q.cols() != v.cols()) return false;
        if (n > 1 && kv % n != 0 && kv < 4 * n) return false;
        return !(T >= 8 && o.codec().type() != org.speclab.gguf.GgmlType.F16 && o.packedRows() < o.rows());
    }

    /** Per thread, the fused attention's scores and a float16 cache's widened keys or values ({@link Attention#queries}). */
    private static final ThreadLocal<float[][]> ATTENTION_SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Layer {@code layer}'s attention block, x = w.xb, into w.out: q, k and v, their biases, norms and RoPE, the cache,
     * attention and the output projection. Each piece takes one key head: its rows of q, k and v for every position,
     * then everything that key head's positions need, through attention to quantizing its query heads' outputs for
     * the output projection, so a head's values stay with the thread that computed them (unfused, q, k and v went back
     * to the calling thread for RoPE and the cache, out again for attention, and back to be quantized). Each value goes
     * through the same operations either way, so the bits are the same.
     */
    private void fusedAttention(LayerWeights<WeightMatrix, float[]> L, int layer, CpuKvCache cache, Workspace w, int T, int startPos) {
        WeightMatrix.Native wq = (WeightMatrix.Native) L.wq(), wk = (WeightMatrix.Native) L.wk(), wv = (WeightMatrix.Native) L.wv(), wo = (WeightMatrix.Native) L.wo();
        int hs = c.headDim(), kvHeads = c.kvHeads(), group = c.heads() / kvHeads, qDim = c.qDim(), kvDim = c.kvDim();
        QuantizedActivations a = w.acts, h = w.heads;
        org.speclab.gguf.GgmlType f16 = org.speclab.gguf.GgmlType.F16;
        boolean quantizeIn = wq.codec().type() != f16 || wk.codec().type() != f16 || wv.codec().type() != f16;
        boolean rowKernels = wq.packedRows() < wq.rows() || wk.packedRows() < wk.rows() || wv.packedRows() < wv.rows();
        a.prepare(wq.kernels(), w.xb, T, wq.cols(), quantizeIn, pool, rowKernels);
        h.begin(wo.kernels(), T, qDim, wo.codec().type() != f16);
        java.lang.foreign.MemorySegment o = a.out((long) T * (qDim + 2L * kvDim)), qs = o, ks = o.asSlice(4L * T * qDim), vs = o.asSlice(4L * T * (qDim + kvDim));
        java.lang.foreign.MemorySegment values = h.values();
        var F32 = java.lang.foreign.ValueLayout.JAVA_FLOAT;
        int window = c.windowed(layer) ? c.slidingWindow() : 0, run = Attention.run(group, hs);
        int B = CpuKvCache.BLOCK, chunk = cache.half() || T > 1 ? SPAN_CHUNK : (startPos + T + B - 1) / B * B;
        IntConsumer piece = g -> {
            int q0 = g * group * hs, q1 = q0 + group * hs, k0 = g * hs, k1 = k0 + hs;
            a.multiply(wq, q0, q1, T, qs);
            a.multiply(wk, k0, k1, T, ks);
            a.multiply(wv, k0, k1, T, vs);
            for (int t = 0; t < T; t++) {
                float[] q = w.q[t], k = w.k[t], v = w.v[t];
                java.lang.foreign.MemorySegment.copy(qs, F32, 4L * ((long) t * qDim + q0), q, q0, q1 - q0);
                java.lang.foreign.MemorySegment.copy(ks, F32, 4L * ((long) t * kvDim + k0), k, k0, hs);
                java.lang.foreign.MemorySegment.copy(vs, F32, 4L * ((long) t * kvDim + k0), v, k0, hs);
                if (L.bq() != null) {
                    add(q, L.bq(), q0, q1);
                    add(k, L.bk(), k0, k1);
                    add(v, L.bv(), k0, k1);
                }
                if (L.qNorm() != null) {
                    headNorm(q, g * group, (g + 1) * group, L.qNorm());
                    headNorm(k, g, g + 1, L.kNorm());
                }
                RopeRotation.rotate(q, g * group, (g + 1) * group, hs, ropeFreqCount(), neox(), w.cos, w.sin, t);
                RopeRotation.rotate(k, g, g + 1, hs, ropeFreqCount(), neox(), w.cos, w.sin, t);
                cache.put(layer, startPos + t, g, k, v);
            }
            float[][] scratch = ATTENTION_SCRATCH.get();
            int scores = Attention.queriesScoresBuffer(SPAN_QUERIES, run, startPos + T - 1);
            if (scratch[0].length < scores) scratch[0] = new float[scores];
            if (cache.half() && scratch[1].length < SPAN_CHUNK * hs) scratch[1] = new float[SPAN_CHUNK * hs];
            for (int t0 = 0; t0 < T; t0 += SPAN_QUERIES) {
                for (int j0 = 0; j0 < group; j0 += run) {
                    Attention.queries(cache, layer, w.q, startPos, t0, Math.min(T, t0 + SPAN_QUERIES), w.att, scratch[0], scratch[1], chunk, g, j0,
                            Math.min(group, j0 + run), hs, group, c.attentionScale(), c.attentionSoftcap(), window);
                }
            }
            for (int t = 0; t < T; t++) java.lang.foreign.MemorySegment.copy(w.att[t], q0, values, F32, 4L * ((long) t * qDim + q0), q1 - q0);
            h.quantizeBlocks(q0 / 32, q1 / 32);
        };
        if (pool.size() == 1 || (long) T * (qDim + 2L * kvDim) * wq.cols() < PARALLEL_WORK) {
            for (int g = 0; g < kvHeads; g++) piece.accept(g);
        } else {
            pool.runPieces(kvHeads, piece);
        }
        products(h, new WeightMatrix.Native[] {wo}, new float[][][] {w.out}, T);
    }

    /** Whether a call of T positions runs the first layer's FFN fused (tests). */
    boolean fusesFfn(int T) { return fusesFfn(layers[0], T); }

    /** Whether a call of T positions runs the first layer's attention block fused (tests). */
    boolean fusesAttention(int T) { return fusesAttention(layers[0], T); }

    /**
     * The FFN of layer L, x = w.xb, into w.out: out = down · act(gate · x) ⊙ (up · x). Each piece takes a range of the
     * hidden rows, multiplies its rows of gate and up, applies the activation to its range of every position and
     * quantizes it for the down projection, so the hidden values stay with the thread that computed them: unfused,
     * both products' results (two floats per hidden row and position) went back to the calling thread, which applied
     * the activation and quantized alone, and the other thread read the quantized copy again. The values and their
     * bytes are the same either way (the same operations on each element, the same quantization of each block).
     */
    private void fusedFfn(LayerWeights<WeightMatrix, float[]> L, Workspace w, int T) {
        WeightMatrix.Native gate = (WeightMatrix.Native) L.gate(), up = (WeightMatrix.Native) L.up(), down = (WeightMatrix.Native) L.down();
        int hidden = gate.rows();
        QuantizedActivations a = w.acts, h = w.hidden;
        boolean quantizeIn = gate.codec().type() != org.speclab.gguf.GgmlType.F16 || up.codec().type() != org.speclab.gguf.GgmlType.F16;
        a.prepare(gate.kernels(), w.xb, T, gate.cols(), quantizeIn, pool, gate.packedRows() < hidden || up.packedRows() < hidden);
        h.begin(down.kernels(), T, hidden, down.codec().type() != org.speclab.gguf.GgmlType.F16);
        java.lang.foreign.MemorySegment o = a.out(2L * T * hidden), gates = o, ups = o.asSlice(4L * T * hidden), values = h.values();
        boolean silu = c.arch().activation() == Architecture.Activation.SILU;
        int n = pool.size() == 1 || 2L * hidden * gate.cols() * T < PARALLEL_WORK ? 1 : pool.size();
        // whole blocks of 32 (each piece quantizes its own), whole groups of 16 rows (the packed kernels' unit)
        int chunk = n == 1 ? hidden : Math.max(32, (hidden / (8 * n) + 31) / 32 * 32);
        pool.runPieces((hidden + chunk - 1) / chunk, piece -> {
            int r0 = piece * chunk, r1 = Math.min(hidden, r0 + chunk);
            a.multiply(gate, r0, r1, T, gates);
            a.multiply(up, r0, r1, T, ups);
            for (int t = 0; t < T; t++) {
                long at = (long) t * hidden;
                if (silu) swiglu(gates, ups, values, at + r0, at + r1);
                else for (long i = at + r0; i < at + r1; i++) values.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, gelu(gates.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i), ups.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)));
            }
            h.quantizeBlocks(r0 / 32, r1 / 32);
        });
        products(h, new WeightMatrix.Native[] {down}, new float[][][] {w.out}, T);
    }

    /** {@link #swiglu} of floats [from, to) of off-heap g and u into out: per element the same operations, so the same bits. */
    static void swiglu(java.lang.foreign.MemorySegment g, java.lang.foreign.MemorySegment u, java.lang.foreign.MemorySegment out, long from, long to) {
        var F = VectorDot.F;
        var order = java.nio.ByteOrder.nativeOrder();
        long i = from;
        for (; i + F.length() <= to; i += F.length()) {
            jdk.incubator.vector.FloatVector v = jdk.incubator.vector.FloatVector.fromMemorySegment(F, g, 4 * i, order);
            jdk.incubator.vector.FloatVector one = v.broadcast(1f);
            v.mul(one.div(one.add(FastExp.exp(v.neg())))).mul(jdk.incubator.vector.FloatVector.fromMemorySegment(F, u, 4 * i, order)).intoMemorySegment(out, 4 * i, order);
        }
        for (; i < to; i++) {
            float x = g.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            out.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, x * (1.0f / (1.0f + FastExp.exp(-x))) * u.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i));
        }
    }

    private static void add(float[] x, float[] d) {
        for (int i = 0; i < x.length; i++) x[i] += d[i];
    }

    /** x[i] += d[i] for from ≤ i &lt; to. */
    private static void add(float[] x, float[] d, int from, int to) {
        for (int i = from; i < to; i++) x[i] += d[i];
    }

    /** out[t][r] = W[r] · x[t] for t < T: rows split across workers, each row read once for all t. */
    private void matmul(WeightMatrix w, float[][] x, float[][] out, int T) {
        if (w instanceof WeightMatrix.Native nw) {
            nativeMatmul(new WeightMatrix.Native[] {nw}, x, new float[][][] {out}, T);
            return;
        }
        int rows = w.rows();
        if (pool.size() == 1 || (long) rows * w.cols() * T < PARALLEL_WORK) {
            matmulRows(w, x, out, T, 0, rows);
            return;
        }
        // a few pieces per thread, so that a worker the OS starts late still takes its share
        int n = Math.min(rows, 4 * pool.size());
        pool.runPieces(n, i -> matmulRows(w, x, out, T, (int) ((long) rows * i / n), (int) ((long) rows * (i + 1) / n)));
    }

    /**
     * Products of several matrices with the same input (q, k, v; gate, up): on the native kernels one
     * quantization of the input and one hand-out of all their rows; elsewhere one product after another.
     */
    private void matmuls(WeightMatrix[] mats, float[][] x, float[][][] outs, int T) {
        boolean allNative = true;
        for (WeightMatrix w : mats) allNative &= w instanceof WeightMatrix.Native;
        if (!allNative) {
            for (int i = 0; i < mats.length; i++) matmul(mats[i], x, outs[i], T);
            return;
        }
        WeightMatrix.Native[] natives = new WeightMatrix.Native[mats.length];
        for (int i = 0; i < mats.length; i++) natives[i] = (WeightMatrix.Native) mats[i];
        nativeMatmul(natives, x, outs, T);
    }

    /**
     * The native integer kernels: the T activation vectors quantized once, then the rows of every
     * matrix handed out in chunks to whichever thread is free (a worker the OS delays does not hold up
     * the rest); each row is still computed whole by one thread, times every position in one call.
     */
    private void nativeMatmul(WeightMatrix.Native[] mats, float[][] x, float[][][] outs, int T) {
        QuantizedActivations a = ws.acts;
        boolean quantize = false;
        boolean rowKernels = false; // rows off the packed kernels (unpacked types, a last part group)
        for (WeightMatrix.Native w : mats) {
            quantize |= w.codec().type() != org.speclab.gguf.GgmlType.F16;
            rowKernels |= w.packedRows() < w.rows();
        }
        a.prepare(mats[0].kernels(), x, T, mats[0].cols(), quantize, pool, rowKernels);
        products(a, mats, outs, T);
    }

    /** {@link #nativeMatmul}'s products, of activations {@code a} already prepared. */
    private void products(QuantizedActivations a, WeightMatrix.Native[] mats, float[][][] outs, int T) {
        int m = mats.length;
        int[] start = new int[m + 1];
        long work = 0;
        for (int i = 0; i < m; i++) {
            start[i + 1] = start[i] + mats[i].rows();
            work += (long) mats[i].rows() * mats[i].cols() * T;
        }
        int total = start[m];
        java.lang.foreign.MemorySegment o = a.out((long) T * total);
        int n = pool.size() == 1 || work < PARALLEL_WORK ? 1 : pool.size();
        // whole groups of 16 rows, the packed kernels' unit (a group split between chunks would be computed twice)
        int chunk = n == 1 ? total : Math.max(16, (total / (8 * n) + 15) / 16 * 16);
        IntConsumer piece = c -> {
            int from = c * chunk, to = Math.min(total, from + chunk);
            // the chunk may span matrices: each part goes to its own matrix's rows
            for (int k = 0; k < m; k++) {
                int lo = Math.max(from, start[k]), hi = Math.min(to, start[k + 1]);
                if (lo >= hi) continue;
                WeightMatrix.Native w = mats[k];
                int r0 = lo - start[k], r1 = hi - start[k];
                java.lang.foreign.MemorySegment part = o.asSlice(4L * T * start[k]);
                a.multiply(w, r0, r1, T, part);
                for (int t = 0; t < T; t++) {
                    java.lang.foreign.MemorySegment.copy(part, java.lang.foreign.ValueLayout.JAVA_FLOAT, 4L * ((long) t * w.rows() + r0), outs[k][t], r0, r1 - r0);
                }
            }
        };
        pool.runPieces((total + chunk - 1) / chunk, piece);
    }

    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * One position: the fused kernel. Several: the batched kernel forms each weight vector once per
     * group of positions (a last lone position takes the fused kernel, which gives the same bits,
     * rather than a group's worth of wasted work); long batches of types whose weights are dear to form (F16), and
     * types without a batched kernel, dequantize each row once into a buffer and multiply it with
     * every position's vector — the same weights in the same lanes, so the same bits.
     */
    static void matmulRows(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        if (T == 1) {
            for (int r = from; r < to; r++) out[0][r] = w.dot(r, x[0]);
        } else if (w.batchable() && T < w.dequantizeOnceFrom()) {
            batchedPath(w, x, out, T, from, to);
        } else {
            dequantizedPath(w, x, out, T, from, to);
        }
    }

    /** Short batches (verify): the kernels form each weight once per group of four (or five) positions. */
    private static void batchedPath(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        int group = w.batchGroup();
        int whole = T % group == 1 ? T - 1 : T;
        for (int r = from; r < to; r++) {
            w.dotBatch(r, x, whole, out);
            if (whole < T) out[T - 1][r] = w.dot(r, x[T - 1]);
        }
    }

    /** Long batches (prefill) and types without batched kernels: each row dequantized once for all positions. */
    private static void dequantizedPath(WeightMatrix w, float[][] x, float[][] out, int T, int from, int to) {
        float[][] holder = ROW.get();
        if (holder[0].length < w.cols()) holder[0] = new float[w.cols()];
        if (holder[1].length < w.cols()) holder[1] = new float[w.cols()];
        float[] row = holder[0], next = holder[1];
        int r = from;
        if (w.cols() % VectorDot.LANES == 0) {
            for (; r + 1 < to; r += 2) { // rows in pairs: each activation vector loaded serves two rows
                w.row(r, row);
                w.row(r + 1, next);
                VectorDot.denseBatch2(row, next, x, T, w.cols(), out, r);
            }
            if (r < to) {
                w.row(r, row);
                VectorDot.denseBatch(row, x, T, w.cols(), out, r);
            }
            return;
        }
        for (; r < to; r++) {
            w.row(r, row);
            for (int t = 0; t < T; t++) out[t][r] = VectorDot.dense(row, x[t], 0, w.cols());
        }
    }

    @Override
    public synchronized void close() {
        if (ownsPool) pool.close();
        if (packed != null && packed.scope().isAlive()) packed.close();
    }
}
