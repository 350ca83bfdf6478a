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
    static final long PARALLEL_WORK = 1 << 17;

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
    /** Short passes' attention and FFN blocks, each key head or range of hidden rows kept on one thread. */
    private final FusedBlocks fused = new FusedBlocks(this);

    /** Activations for up to {@code batch} positions and attention over up to {@code positions}. */
    final class Workspace {
        final int batch, positions;
        final float[][] x, xb, q, k, v, att, hb, hb2, out;
        /** Per worker, made on first use: Attention.queries's scores, and a float16 cache's widened keys or values. */
        final float[][] spanScores, widened;
        /** The RoPE angles of each position, laid out for the model's pair style (RopeRotation). */
        final float[] cos, sin;
        final QuantizedActivations acts = new QuantizedActivations();
        /** The down projection's input where the FFN runs fused ({@link FusedBlocks#ffn}): written and quantized by the threads of the gate and up products. */
        final QuantizedActivations hidden = new QuantizedActivations();
        /** The output projection's input where the attention block runs fused ({@link FusedBlocks#attention}). */
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
        this.packed = kernels == null ? null : new PackedArena(kernels);
        try {
            // where the classifier is a matrix of its own, the embedding is only read a row at a time: no packed copy
            // (it was one: 17.6 of the 200M Q4_K_M model's 122.6 MiB of packed weights)
            tokenEmbedding = c.tiedClassifier() ? matrix(file.tensor("token_embd.weight")) : WeightMatrix.of(file.tensor("token_embd.weight"), kernels, null);
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

    /**
     * Which kernels the weights run on: native integer kernels (and their instruction set) or the Java ones, and where
     * this model has packed F16 rows on AVX-512, which ways of F16 prefill and of nine-position passes this core took.
     */
    @Override
    public String kernels() {
        if (kernels == null) { // and why, where the native ones are not there to choose (status: "Java Vector API kernels (why)")
            String why = NativeKernels.get() == null ? NativeKernels.status().replaceFirst("^Java Vector API kernels", "") : "";
            return "Java Vector API " + VectorDot.bits() + "-bit kernels" + why;
        }
        String way = hasPackedF16() ? kernels.f16PrefillWay() : null;
        return "native " + kernels.instructionSet() + " kernels (" + NativeKernels.typeList(t -> NativeKernels.handles(t, 256)) + "), Java Vector API "
                + VectorDot.bits() + "-bit (" + NativeKernels.typeList(t -> !NativeKernels.handles(t, 256)) + ")" + (way == null ? "" : "; F16: prefill " + way);
    }

    /** Bytes of packed weight copies this model made (0 on the Java kernels or for an early-exit view, which shares its model's). */
    long packedBytes() { return packed instanceof PackedArena a ? a.placed() : 0; }

    @Override
    public String weightPages() { return packed instanceof PackedArena a && a.placed() > 0 ? a.pages() : null; }

    /** Whether any matrix of this model (the classifier included) has rows repacked for the native F16 kernels. */
    private boolean hasPackedF16() {
        java.util.function.Predicate<WeightMatrix> f16 = m -> m instanceof WeightMatrix.Native n && n.codec().type() == org.speclab.gguf.GgmlType.F16 && n.packedRows() > 0;
        if (f16.test(classifier)) return true;
        for (var l : layers) for (WeightMatrix m : l.matrices()) if (f16.test(m)) return true;
        return false;
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
            if (fused.fusesAttention(L, T)) {
                fused.attention(L, layer, cache, w, T, startPos);
            } else {
                matmuls(new WeightMatrix[] {L.wq(), L.wk(), L.wv()}, w.xb, new float[][][] {w.q, w.k, w.v}, T);
                eachPosition(T, t -> keyHeads(L, w, cache, layer, startPos, t, 0, c.kvHeads()));
                attention(cache, l, w, T, startPos);
                matmul(L.wo(), w.att, w.out, T);
            }
            if (L.postAttnNorm() != null) rmsnorms(w.out, w.out, 0, T, L.postAttnNorm());
            eachPosition(T, t -> add(w.x[t], w.out[t]));
            rmsnorms(w.xb, w.x, 0, T, L.ffnNorm());
            if (fused.fusesFfn(L, T)) {
                fused.ffn(L, w, T);
            } else {
                matmuls(new WeightMatrix[] {L.gate(), L.up()}, w.xb, new float[][][] {w.hb, w.hb2}, T);
                eachPosition(T, t -> {
                    if (c.arch().activation() == Architecture.Activation.SILU) Activations.swiglu(w.hb[t], w.hb2[t], c.hiddenDim());
                    else Activations.geglu(w.hb[t], w.hb2[t], c.hiddenDim());
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
        if (c.finalSoftcap() > 0) for (int o = 0; o < outputs; o++) Activations.softcap(logits[o], 0, c.vocabSize(), c.finalSoftcap());
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

    private static void scale(float[] v, float s) {
        for (int i = 0; i < v.length; i++) v[i] *= s;
    }

    /** Qwen 3: an RMSNorm over each of heads h0 ≤ h &lt; h1's values, with one weight vector shared by the heads. */
    private void headNorm(float[] vec, int h0, int h1, float[] weight) {
        int hs = weight.length;
        for (int h = h0; h < h1; h++) {
            float ss = 0f;
            for (int j = 0; j < hs; j++) ss += vec[h * hs + j] * vec[h * hs + j];
            ss = 1f / (float) Math.sqrt(ss / hs + c.rmsEps());
            for (int j = 0; j < hs; j++) vec[h * hs + j] = weight[j] * (ss * vec[h * hs + j]);
        }
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
     * Key heads g0 ≤ g &lt; g1 of position t and their query heads, as the q, k and v products left them: the biases,
     * the per-head norms and RoPE (each head's first ropeDim values in pairs: consecutive ones (2i, 2i+1), or for the NEOX
     * style value i with value i + ropeDim/2), then the key and value into the cache. Each head the same bits whichever
     * heads a call takes together.
     */
    void keyHeads(LayerWeights<WeightMatrix, float[]> L, Workspace w, CpuKvCache cache, int layer, int startPos, int t, int g0, int g1) {
        int hs = c.headDim(), group = c.heads() / c.kvHeads();
        float[] q = w.q[t], k = w.k[t], v = w.v[t];
        if (L.bq() != null) {
            add(q, L.bq(), g0 * group * hs, g1 * group * hs);
            add(k, L.bk(), g0 * hs, g1 * hs);
            add(v, L.bv(), g0 * hs, g1 * hs);
        }
        if (L.qNorm() != null) {
            headNorm(q, g0 * group, g1 * group, L.qNorm());
            headNorm(k, g0, g1, L.kNorm());
        }
        RopeRotation.rotate(q, g0 * group, g1 * group, hs, ropeFreqCount(), neox(), w.cos, w.sin, t);
        RopeRotation.rotate(k, g0, g1, hs, ropeFreqCount(), neox(), w.cos, w.sin, t);
        for (int g = g0; g < g1; g++) cache.put(layer, startPos + t, g, k, v);
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
        int chunk = attentionChunk(cache, T, startPos);
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

    /** Positions of keys and values a pass reads at a time (Attention.queries): one position over a float32 cache has nothing to share a chunk with, so the whole range. */
    static int attentionChunk(CpuKvCache cache, int T, int startPos) {
        int B = CpuKvCache.BLOCK;
        return cache.half() || T > 1 ? SPAN_CHUNK : (startPos + T + B - 1) / B * B;
    }

    /** Whether a call of T positions runs the first layer's FFN fused (tests). */
    boolean fusesFfn(int T) { return fused.fusesFfn(layers[0], T); }

    /** Whether a call of T positions runs the first layer's attention block fused (tests). */
    boolean fusesAttention(int T) { return fused.fusesAttention(layers[0], T); }

    WorkerPool pool() { return pool; }

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
            JavaRowProducts.matmulRows(w, x, out, T, 0, rows);
            return;
        }
        // a few pieces per thread, so that a worker the OS starts late still takes its share
        int n = Math.min(rows, 4 * pool.size());
        pool.runPieces(n, i -> JavaRowProducts.matmulRows(w, x, out, T, (int) ((long) rows * i / n), (int) ((long) rows * (i + 1) / n)));
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
        products(input(mats, x, T), mats, outs, T);
    }

    /**
     * The workspace's activations holding x[0 .. T) for products of {@code mats} (all as wide), quantized where any of
     * them takes quantized ones, with the transposed copy where any has rows off the packed kernels (unpacked types, a
     * last part group).
     */
    QuantizedActivations input(WeightMatrix.Native[] mats, float[][] x, int T) {
        boolean quantize = false, rowKernels = false;
        for (WeightMatrix.Native w : mats) {
            quantize |= w.codec().type() != org.speclab.gguf.GgmlType.F16;
            rowKernels |= w.packedRows() < w.rows();
        }
        ws.acts.prepare(mats[0].kernels(), x, T, mats[0].cols(), quantize, pool, rowKernels, QuantizedActivations.span(mats));
        return ws.acts;
    }

    /**
     * Rows per piece of a product of {@code total} rows on {@code threads} threads for {@code T} positions, in whole
     * units of {@code unit} rows; all of them on one thread. About eight pieces a thread for decode steps and long
     * batches, so a worker the OS delays does not hold up the rest; four for verify passes (2 .. PARALLEL_POSITIONS), where
     * each piece's call and copies cost more than the finer balance saved (a 200M Q4_0 model, two threads, passes
     * alternating in one process: nine positions 1.8-2.3% faster, five 2.9%; one position 2.3% slower with four, so
     * decode keeps eight; 64 positions 1.5% slower with four; measured).
     */
    static int chunkRows(int total, int threads, int unit, int T) {
        int perThread = T >= 2 && T < PARALLEL_POSITIONS ? 4 : 8;
        return threads == 1 ? total : Math.max(unit, (total / (perThread * threads) + unit - 1) / unit * unit);
    }

    /** {@link #nativeMatmul}'s products, of activations {@code a} already prepared. */
    void products(QuantizedActivations a, WeightMatrix.Native[] mats, float[][][] outs, int T) {
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
        int chunk = chunkRows(total, n, 16, T);
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

    @Override
    public synchronized void close() {
        if (ownsPool) pool.close();
        if (packed != null && packed.scope().isAlive()) packed.close();
    }
}
