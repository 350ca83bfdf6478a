package org.speclab.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;
import org.speclab.engine.LayerWeights;
import org.speclab.gguf.GgmlType;
import org.speclab.model.Architecture;
import org.speclab.model.ModelConfig;

/**
 * A short pass's attention and FFN blocks (decode steps and verify passes, under
 * {@link CpuTransformer#PARALLEL_POSITIONS} positions) with each value kept on the thread that computed it. Unfused,
 * every product's results went back to the calling thread, which did the per-position steps and quantized the next
 * product's input alone, and the other thread read them again: where the two vCPUs sit on different core complexes,
 * each of those hand-overs is a round trip between them. Every value goes through the same operations either way, so
 * the logits are the same bits ({@code FusedPassesTest}); where a block cannot run fused, {@link CpuTransformer} runs
 * it unfused.
 */
final class FusedBlocks {
    /** Whether passes run the FFN fused where they can ({@link #fusesFfn}); tests turn it off to compare the two ways. */
    static volatile boolean fuseFfn = true;
    /** Whether passes run the attention block fused where they can ({@link #fusesAttention}); tests turn it off to compare. */
    static volatile boolean fuseAttention = true;

    /** Per thread, the fused attention's scores and a float16 cache's widened keys or values ({@link Attention#queries}). */
    private static final ThreadLocal<float[][]> ATTENTION_SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private final CpuTransformer t;

    FusedBlocks(CpuTransformer t) { this.t = t; }

    /**
     * Whether layer L's attention block runs fused for a call of T positions: short calls (decode, verify) whose q, k,
     * v and output matrices are all on the native kernels, with heads of whole groups of 16 rows, each key head's
     * query heads whole blocks of 32 values, and key heads that share out evenly among the threads (or many of them).
     * Not where the output matrix has rows on the row kernels and eight positions or more (see {@link #fusesFfn}).
     */
    boolean fusesAttention(LayerWeights<WeightMatrix, float[]> L, int T) {
        if (!fuseAttention || T >= CpuTransformer.PARALLEL_POSITIONS) return false;
        if (!(L.wq() instanceof WeightMatrix.Native q) || !(L.wk() instanceof WeightMatrix.Native k) || !(L.wv() instanceof WeightMatrix.Native v)
                || !(L.wo() instanceof WeightMatrix.Native o)) return false;
        ModelConfig c = t.config();
        int hs = c.headDim(), kv = c.kvHeads(), group = c.heads() / kv, n = t.pool().size();
        if (hs % 16 != 0 || group * hs % 32 != 0 || c.heads() % kv != 0) return false;
        if (q.rows() != c.qDim() || k.rows() != c.kvDim() || v.rows() != c.kvDim() || o.cols() != c.qDim() || q.cols() != k.cols() || q.cols() != v.cols()) return false;
        if (n > 1 && kv % n != 0 && kv < 4 * n) return false;
        return !(T >= 8 && o.codec().type() != GgmlType.F16 && o.packedRows() < o.rows());
    }

