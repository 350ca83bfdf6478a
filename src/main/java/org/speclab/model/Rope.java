package org.speclab.model;

import org.speclab.gguf.ModelFormatException;
import org.speclab.quant.BlockCodec;

/**
 * Rotary position embedding's frequencies, computed once here for every engine.
 *
 * @param frequencies       per rotated pair i: θ^(−2i/ropeDim), divided by the file's per-pair factor
 *                          where it has one ({@code rope_freqs.weight}: Llama 3's long-context scaling;
 *                          {@code rope_factors_short.weight}: Phi-3's LongRoPE)
 * @param longFrequencies   Phi-3's LongRoPE: the same divided by {@code rope_factors_long.weight}, for a
 *                          context longer than {@code originalContext}; null when the file has none
 * @param originalContext   the context the model was trained for before LongRoPE
 *                          ({@code rope.scaling.original_context_length})
 * @param attentionFactor   cos and sin are multiplied by it ({@code rope.scaling.attn_factor}; 1 unless
 *                          the file says otherwise)
 */
public record Rope(float[] frequencies, float[] longFrequencies, int originalContext, float attentionFactor) {
    /**
     * The frequencies for a key/value cache made for {@code context} positions: Phi-3's long factors
     * when that is more than the original context, as llama.cpp chooses them by its context size
     * (n_ctx); otherwise the short ones (or the only ones).
     */
    public float[] frequencies(int context) {
        return longFrequencies != null && context > originalContext ? longFrequencies : frequencies;
    }

    /** Reads the RoPE frequencies and factors of a model. Computed as llama2.c computes them, so greedy output matches run.c's. */
    public static Rope of(ModelFile file, ModelConfig c) {
        int n = c.ropeDim() / 2;
        float[] base = new float[n];
        for (int i = 0; i < n; i++) base[i] = 1.0f / (float) Math.pow(c.ropeTheta(), (2 * i) / (float) c.ropeDim());
        float[] freqs = divided(base, factors(file, "rope_freqs.weight", n));
        float[] shortFactors = factors(file, "rope_factors_short.weight", n), longFactors = factors(file, "rope_factors_long.weight", n);
        if ((shortFactors != null || longFactors != null) && file.optionalTensor("rope_freqs.weight") != null) {
            throw new ModelFormatException(file.path(), "tensor rope_freqs.weight", "a file holds either rope_freqs or Phi-3's rope_factors_long/short, not both");
        }
        String arch = file.architecture();
        int original = Math.toIntExact(file.has(arch + ".rope.scaling.original_context_length")
                ? file.metadata().get(arch + ".rope.scaling.original_context_length").asLong() : c.contextLength());
        float attention = file.has(arch + ".rope.scaling.attn_factor") ? (float) file.metadata().get(arch + ".rope.scaling.attn_factor").asDouble() : 1f;
        if (!(attention > 0) || Float.isInfinite(attention)) {
            throw new ModelFormatException(file.path(), arch + ".rope.scaling.attn_factor", "must be a positive number, found " + attention);
        }
        if (shortFactors != null) freqs = divided(base, shortFactors);
        float[] longFreqs = longFactors == null ? null : divided(base, longFactors);
        return new Rope(freqs, longFreqs, original, attention);
    }

    private static float[] divided(float[] base, float[] factors) {
        float[] f = base.clone();
        if (factors != null) for (int i = 0; i < f.length; i++) f[i] /= factors[i];
        return f;
    }

    private static float[] factors(ModelFile file, String name, int n) {
        Tensor t = file.optionalTensor(name);
        if (t == null) return null;
        float[] f = new float[Math.toIntExact(t.info().elementCount())];
        if (f.length != n) throw new ModelFormatException(file.path(), "tensor " + name, "expected " + n + " factors (one per rotated pair), found " + f.length);
        BlockCodec.of(t.type()).dequantize(t.data(), 0, f, 0, f.length);
        for (int i = 0; i < n; i++) {
            if (!(f[i] > 0) || Float.isInfinite(f[i])) throw new ModelFormatException(file.path(), "tensor " + name, "factor " + i + " is " + f[i] + " (must be a positive number)");
        }
        return f;
    }
}
