package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * A Hugging Face config's {@code rope_scaling}, in the forms SpecLab's engine can run exactly as
 * llama.cpp does: "linear" (positions divided by the factor; two llama.* keys), "llama3"
 * (a per-frequency divisor stored as the {@code rope_freqs.weight} tensor) and Phi-3's "longrope"
 * (older name "su": long and short per-frequency divisors as {@code rope_factors_long/short.weight},
 * the original context and the attention factor as keys). Anything else is refused rather than run
 * with the wrong positions.
 *
 * @param longFactors      longrope: {@code long_factor}, one per rotated pair; null otherwise
 * @param shortFactors     longrope: {@code short_factor}
 * @param attentionFactor  longrope: what cos and sin are multiplied by
 */
record RopeScaling(String type, float factor, double lowFreqFactor, double highFreqFactor, double originalContext,
                   float[] longFactors, float[] shortFactors, float attentionFactor) {
    static final String SUPPORTED = "linear, llama3, longrope";

    /**
     * Null when the config asks for plain RoPE ({@code rope_scaling} absent, null or of type "default").
     * {@code config} is the whole config (Phi-3 keeps {@code original_max_position_embeddings} there),
     * {@code context} its max_position_embeddings and {@code pairs} the rotated pairs per head.
     */
    static RopeScaling from(Path configFile, JsonNode node, JsonNode config, int context, int pairs) {
        if (node == null || node.isMissingNode() || node.isNull()) return null;
        if (!node.isObject()) throw new ModelFormatException(configFile, "rope_scaling", "expected an object, found " + node);
        String type = node.path("rope_type").asText(node.path("type").asText("default"));
        if (type.equals("default")) return null;
        if (type.equals("longrope") || type.equals("su")) return longRope(configFile, node, config, context, pairs);
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
        return new RopeScaling(type, (float) factor, low, high, old, null, null, 1f);
    }

    /**
     * Phi-3's LongRoPE (the 128k variants), as transformers reads it: with the config's
     * {@code original_max_position_embeddings}, the scale s is max_position_embeddings / that; without
     * it, the original context is rope_scaling's (or max_position_embeddings) and s is rope_scaling's
     * factor. The attention factor is rope_scaling's {@code attention_factor}, or else
     * √(1 + ln(s) / ln(original)) (1 when s ≤ 1), which llama.cpp's converter writes too.
     */
    private static RopeScaling longRope(Path configFile, JsonNode node, JsonNode config, int context, int pairs) {
        int original;
        double s;
        if (config.hasNonNull("original_max_position_embeddings")) {
            original = positiveInt(configFile, config.path("original_max_position_embeddings"), "original_max_position_embeddings");
            s = (double) context / original;
        } else {
            original = node.hasNonNull("original_max_position_embeddings")
                    ? positiveInt(configFile, node.path("original_max_position_embeddings"), "rope_scaling.original_max_position_embeddings") : context;
            s = number(configFile, node, "factor", 1.0);
        }
        float[] longF = factorList(configFile, node, "long_factor", pairs), shortF = factorList(configFile, node, "short_factor", pairs);
        double attention = node.hasNonNull("attention_factor") ? number(configFile, node, "attention_factor", 1.0)
                : s <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(s) / Math.log(original));
        return new RopeScaling("longrope", 1f, 1, 1, original, longF, shortF, (float) attention);
    }

    private static int positiveInt(Path configFile, JsonNode v, String key) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) throw new ModelFormatException(configFile, key, "must be a positive integer, found " + v);
        return v.asInt();
    }

    private static float[] factorList(Path configFile, JsonNode node, String key, int pairs) {
        JsonNode a = node.path(key);
        if (!a.isArray()) throw new ModelFormatException(configFile, "rope_scaling." + key, "longrope needs a list of " + pairs + " factors, found " + (a.isMissingNode() ? "nothing" : a));
        if (a.size() != pairs) throw new ModelFormatException(configFile, "rope_scaling." + key, "has " + a.size() + " factors, expected " + pairs + " (half the rotated head size)");
        float[] f = new float[pairs];
        for (int i = 0; i < pairs; i++) {
            JsonNode v = a.get(i);
            if (!v.isNumber() || !(v.asDouble() > 0)) throw new ModelFormatException(configFile, "rope_scaling." + key + "[" + i + "]", "must be a positive number, found " + v);
            f[i] = (float) v.asDouble();
        }
        return f;
    }

    private static double number(Path configFile, JsonNode node, String key, double fallback) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isNumber() || !(v.asDouble() > 0)) throw new ModelFormatException(configFile, "rope_scaling." + key, "must be a positive number, found " + v);
        return v.asDouble();
    }

    /** The llama.* keys llama.cpp's converter writes for this scaling (none for llama3, which is a tensor). */
    void putMetadata(Map<String, GgufValue> md, String prefix) {
        if (type.equals("longrope")) {
            md.put(prefix + "rope.scaling.original_context_length", GgufValue.ofUInt32((int) originalContext));
            md.put(prefix + "rope.scaling.attn_factor", GgufValue.ofFloat(attentionFactor));
            return;
        }
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
