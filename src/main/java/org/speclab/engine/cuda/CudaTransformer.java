package org.speclab.engine.cuda;

import java.util.Arrays;
import org.speclab.engine.Candidates;
import org.speclab.engine.EngineException;
import org.speclab.engine.KvCache;
import org.speclab.engine.LayerWeights;
import org.speclab.engine.Transformer;
import org.speclab.model.Architecture;
import org.speclab.model.ModelConfig;
import org.speclab.model.Rope;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.BlockCodec;

/**
 * The Llama forward pass on a CUDA device, step for step the CPU engine's (embedding; per layer
 * RMSNorm → Q, K, V → RoPE → cache → attention → output projection → residual; RMSNorm → SwiGLU
 * → residual; final norm and classifier), each step one kernel of native/kernels.cu over all T
 * positions. Matrix kernels serve up to 16 positions per weight read and compute each output the
 * same way whatever T is, so a position's logits are bit-identical alone or in a verify batch.
 */
public final class CudaTransformer implements Transformer, org.speclab.engine.DeviceGauges {
    /** Positions one matrix or attention launch serves (MAX_T in kernels.cu). */
    static final int MAX_T = 16;
    private static final int MM_ROWS = 4, MM_THREADS = 128, BLOCK = 256, ELEMENTWISE = 256;

    private final Gpu gpu;
    private final boolean ownsGpu;
    private final DevicePool pool;
    private final DeviceWeights weights;
    private final ModelConfig c;
    private final DeviceWeights.Matrix embedding, classifier;
    private final long outputNorm;
    private final LayerWeights<DeviceWeights.Matrix, Long>[] layers;
    private final Rope rope;
    private final long weightBytes;
    private Workspace ws;
    /** Logits of up to {@code logitRows} positions (prefill asks for one, verify for k+1). */
    private long logits;
    private int logitRows;
    private float lastStepMillis = Float.NaN;
    /** Device buffers of forwardTopK: ids and values for topKCapacity candidates, and a count for each of topKRows rows. */
    private long topKIds, topKValues, topKCounts;
    private int topKCapacity, topKRows;
    private boolean closed;

    CudaTransformer(Gpu gpu, ModelFile file, DeviceWeights.Progress progress) {
        this.gpu = gpu;
        this.ownsGpu = true;
        this.c = ModelConfig.from(file);
        this.pool = new DevicePool(gpu);
        this.weights = new DeviceWeights(gpu, file, progress);
        try {
            embedding = weights.matrix("token_embd.weight");
            classifier = c.tiedClassifier() ? embedding : weights.matrix("output.weight");
            outputNorm = weights.vector("output_norm.weight");
            layers = newLayers(c.layers());
            LayerWeights.Source<DeviceWeights.Matrix, Long> source = new LayerWeights.Source<>() {
                @Override
                public DeviceWeights.Matrix matrix(String tensor) { return weights.matrix(tensor); }

                @Override
                public DeviceWeights.Matrix rows(String tensor, String name, int from, int count) { return weights.matrix(tensor).rows(name, from, count); }

                @Override
                public Long vector(String tensor) { return weights.vector(tensor); }
            };
            for (int l = 0; l < c.layers(); l++) layers[l] = LayerWeights.load(c, l, source);
            rope = Rope.of(file, c);
        } catch (RuntimeException | Error e) {
            // a model refused after its upload must not keep gigabytes of device memory
            weights.close();
            pool.close();
            throw e;
        }
        weightBytes = file.weightBytes();
    }

    @SuppressWarnings("unchecked")
    private static LayerWeights<DeviceWeights.Matrix, Long>[] newLayers(int n) { return new LayerWeights[n]; }

    /** A view running the first {@code keep} layers of {@code full}, sharing its device weights. */
    private CudaTransformer(CudaTransformer full, int keep) {
        this.gpu = full.gpu;
        this.ownsGpu = false;
        ModelConfig f = full.c;
        this.c = f.withLayers(keep);
        this.pool = new DevicePool(gpu);
        this.weights = null;
        this.embedding = full.embedding;
        this.classifier = full.classifier;
        this.outputNorm = full.outputNorm;
        this.layers = Arrays.copyOf(full.layers, keep);
        this.rope = full.rope;
        long bytes = embedding.byteSize() + (c.tiedClassifier() ? 0 : classifier.byteSize());
        for (var l : layers) for (DeviceWeights.Matrix m : l.matrices()) bytes += m.byteSize();
        this.weightBytes = bytes;
    }