    /**
     * Layer {@code layer}'s attention block, x = w.xb, into w.out: q, k and v, the per-head steps
     * ({@link CpuTransformer#keyHeads}), attention and the output projection. Each piece takes one key head: its rows of
     * q, k and v for every position, then everything that key head's positions need, through attention to quantizing
     * its query heads' outputs for the output projection. (Unfused, q, k and v went back to the calling thread for RoPE
     * and the cache, out again for attention, and back to be quantized.)
     */
    void attention(LayerWeights<WeightMatrix, float[]> L, int layer, CpuKvCache cache, CpuTransformer.Workspace w, int T, int startPos) {
        WeightMatrix.Native wq = (WeightMatrix.Native) L.wq(), wk = (WeightMatrix.Native) L.wk(), wv = (WeightMatrix.Native) L.wv(), wo = (WeightMatrix.Native) L.wo();
        ModelConfig c = t.config();
        int hs = c.headDim(), kvHeads = c.kvHeads(), group = c.heads() / kvHeads, qDim = c.qDim(), kvDim = c.kvDim();
        QuantizedActivations a = t.input(new WeightMatrix.Native[] {wq, wk, wv}, w.xb, T), h = w.heads;
        int scaleSpan = QuantizedActivations.span(wo);
        h.begin(wo.kernels(), T, qDim, wo.codec().type() != GgmlType.F16, scaleSpan);
        // each piece quantizes its query heads' outputs where they are whole spans of blocks sharing a scale, else the
        // calling thread quantizes all of them after the pieces (packed Q6_K, Q3_K or Q2_K output rows with fewer than 256 values a key head)
        boolean ownSpans = group * hs % (32 * scaleSpan) == 0;
        MemorySegment o = a.out((long) T * (qDim + 2L * kvDim)), qs = o, ks = o.asSlice(4L * T * qDim), vs = o.asSlice(4L * T * (qDim + kvDim));
        MemorySegment values = h.values();
        int window = c.windowed(layer) ? c.slidingWindow() : 0, run = Attention.run(group, hs), chunk = CpuTransformer.attentionChunk(cache, T, startPos);
        int span = CpuTransformer.SPAN_QUERIES;
        IntConsumer piece = g -> {
            int q0 = g * group * hs, q1 = q0 + group * hs, k0 = g * hs;
            a.multiply(wq, q0, q1, T, qs);
            a.multiply(wk, k0, k0 + hs, T, ks);
            a.multiply(wv, k0, k0 + hs, T, vs);
            for (int p = 0; p < T; p++) {
                MemorySegment.copy(qs, F32, 4L * ((long) p * qDim + q0), w.q[p], q0, q1 - q0);
                MemorySegment.copy(ks, F32, 4L * ((long) p * kvDim + k0), w.k[p], k0, hs);
                MemorySegment.copy(vs, F32, 4L * ((long) p * kvDim + k0), w.v[p], k0, hs);
                t.keyHeads(L, w, cache, layer, startPos, p, g, g + 1);
            }
            float[][] scratch = ATTENTION_SCRATCH.get();
            int scores = Attention.queriesScoresBuffer(span, run, startPos + T - 1);
            if (scratch[0].length < scores) scratch[0] = new float[scores];
            if (cache.half() && scratch[1].length < CpuTransformer.SPAN_CHUNK * hs) scratch[1] = new float[CpuTransformer.SPAN_CHUNK * hs];
            for (int t0 = 0; t0 < T; t0 += span) {
                for (int j0 = 0; j0 < group; j0 += run) {
                    Attention.queries(cache, layer, w.q, startPos, t0, Math.min(T, t0 + span), w.att, scratch[0], scratch[1], chunk, g, j0,
                            Math.min(group, j0 + run), hs, group, c.attentionScale(), c.attentionSoftcap(), window);
                }
            }
            for (int p = 0; p < T; p++) MemorySegment.copy(w.att[p], q0, values, F32, 4L * ((long) p * qDim + q0), q1 - q0);
            if (ownSpans) h.quantizeBlocks(q0 / 32, q1 / 32);
        };
        WorkerPool pool = t.pool();
        if (pool.size() == 1 || (long) T * (qDim + 2L * kvDim) * wq.cols() < CpuTransformer.PARALLEL_WORK) {
            for (int g = 0; g < kvHeads; g++) piece.accept(g);
        } else {
            pool.runPieces(kvHeads, piece);
        }
        if (!ownSpans) h.quantizeBlocks(0, qDim / 32);
        t.products(h, new WeightMatrix.Native[] {wo}, new float[][][] {w.out}, T);
    }

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
    boolean fusesFfn(LayerWeights<WeightMatrix, float[]> L, int T) {
        if (!fuseFfn || T < 2 || T >= CpuTransformer.PARALLEL_POSITIONS) return false;
        if (!(L.gate() instanceof WeightMatrix.Native g) || !(L.up() instanceof WeightMatrix.Native u) || !(L.down() instanceof WeightMatrix.Native d)) return false;
        int hidden = g.rows();
        if (u.rows() != hidden || g.cols() != u.cols() || d.cols() != hidden || hidden % (32 * QuantizedActivations.span(d)) != 0) return false;
        return !(T >= 8 && d.codec().type() != GgmlType.F16 && d.packedRows() < d.rows());
    }

