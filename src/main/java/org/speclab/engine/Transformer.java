package org.speclab.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.speclab.model.ModelConfig;

/**
 * A loaded model on one device. {@link #forward} runs a batch of consecutive positions in one pass
 * (decode: 1, verify: k+1, prefill: the prompt), reading each weight once for the whole batch.
 * A position's logits are the same whether it is computed alone or inside a batch.
 */
public interface Transformer extends AutoCloseable {
    ModelConfig config();

    /** A cache for up to {@code capacity} positions, holding keys and values as {@link #cacheType}; it grows if a generation runs past it. */
    KvCache newCache(int capacity);

    /** How this model's caches hold keys and values (chosen when it was loaded: Backend#load). */
    default CacheType cacheType() { return CacheType.F32; }

    /**
     * Runs {@code tokens} at positions {@code startPos ..}; the cache is first truncated to
     * {@code startPos}. Returns logits of the last {@code outputs} positions, {@code [outputs][vocab]}.
     */
    float[][] forward(KvCache cache, int[] tokens, int startPos, int outputs);

    /**
     * {@link #forward}, handing back only each output's most likely token (the first on ties), as
     * greedy decoding needs: a device then returns {@code outputs} ints instead of the logits.
     */
    default int[] forwardArgmax(KvCache cache, int[] tokens, int startPos, int outputs) {
        return argmaxes(forward(cache, tokens, startPos, outputs), outputs);
    }

    /** The index of the largest value (the first on ties) of each of the first {@code rows} rows. */
    static int[] argmaxes(float[][] logits, int rows) {
        int[] ids = new int[rows];
        for (int o = 0; o < rows; o++) ids[o] = argmax(logits[o]);
        return ids;
    }

    /**
     * The index of the largest value of {@code x} (the first on ties, −0 equal to +0), refusing NaN as
     * {@link #requireNumbers} does. In vector lanes: the largest value in one pass (a NaN anywhere makes it
     * NaN), then the first place holding it; a nine-position verify pass of a 32,000-token vocabulary spent
     * 0.29 ms in the scalar check and search, 0.06 in lanes (512 bits), measured.
     */
    static int argmax(float[] x) {
        var S = FloatVector.SPECIES_PREFERRED;
        int n = x.length, bound = S.loopBound(n), i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            var m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += S.length()) m = m.max(FloatVector.fromArray(S, x, i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, x[i]);
        if (Float.isNaN(max)) requireNumbers(x);
        for (i = 0; i < bound; i += S.length()) {
            var hit = FloatVector.fromArray(S, x, i).compare(VectorOperators.EQ, max);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < n; i++) if (x[i] == max) return i;
        return 0; // an empty row
    }

    /**
     * What every engine checks before a pass, before it touches its cache: at least one token, every
     * id inside the vocabulary, and 0 ≤ outputs ≤ tokens.
     */
    static void checkInput(ModelConfig c, int[] tokens, int outputs) {
        if (tokens.length == 0) throw new IllegalArgumentException("forward needs at least one token");
        if (outputs < 0 || outputs > tokens.length) throw new IllegalArgumentException("outputs " + outputs + " not in 0.." + tokens.length);
        for (int t : tokens) {
            if (t < 0 || t >= c.vocabSize()) throw new EngineException("token id " + t + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
        }
    }

    /** The layer counts an early-exit view of a {@code c.layers()}-layer model may keep: 1 .. layers − 1. */
    static void checkEarlyExit(ModelConfig c, int keep) {
        if (keep < 1 || keep >= c.layers()) {
            throw new IllegalArgumentException("--draft-layers must be between 1 and " + (c.layers() - 1) + " for this " + c.layers() + "-layer model, found " + keep);
        }
    }

    /**
     * Logits that are not numbers (NaN: weights holding NaN or infinities, or activations that
     * overflowed) would pick token 0 every step and print garbage without a word: refused instead.
     */
    static void requireNumbers(float[] logits) {
        for (float v : logits) {
            if (Float.isNaN(v)) {
                throw new EngineException("the model's logits are not numbers (NaN): its weights hold NaN or infinite values,"
                        + " or its activations overflowed; check the file (e.g. quantize it again from its source)");
            }
        }
    }

    /**
     * {@link #forward}, handing back only each output's top-k {@link Candidates} at this
     * temperature, as top-k sampling needs: a device then returns about k ids and values instead of
     * the whole vocabulary. Needs 0 &lt; topK ≤ vocabulary and temperature &gt; 0.
     */
    default Candidates[] forwardTopK(KvCache cache, int[] tokens, int startPos, int outputs, float temperature, int topK) {
        float[][] logits = forward(cache, tokens, startPos, outputs);
        Candidates[] result = new Candidates[outputs];
        for (int o = 0; o < outputs; o++) result[o] = Candidates.of(logits[o], temperature, topK);
        return result;
    }

    /**
     * The same model cut after its first {@code layers} blocks, then its final norm and classifier:
     * a self-speculation draft that shares every weight with this model (no second file, no copy).
     */
    Transformer earlyExit(int layers);

    /** Bytes of weights one forward pass reads (for bandwidth figures). */
    long weightBytes();

    /** Where it runs, e.g. "cpu (2 threads)". */
    String device();

    /** Which kernels its weights run on, e.g. "native AVX2 integer kernels …" (bench prints it). */
    default String kernels() { return device(); }

    /** Where the engine keeps weight copies of its own (the CPU's packed copies), the pages they lie in; null where it keeps none. */
    default String weightPages() { return null; }

    /** The device's own figures (memory, copy rate, step time) where it runs on one; null on the CPU. */
    default DeviceGauges gauges() { return null; }

    @Override
    void close();
}