    @Override
    public Transformer earlyExit(int keep) {
        Transformer.checkEarlyExit(c, keep);
        return new CudaTransformer(this, keep);
    }

    @Override
    public ModelConfig config() { return c; }

    @Override
    public synchronized KvCache newCache(int capacity) {
        // its buffer returns to the pool when the cache is dropped, and is freed with the pool on close
        return new CudaKvCache(pool, c.layers(), c.kvDim(), capacity);
    }

    @Override
    public org.speclab.engine.DeviceGauges gauges() { return this; }

    @Override
    public long weightBytes() { return weightBytes; }

    @Override
    public String device() { return gpu.name(); }

    /** Device time of the last forward pass in milliseconds, from CUDA events. */
    @Override
    public synchronized float lastStepMillis() { return lastStepMillis; }

    /** {free, total} bytes of device memory now. */
    @Override
    public long[] memoryInfo() { return gpu.memoryInfo(); }

    /** One line on long prompts: whether cuBLAS multiplies them, or why the kernels do. */
    @Override
    public String longPromptPath() {
        if (gpu.hasGemm()) return "Prompts of " + gemmFrom + "+ positions: cuBLAS";
        String why = gpu instanceof JCudaGpu j ? j.gemmMissing() : null;
        return "Prompts of " + gemmFrom + "+ positions: SpecLab's kernels (no cuBLAS" + (why != null ? ": " + why : "") + ")";
    }

    /** The device's measured copy bandwidth in GB/s (measured once per device and process). */
    @Override
    public double copyBandwidthGBs() { return gpu.copyBandwidthGBs(); }

    /**
     * Device buffers of up to {@code batch} positions, attention scores and the rotary table for up
     * to {@code positions}.
     */
    private final class Workspace {
        final int batch, positions, ropePositions;
        /** The frequencies the rotary table was made from (Phi-3: long or short, by the cache's context). */
        final float[] ropeFreq;
        final long x, xb, q, k, v, att, hb, hb2, out, tokens, argmax, scores, cos, sin;
        private final long[] all;

        Workspace(int batch, int positions, float[] ropeFreq) {
            this.ropeFreq = ropeFreq;
            this.batch = batch;
            this.positions = positions;
            this.ropePositions = positions;
            long d = 4L * batch;
            x = pool.take(d * c.dim(), "activations");
            xb = pool.take(d * c.dim(), "activations");
            out = pool.take(d * c.dim(), "activations");
            q = pool.take(d * c.qDim(), "activations");
            att = pool.take(d * c.qDim(), "activations");
            k = pool.take(d * c.kvDim(), "activations");
            v = pool.take(d * c.kvDim(), "activations");
            hb = pool.take(d * c.hiddenDim(), "activations");
            hb2 = pool.take(d * c.hiddenDim(), "activations");
            tokens = pool.take(4L * (batch + 1), "tokens"); // the tokens, then the call's first position
            argmax = pool.take(d, "tokens");
            scores = pool.take(4L * MAX_T * c.heads() * positions, "attention scores");
            int n = c.ropeDim() / 2;
            cos = pool.take(4L * positions * n, "rotary table");
            sin = pool.take(4L * positions * n, "rotary table");
            float[] cs = new float[positions * n], sn = new float[positions * n];
            for (int p = 0; p < positions; p++) {
                float scaled = p / c.ropeScale(), m = rope.attentionFactor();
                for (int i = 0; i < n; i++) {
                    float val = scaled * ropeFreq[i];
                    cs[p * n + i] = (float) Math.cos(val) * m;
                    sn[p * n + i] = (float) Math.sin(val) * m;
                }
            }
            gpu.upload(cos, cs, cs.length);
            gpu.upload(sin, sn, sn.length);
            all = new long[] {x, xb, out, q, att, k, v, hb, hb2, tokens, argmax, scores, cos, sin};
        }

        void free() {
            for (long a : all) pool.give(a);
        }
    }

