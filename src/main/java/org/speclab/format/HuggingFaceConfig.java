package org.speclab.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.Architecture;

/**
 * A Llama/Mistral/Qwen2/Qwen3 {@code config.json}: the hyper-parameters, checked, with the defaults
 * transformers' LlamaConfig / MistralConfig / Qwen2Config / Qwen3Config use when a key is absent (that
 * is the model the checkpoint's authors ran).
 *
 * @param family       the forward pass it runs as (Mistral runs as Llama, as in llama.cpp)
 * @param vocabSize    the declared vocabulary, or -1 when the config does not say (the embedding decides)
 * @param headDimGiven whether {@code head_dim} was in the file: llama.cpp then writes key/value_length
 * @param bosId        {@code bos_token_id}, or -1 when absent or not a single id
 */
record HuggingFaceConfig(Path file, String architecture, Architecture family, int dim, int hidden, int layers, int heads, int kvHeads,
                         int headDim, boolean headDimGiven, int vocabSize, int contextLength, float rmsEps, float ropeTheta,
                         RopeScaling ropeScaling, boolean tied, int bosId, int eosId,
                         float attnSoftcap, float finalSoftcap, int slidingWindow) {
    /** Hugging Face's class names and the family each runs as, in the order messages list them. */
    static final Map<String, Architecture> FAMILIES = new java.util.LinkedHashMap<>();

    static {
        FAMILIES.put("LlamaForCausalLM", Architecture.LLAMA);
        FAMILIES.put("MistralForCausalLM", Architecture.LLAMA);
        FAMILIES.put("Qwen2ForCausalLM", Architecture.QWEN2);
        FAMILIES.put("Qwen3ForCausalLM", Architecture.QWEN3);
        FAMILIES.put("Gemma2ForCausalLM", Architecture.GEMMA2);
        FAMILIES.put("Phi3ForCausalLM", Architecture.PHI3);
    }

    static final List<String> ARCHITECTURES = List.copyOf(FAMILIES.keySet());

    int qRows() { return heads * headDim; }

    int kvRows() { return kvHeads * headDim; }

    static HuggingFaceConfig read(Path file) {
        JsonNode c = json(file);
        if (!c.isObject()) throw new ModelFormatException(file, null, "expected a JSON object");
        JsonNode archs = c.path("architectures");
        if (!archs.isArray() || archs.isEmpty()) throw new ModelFormatException(file, "architectures", "missing (expected e.g. [\"LlamaForCausalLM\"])");
        String arch = archs.get(0).asText();
        Architecture family = FAMILIES.get(arch);
        if (family == null) {
            throw new ModelFormatException(file, "architectures", "unsupported architecture '" + arch + "' (supported: " + String.join(", ", ARCHITECTURES) + ")");
        }
        // Mistral is Llama's forward pass; its sliding_window (4096 in v0.1, null later) is ignored here as
        // llama.cpp ignores it, which changes nothing within the window
        boolean mistral = arch.equals("MistralForCausalLM");
        // features of the Hugging Face classes that SpecLab's forward pass does not have: refuse, never run them wrong
        // (Qwen2's q/k/v biases are part of its family and always present; no flag turns them on or off)
        for (String flag : List.of("attention_bias", "mlp_bias")) {
            if (c.path(flag).asBoolean(false)) throw new ModelFormatException(file, flag, "true is not supported (" + arch + " runs without biases here)");
        }
        JsonNode q = c.path("quantization_config"); // GPTQ, AWQ, FP8: the weights are not plain matrices
        if (!q.isMissingNode() && !q.isNull()) {
            throw new ModelFormatException(file, "quantization_config", "quantized checkpoints (" + q.path("quant_method").asText("unknown method")
                    + ") are not supported; use the " + String.join("/", SafeTensors.TYPES.keySet()) + " weights and quantize them here");
        }
        boolean gemma = family == Architecture.GEMMA2;
        String actKey = gemma && c.has("hidden_activation") ? "hidden_activation" : "hidden_act";
        String act = c.path(actKey).asText(gemma ? "gelu_pytorch_tanh" : "silu"), wantAct = gemma ? "gelu_pytorch_tanh" : "silu";
        if (!act.equals(wantAct)) throw new ModelFormatException(file, actKey, "'" + act + "' is not supported (" + arch + " runs with " + wantAct + ")");
        if (c.path("use_sliding_window").asBoolean(false)) {
            throw new ModelFormatException(file, "use_sliding_window", "true is not supported (Qwen's sliding-window layers are not implemented)");
        }
        boolean qwen = family == Architecture.QWEN2 || family == Architecture.QWEN3;

        int dim = positive(file, c, "hidden_size", -1);
        int hidden = positive(file, c, "intermediate_size", -1);
        int layers = positive(file, c, "num_hidden_layers", -1);
        int heads = positive(file, c, "num_attention_heads", -1);
        int kvHeads = positive(file, c, "num_key_value_heads", mistral ? 8 : heads);
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(file, "num_key_value_heads", kvHeads + " does not divide num_attention_heads " + heads);
        }
        boolean headDimGiven = !c.path("head_dim").isMissingNode() && !c.path("head_dim").isNull();
        if (!headDimGiven && dim % heads != 0) {
            throw new ModelFormatException(file, "num_attention_heads", heads + " does not divide hidden_size " + dim + " (and there is no head_dim)");
        }
        // Qwen3Config's and Gemma2Config's defaults are 128 and 256
        int headDim = positive(file, c, "head_dim", family == Architecture.QWEN3 ? 128 : gemma ? 256 : dim / heads);
        if (headDim % 2 != 0) throw new ModelFormatException(file, headDimGiven ? "head_dim" : "num_attention_heads", "the head size " + headDim + " is odd; RoPE rotates pairs");
        int vocab = positive(file, c, "vocab_size", 0);
        int context = positive(file, c, "max_position_embeddings", mistral ? 4096 * 32 : qwen ? 32768 : gemma ? 8192 : family == Architecture.PHI3 ? 4096 : 2048);
        float eps = (float) positiveNumber(file, c, "rms_norm_eps", family == Architecture.PHI3 ? 1e-5 : 1e-6);
        JsonNode ropeParameters = c.path("rope_parameters"); // transformers 5 moved theta and scaling here
        float theta = (float) positiveNumber(file, c, "rope_theta", ropeParameters.path("rope_theta").asDouble(10000.0));
        JsonNode scaling = c.path("rope_scaling").isMissingNode() || c.path("rope_scaling").isNull() ? ropeParameters : c.path("rope_scaling");
        RopeScaling rope = RopeScaling.from(file, scaling, c, context, headDim / 2);
        float attnCap = 0, finalCap = 0;
        int window = 0;
        if (gemma) {
            attnCap = (float) positiveNumber(file, c, "attn_logit_softcapping", 50.0);
            finalCap = (float) positiveNumber(file, c, "final_logit_softcapping", 30.0);
            window = positive(file, c, "sliding_window", 4096);
            // the query scale SpecLab (as llama.cpp) uses: 1/√head_dim, or 1/√(dim/heads) for the 46-layer 27B
            double scalar = positiveNumber(file, c, "query_pre_attn_scalar", headDim), ours = layers == 46 ? (double) dim / heads : headDim;
            if (scalar != ours) {
                throw new ModelFormatException(file, "query_pre_attn_scalar", scalar + " is not supported (SpecLab scales queries by 1/√" + ours + " for this shape)");
            }
        } else if (family == Architecture.PHI3 && c.hasNonNull("sliding_window")) {
            window = positive(file, c, "sliding_window", 0);
        }
        JsonNode tie = c.path("tie_word_embeddings");
        if (!tie.isMissingNode() && !tie.isNull() && !tie.isBoolean()) throw new ModelFormatException(file, "tie_word_embeddings", "expected true or false, found " + tie);
        return new HuggingFaceConfig(file, arch, family, dim, hidden, layers, heads, kvHeads, headDim, headDimGiven, vocab == 0 ? -1 : vocab,
                context, eps, theta, rope, tie.asBoolean(gemma), tokenId(c, "bos_token_id"), tokenId(c, "eos_token_id"), attnCap, finalCap, window);
    }

    /**
     * The family's keys (llama.*, qwen2.*, …), with the names and types llama.cpp's
     * {@code convert_hf_to_gguf.py} writes (uint32 counts, float32 eps and theta).
     */
    void putMetadata(Map<String, GgufValue> md, int vocabRows) {
        String p = family.name() + ".";
        md.put(p + "block_count", GgufValue.ofUInt32(layers));
        md.put(p + "context_length", GgufValue.ofUInt32(contextLength));
        md.put(p + "embedding_length", GgufValue.ofUInt32(dim));
        md.put(p + "feed_forward_length", GgufValue.ofUInt32(hidden));
        md.put(p + "attention.head_count", GgufValue.ofUInt32(heads));
        md.put(p + "attention.head_count_kv", GgufValue.ofUInt32(kvHeads));
        md.put(p + "rope.freq_base", GgufValue.ofFloat(ropeTheta));
        md.put(p + "attention.layer_norm_rms_epsilon", GgufValue.ofFloat(rmsEps));
        if (headDimGiven) {
            md.put(p + "attention.key_length", GgufValue.ofUInt32(headDim));
            md.put(p + "attention.value_length", GgufValue.ofUInt32(headDim));
        }
        md.put(p + "vocab_size", GgufValue.ofUInt32(vocabRows));
        md.put(p + "rope.dimension_count", GgufValue.ofUInt32(headDim));
        if (attnSoftcap > 0) md.put(p + "attn_logit_softcapping", GgufValue.ofFloat(attnSoftcap));
        if (finalSoftcap > 0) md.put(p + "final_logit_softcapping", GgufValue.ofFloat(finalSoftcap));
        if (slidingWindow > 0) md.put(p + "attention.sliding_window", GgufValue.ofUInt32(slidingWindow));
        if (ropeScaling != null) ropeScaling.putMetadata(md, p);
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, null, "missing (a Hugging Face model folder has a config.json)");
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, null, "invalid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "cannot read: " + e.getMessage());
        }
    }

    /** A positive integer; {@code fallback} when absent or null, or "missing" when the fallback is -1. */
    private static int positive(Path file, JsonNode c, String key, int fallback) {
        JsonNode v = c.path(key);
        if (v.isMissingNode() || v.isNull()) {
            if (fallback < 0) throw new ModelFormatException(file, key, "missing");
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) throw new ModelFormatException(file, key, "must be a positive integer, found " + v);
        return v.asInt();
    }

    private static double positiveNumber(Path file, JsonNode c, String key, double fallback) {
        JsonNode v = c.path(key);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) throw new ModelFormatException(file, key, "must be a positive number, found " + v);
        return v.asDouble();
    }

    /** A single token id; lists (Llama 3 Instruct's several EOS ids) are left to the tokenizer's files. */
    private static int tokenId(JsonNode c, String key) {
        JsonNode v = c.path(key);
        return v.isIntegralNumber() && v.canConvertToInt() && v.asInt() >= 0 ? v.asInt() : -1;
    }
}
