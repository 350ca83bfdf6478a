package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * A Hugging Face config's {@code rope_scaling}, in the two forms SpecLab's engine can run exactly as
 * llama.cpp does: "linear" (positions divided by the factor; two llama.* keys) and "llama3"
 * (a per-frequency divisor stored as the {@code rope_freqs.weight} tensor). Anything else is refused
 * rather than run with the wrong positions.
 */
record RopeScaling(String type, float factor, double lowFreqFactor, double highFreqFactor, double originalContext) {
    static final String SUPPORTED = "linear, llama3";

    /** Null when the config asks for plain RoPE ({@code rope_scaling} absent, null or of type "default"). */
    static RopeScaling from(Path configFile, JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) return null;
        if (!node.isObject()) throw new ModelFormatException(configFile, "rope_scaling", "expected an object, found " + node);
        String type = node.path("rope_type").asText(node.path("type").asText("default"));
        if (type.equals("default")) return null;
        if (!type.equals("linear") && !type.equals("llama3")) {
            throw new ModelFormatException(configFile, "rope_scaling", "RoPE scaling '" + type + "' is not supported (supported: " + SUPPORTED + ")");
        }
        // llama.cpp's converter falls back to 8 for llama3 and writes nothing for a linear scaling without a factor
        JsonNode f = node.path("factor");
        if (f.isMissingNode() && type.equals("linear")) return null;
        double factor = f.isMissingNode() ? 8.0 : f.isNumber() ? f.asDouble() : Double.NaN;
        if (!(factor > 0)) {
            throw new ModelFormatException(configFile, "rope_scaling.factor", "must be a positive number, found " + f);
        }
        double low = number(configFile, node, "low_freq_factor", 1.0), high = number(configFile, node, "high_freq_factor", 4.0);
        double old = number(configFile, node, "original_max_position_embeddings", 8192);
        if (type.equals("llama3") && !(high > low)) {
            throw new ModelFormatException(configFile, "rope_scaling.high_freq_factor", "must exceed low_freq_factor " + low + ", found " + high);
        }
        return new RopeScaling(type, (float) factor, low, high, old);
    }

    private static double number(Path configFile, JsonNode node, String key, double fallback) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isNumber() || !(v.asDouble() > 0)) throw new ModelFormatException(configFile, "rope_scaling." + key, "must be a positive number, found " + v);
        return v.asDouble();
    }

    /** The llama.* keys llama.cpp's converter writes for this scaling (none for llama3, which is a tensor). */
    void putMetadata(Map<String, GgufValue> md) {
        if (!type.equals("linear")) return;
        md.put("llama.rope.scaling.type", GgufValue.of("linear"));
        md.put("llama.rope.scaling.factor", GgufValue.ofFloat(factor));
    }

    /**
     * Llama 3's rope factors, one per rotated pair, as llama.cpp's {@code convert_hf_to_gguf.py}
     * computes them: in float32, with torch's operations spelled out ({@code a / t} on a tensor is
     * {@code reciprocal(t) * a}), so the values agree with its rope_freqs.weight up to the last bit of
     * torch's powf. Null for linear scaling.
     */
    float[] llama3Factors(double theta, int headDim) {
        if (!type.equals("llama3")) return null;
        float lowWavelen = (float) (originalContext / lowFreqFactor), highWavelen = (float) (originalContext / highFreqFactor);
        float old = (float) originalContext, low = (float) lowFreqFactor, span = (float) (highFreqFactor - lowFreqFactor);
        float[] out = new float[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float freq = 1f / (float) Math.pow((float) theta, exponent);
            float wavelen = (1f / freq) * (float) (2 * Math.PI);
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = factor;
            else {
                float smooth = ((1f / wavelen) * old - low) / span;
                out[i] = 1f / ((1f - smooth) / factor + smooth);
            }
        }
        return out;
    }
}