    private Workspace workspace(int T, int positions, float[] ropeFreq) {
        if (ws == null || ws.batch < T || ws.positions < positions || ws.ropeFreq != ropeFreq) {
            int batch = Math.max(T, ws == null ? 1 : ws.batch);
            int pos = Math.max(positions, ws == null ? 256 : ws.positions < positions ? 2 * ws.positions : ws.positions);
            if (ws != null) ws.free();
            ws = null;
            ws = new Workspace(batch, pos, ropeFreq);
        }
        return ws;
    }

    @Override
    public synchronized float[][] forward(KvCache kv, int[] tokens, int startPos, int outputs) {
        long logits = run(kv, tokens, startPos, outputs);
        float[][] result = new float[outputs][c.vocabSize()];
        for (int o = 0; o < outputs; o++) gpu.download(result[o], 0, logits + 4L * o * c.vocabSize(), c.vocabSize());
        return result;
    }

    /** The forward pass, with the argmax of each output's logits taken on the device (greedy decoding reads back ints, not logits). */
    @Override
    public synchronized int[] forwardArgmax(KvCache kv, int[] tokens, int startPos, int outputs) {
        long logits = run(kv, tokens, startPos, outputs);
        int[] ids = new int[outputs];
        if (outputs == 0) return ids;
        gpu.launch("argmax", outputs, 1, BLOCK, logits, c.vocabSize(), ws.argmax);
        gpu.download(ids, ws.argmax, outputs);
        return ids;
    }

    /**
     * The forward pass, with each output's top-k candidates selected on the device: the host reads
     * back about k ids and values per position instead of the vocabulary's logits. A row whose ties
     * at the k-th value overflow the buffer is read whole and selected on the host, the same way.
     */
    @Override
    public synchronized Candidates[] forwardTopK(KvCache kv, int[] tokens, int startPos, int outputs, float temperature, int topK) {
        int vocab = c.vocabSize();
        if (topK < 1 || topK > vocab) throw new IllegalArgumentException("top-k " + topK + " not in 1.." + vocab);
        if (!(temperature > 0)) throw new IllegalArgumentException("top-k candidates need a temperature > 0, found " + temperature);
        long logits = run(kv, tokens, startPos, outputs);
        Candidates[] result = new Candidates[outputs];
        if (outputs == 0) return result;
        int cap = topK + Math.max(topK, 64); // room for ties at the k-th value
        if (outputs * cap > topKCapacity || outputs > topKRows) {
            int capacity = Math.max(outputs * cap, topKCapacity), rows = Math.max(outputs, topKRows);
            if (topKCapacity > 0) {
                pool.give(topKIds);
                pool.give(topKValues);
                pool.give(topKCounts);
            }
            topKCapacity = 0;
            topKRows = 0;
            topKIds = pool.take(4L * capacity, "top-k candidates");
            topKValues = pool.take(4L * capacity, "top-k candidates");
            topKCounts = pool.take(4L * rows, "top-k candidates");
            topKCapacity = capacity;
            topKRows = rows;
        }
        gpu.launch("topk", outputs, 1, BLOCK, logits, vocab, temperature, topK, cap, topKIds, topKValues, topKCounts);
        int[] counts = new int[outputs], ids = new int[outputs * cap];
        float[] values = new float[outputs * cap];
        gpu.download(counts, topKCounts, outputs);
        gpu.download(ids, topKIds, outputs * cap);
        gpu.download(values, 0, topKValues, outputs * cap);
        for (int o = 0; o < outputs; o++) {
            if (counts[o] <= cap) {
                result[o] = new Candidates(vocab, Arrays.copyOfRange(ids, o * cap, o * cap + counts[o]), Arrays.copyOfRange(values, o * cap, o * cap + counts[o]));
            } else {
                float[] row = new float[vocab];
                gpu.download(row, 0, logits + 4L * o * vocab, vocab);
                result[o] = Candidates.of(row, temperature, topK);
            }
        }
        return result;
    }

    /**
     * Positions a launch takes at most: kernels put the positions on the grid's y dimension
     * (at most 65,535), and the workspace grows with them. Longer prompts go through in chunks.
     */
    static int chunk = 4096;