    /**
     * The FFN of layer L, x = w.xb, into w.out: out = down · act(gate · x) ⊙ (up · x). Each piece takes a range of the
     * hidden rows, multiplies its rows of gate and up, applies the activation to its range of every position and
     * quantizes it for the down projection. (Unfused, both products' results, two floats per hidden row and position,
     * went back to the calling thread, which applied the activation and quantized alone.)
     */
    void ffn(LayerWeights<WeightMatrix, float[]> L, CpuTransformer.Workspace w, int T) {
        WeightMatrix.Native gate = (WeightMatrix.Native) L.gate(), up = (WeightMatrix.Native) L.up(), down = (WeightMatrix.Native) L.down();
        int hidden = gate.rows();
        QuantizedActivations a = t.input(new WeightMatrix.Native[] {gate, up}, w.xb, T), h = w.hidden;
        int scaleSpan = QuantizedActivations.span(down);
        h.begin(down.kernels(), T, hidden, down.codec().type() != GgmlType.F16, scaleSpan);
        MemorySegment o = a.out(2L * T * hidden), gates = o, ups = o.asSlice(4L * T * hidden), values = h.values();
        boolean silu = t.config().arch().activation() == Architecture.Activation.SILU;
        int n = t.pool().size() == 1 || 2L * hidden * gate.cols() * T < CpuTransformer.PARALLEL_WORK ? 1 : t.pool().size();
        int chunk = CpuTransformer.chunkRows(hidden, n, 32 * scaleSpan, T); // whole blocks of 32 (spans of them): each piece quantizes its own
        t.pool().runPieces((hidden + chunk - 1) / chunk, piece -> {
            int r0 = piece * chunk, r1 = Math.min(hidden, r0 + chunk);
            a.multiply(gate, r0, r1, T, gates);
            a.multiply(up, r0, r1, T, ups);
            for (int p = 0; p < T; p++) {
                long at = (long) p * hidden;
                if (silu) swiglu(gates, ups, values, at + r0, at + r1);
                else for (long i = at + r0; i < at + r1; i++) values.setAtIndex(F32, i, Activations.gelu(gates.getAtIndex(F32, i), ups.getAtIndex(F32, i)));
            }
            h.quantizeBlocks(r0 / 32, r1 / 32);
        });
        t.products(h, new WeightMatrix.Native[] {down}, new float[][][] {w.out}, T);
    }

    /** {@link Activations#swiglu} of floats [from, to) of off-heap g and u into out: per element the same operations, so the same bits. */
    static void swiglu(MemorySegment g, MemorySegment u, MemorySegment out, long from, long to) {
        var F = VectorDot.F;
        var order = java.nio.ByteOrder.nativeOrder();
        long i = from;
        for (; i + F.length() <= to; i += F.length()) {
            jdk.incubator.vector.FloatVector v = jdk.incubator.vector.FloatVector.fromMemorySegment(F, g, 4 * i, order);
            jdk.incubator.vector.FloatVector one = v.broadcast(1f);
            v.mul(one.div(one.add(FastExp.exp(v.neg())))).mul(jdk.incubator.vector.FloatVector.fromMemorySegment(F, u, 4 * i, order)).intoMemorySegment(out, 4 * i, order);
        }
        for (; i < to; i++) {
            float x = g.getAtIndex(F32, i);
            out.setAtIndex(F32, i, x * (1.0f / (1.0f + FastExp.exp(-x))) * u.getAtIndex(F32, i));
        }
    }
}
