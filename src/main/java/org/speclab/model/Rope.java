package org.speclab.model;

import org.speclab.gguf.ModelFormatException;
import org.speclab.quant.BlockCodec;

/** Rotary position embedding's frequencies, computed once here for every engine. */
public final class Rope {
    private Rope() {}

    /**
     * Per rotated pair i: θ^(−2i/ropeDim), divided by the file's per-pair factor where it has one
     * ({@code rope_freqs.weight}: Llama 3's long-context scaling). Computed as llama2.c computes it,
     * so greedy output matches run.c's.
     */
    public static float[] frequencies(ModelFile file, ModelConfig c) {
        float[] freq = new float[c.ropeDim() / 2];
        for (String unsupported : new String[] {"rope_factors_long.weight", "rope_factors_short.weight"}) {
            if (file.optionalTensor(unsupported) != null) {
                throw new ModelFormatException(file.path(), "tensor " + unsupported,
                        "long-context RoPE factors (Phi-3 128k) are not supported yet; the 4k variants run");
            }
        }
        float[] factors = null;
        Tensor rf = file.optionalTensor("rope_freqs.weight");
        if (rf != null) {
            factors = new float[Math.toIntExact(rf.info().elementCount())];
            BlockCodec.of(rf.type()).dequantize(rf.data(), 0, factors, 0, factors.length);
            if (factors.length != freq.length) {
                throw new ModelFormatException(file.path(), "tensor rope_freqs.weight", "expected " + freq.length + " factors, found " + factors.length);
            }
        }
        for (int i = 0; i < freq.length; i++) {
            freq[i] = 1.0f / (float) Math.pow(c.ropeTheta(), (2 * i) / (float) c.ropeDim());
            if (factors != null) freq[i] /= factors[i];
        }
        return freq;
    }
}