    /** Runs the layers and the classifier; returns the device address of {@code [outputs][vocab]} logits. */
    private long run(KvCache kv, int[] tokens, int startPos, int outputs) {
        int T = tokens.length, size = chunk;
        if (outputs > size && T > 65_535) {
            // all of it in one launch would pass the grid's y limit; no decoder asks for this many logits
            throw new IllegalArgumentException("a CUDA forward pass gives logits of at most " + size + " positions of a prompt this long, asked for " + outputs);
        }
        if (T <= size || outputs > size) return runChunk(kv, tokens, startPos, outputs);
        int lead = T - size; // all but the last chunk, whose positions hold the outputs
        for (int from = 0; from < lead; from += size) {
            int n = Math.min(size, lead - from);
            runChunk(kv, java.util.Arrays.copyOfRange(tokens, from, from + n), startPos + from, 0);
        }
        return runChunk(kv, java.util.Arrays.copyOfRange(tokens, lead, T), startPos + lead, outputs);
    }

    private long runChunk(KvCache kv, int[] tokens, int startPos, int outputs) {
        if (closed) throw new EngineException("the model on " + gpu.name() + " is closed");
        if (!(kv instanceof CudaKvCache cache)) throw new IllegalArgumentException("a CUDA model needs a cache from its own newCache");
        int T = tokens.length;
        Transformer.checkInput(c, tokens, outputs);
        cache.truncate(startPos);
        cache.ensureCapacity(startPos + T, gpu);
        Workspace w = workspace(T, Math.max(startPos + T, cache.capacity()), rope.frequencies(cache.context()));
        if (outputs > logitRows) {
            if (logitRows > 0) pool.give(logits);
            logitRows = 0;
            logits = pool.take(4L * outputs * c.vocabSize(), "logits");
            logitRows = outputs;
        }
        gpu.startTimer();
        int[] input = Arrays.copyOf(tokens, T + 1);
        input[T] = startPos;
        gpu.upload(w.tokens, input, T + 1);
        if (T == 1 && outputs == 1 && graphs) {
            decodeStep(cache, w);
        } else {
            layers(cache, w, T, outputs);
        }
        cache.setLength(startPos + T);
        lastStepMillis = gpu.stopTimer(); // also where a kernel's fault would surface
        return logits;
    }

    /** Whether decode steps replay a recorded CUDA graph (SPECLAB_CUDA_GRAPHS=0 turns it off). */
    private boolean graphs = !"0".equals(System.getenv("SPECLAB_CUDA_GRAPHS")) && !"false".equals(System.getProperty("speclab.cuda.graphs"));
    /** The recorded decode step and what it was recorded with: any change of buffers records anew. */
    private Object graph;
    private GraphKey graphKey;
    private int graphReplays;

    /**
     * What a recorded step bakes in: the cache's buffer (by address and capacity, not the cache
     * object, which the key must not keep alive: a finished generation's cache gives its device
     * memory back when it is dropped), the workspace and the logits buffer.
     */
    private record GraphKey(long keys, int capacity, Workspace ws, long logits) {}

    /**
     * One position, one output: the step's hundreds of launches, recorded once as a CUDA graph and
     * replayed with one call while the cache, the workspace and the logits buffer stay where they
     * are (the position is read from device memory, so the launches do not change from step to
     * step). Where graphs are not available the launches are made one by one.
     */
    private void decodeStep(CudaKvCache cache, Workspace w) {
        GraphKey key = new GraphKey(cache.keys(0), cache.capacity(), w, logits);
        if (graph == null || !key.equals(graphKey)) {
            if (graph != null) gpu.release(graph);
            graph = null;
            graphKey = null;
            try {
                graph = gpu.capture(() -> layers(cache, w, 1, 1));
            } catch (EngineException e) {
                System.getLogger(CudaTransformer.class.getName()).log(System.Logger.Level.WARNING, "CUDA graphs are off: " + e.getMessage());
            }
            if (graph == null) { // no graphs on this device, or the recording failed: the launches one by one still work
                graphs = false;
                layers(cache, w, 1, 1);
                return;
            }
            graphKey = key;
        }
        gpu.replay(graph);
        graphReplays++;
    }

    /** Decode steps that replayed a recorded graph (for tests and the bench). */
    public synchronized int graphReplays() { return graphReplays; }

    /** One line on decode steps: replayed as a recorded CUDA graph, or launched one by one. */
    @Override
    public synchronized String decodePath() {
        return graphs ? "Decode steps: a recorded CUDA graph, replayed " + graphReplays + " times so far"
                : "Decode steps: launched kernel by kernel (CUDA graphs off" + ("0".equals(System.getenv("SPECLAB_CUDA_GRAPHS")) ? ": SPECLAB_CUDA_GRAPHS=0)" : ")");
    }

    /** The launches of a forward pass over T positions whose tokens and first position are on the device. */
    private void layers(CudaKvCache cache, Workspace w, int T, int outputs) {
        long start = w.tokens + 4L * T;
        gpu.launch("embed_" + embedding.kernel(), ceil(embedding.cols() / embedding.unit(), MM_THREADS), T, MM_THREADS,
                embedding.address(), embedding.rowBytes(), embedding.cols(), w.tokens, w.x);
        if (c.arch().scaleEmbedding()) {
            long n = (long) T * c.dim();
            gpu.launch("scale", ceil(n, ELEMENTWISE), 1, ELEMENTWISE, w.x, (float) Math.sqrt(c.dim()), n);
        }
        int kvDim = c.kvDim();
        for (int l = 0; l < layers.length; l++) {
            LayerWeights<DeviceWeights.Matrix, Long> L = layers[l];
            gpu.launch("rmsnorm", T, 1, BLOCK, w.x, L.attnNorm(), w.xb, c.dim(), c.rmsEps());
            matmul(L.wq(), w.xb, w.q, T);
            matmul(L.wk(), w.xb, w.k, T);
            matmul(L.wv(), w.xb, w.v, T);
            if (L.bq() != null) {
                bias(w.q, L.bq(), T, c.qDim());
                bias(w.k, L.bk(), T, kvDim);
                bias(w.v, L.bv(), T, kvDim);
            }
            if (L.qNorm() != null) { // one norm per head: the heads of all positions as rows of headDim values, normed in place
                gpu.launch("rmsnorm", T * c.heads(), 1, BLOCK, w.q, L.qNorm(), w.q, c.headDim(), c.rmsEps());
                gpu.launch("rmsnorm", T * c.kvHeads(), 1, BLOCK, w.k, L.kNorm(), w.k, c.headDim(), c.rmsEps());
            }
            gpu.launch("rope", T, 1, 128, w.q, w.k, w.cos, w.sin, start, c.heads(), c.kvHeads(), c.headDim(), c.ropeDim(),
                    c.arch().rope() == Architecture.RopeStyle.NEOX ? 1 : 0);
            gpu.launch("kv_store", ceil((long) T * kvDim, ELEMENTWISE), 1, ELEMENTWISE, w.k, w.v, cache.keys(l), cache.values(l), start, T, kvDim);
            for (int t0 = 0; t0 < T; t0 += MAX_T) {
                int n = Math.min(MAX_T, T - t0);
                gpu.launch("attention", c.heads(), n, BLOCK, w.q + 4L * t0 * c.qDim(), cache.keys(l), cache.values(l), w.att + 4L * t0 * c.qDim(),
                        w.scores, start, t0, c.heads(), c.kvHeads(), c.headDim(), w.positions,
                        c.attentionScale(), c.attentionSoftcap(), c.windowed(l) ? c.slidingWindow() : 0);
            }
            matmul(L.wo(), w.att, w.out, T);
            if (L.postAttnNorm() != null) gpu.launch("rmsnorm", T, 1, BLOCK, w.out, L.postAttnNorm(), w.out, c.dim(), c.rmsEps());
            add(w.x, w.out, (long) T * c.dim());
            gpu.launch("rmsnorm", T, 1, BLOCK, w.x, L.ffnNorm(), w.xb, c.dim(), c.rmsEps());
            matmul(L.gate(), w.xb, w.hb, T);
            matmul(L.up(), w.xb, w.hb2, T);
            long n = (long) T * c.hiddenDim();
            gpu.launch(c.arch().activation() == Architecture.Activation.SILU ? "swiglu" : "geglu", ceil(n, ELEMENTWISE), 1, ELEMENTWISE, w.hb, w.hb2, n);
            matmul(L.down(), w.hb, w.out, T);
            if (L.postFfnNorm() != null) gpu.launch("rmsnorm", T, 1, BLOCK, w.out, L.postFfnNorm(), w.out, c.dim(), c.rmsEps());
            add(w.x, w.out, (long) T * c.dim());
        }
        if (outputs > 0) {
            gpu.launch("rmsnorm", outputs, 1, BLOCK, w.x + 4L * (T - outputs) * c.dim(), outputNorm, w.xb, c.dim(), c.rmsEps());
            matmul(classifier, w.xb, logits, outputs);
            if (c.finalSoftcap() > 0) {
                long n = (long) outputs * c.vocabSize();
                gpu.launch("softcap", ceil(n, ELEMENTWISE), 1, ELEMENTWISE, logits, c.finalSoftcap(), n);
            }
        }
    }

    private void bias(long x, long b, int T, int dim) {
        long n = (long) T * dim;
        gpu.launch("add_bias", ceil(n, ELEMENTWISE), 1, ELEMENTWISE, x, b, n, dim);
    }

    /**
     * Prompts of at least this many positions take cuBLAS where it loads. Below, the matrix kernels:
     * they read each weight once per 16 positions, while the cuBLAS path first writes the weights
     * out as float32 (for 4-bit weights, 8× their bytes) and so pays only on long prompts. Verify
     * batches (≤ 17 positions) never take it, so they stay batch-invariant.
     */
    static int gemmFrom = 128;
    /** Bytes of float32 rows the cuBLAS path dequantizes at a time. */
    static long gemmScratchBytes = 64L << 20;
    private long gemmScratch, gemmRowIds;
    private int gemmRows;

    /** y[t] = W · x[t] for all T positions, MAX_T per launch: each launch reads W once. */
    private void matmul(DeviceWeights.Matrix m, long x, long y, int T) {
        if (T >= gemmFrom && gpu.hasGemm()) {
            gemm(m, x, y, T);
            return;
        }
        for (int t0 = 0; t0 < T; t0 += MAX_T) {
            int n = Math.min(MAX_T, T - t0);
            gpu.launch("matmul_" + m.kernel(), ceil(m.rows(), MM_ROWS), 1, MM_THREADS,
                    m.address(), m.rowBytes(), m.rows(), m.cols(), x + 4L * t0 * m.cols(), y + 4L * t0 * m.rows(), n);
        }
    }

    /**
     * The long-prompt path: W dequantized to float32 a stretch of rows at a time (by the embedding
     * kernel, fed the row numbers as tokens), each stretch multiplied by cuBLAS into its columns of y.
     */
    private void gemm(DeviceWeights.Matrix m, long x, long y, int T) {
        int chunk = (int) Math.max(1, Math.min(Math.min(m.rows(), 65_535), gemmScratchBytes / (4L * m.cols())));
        if (gemmScratch == 0) {
            gemmScratch = pool.take(gemmScratchBytes, "cuBLAS weights");
        }
        if (chunk > gemmRows) {
            if (gemmRowIds != 0) pool.give(gemmRowIds);
            gemmRowIds = 0;
            int[] ids = new int[chunk];
            for (int i = 0; i < chunk; i++) ids[i] = i;
            gemmRowIds = pool.take(4L * chunk, "cuBLAS row numbers");
            gpu.upload(gemmRowIds, ids, chunk);
            gemmRows = chunk;
        }
        for (int r0 = 0; r0 < m.rows(); r0 += chunk) {
            int n = Math.min(chunk, m.rows() - r0);
            gpu.launch("embed_" + m.kernel(), ceil(m.cols() / m.unit(), MM_THREADS), n, MM_THREADS,
                    m.address() + r0 * m.rowBytes(), m.rowBytes(), m.cols(), gemmRowIds, gemmScratch);
            gpu.gemm(gemmScratch, n, m.cols(), x, T, y + 4L * r0, m.rows());
        }
    }

    private void add(long x, long d, long n) {
        gpu.launch("add", ceil(n, ELEMENTWISE), 1, ELEMENTWISE, x, d, n);
    }

    private static int ceil(long n, int d) { return Math.toIntExact((n + d - 1) / d); }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (graph != null) gpu.release(graph);
        graph = null;
        pool.close();
        ws = null;
        if (weights != null) weights.close();
        if (ownsGpu) gpu.close();
    }
}
