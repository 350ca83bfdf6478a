package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * A Hugging Face Llama/Mistral folder ({@code config.json}, {@code model.safetensors} or shards
 * with {@code model.safetensors.index.json}, a tokenizer) seen as a GGUF-shaped {@link ModelFile}:
 * llama.* metadata from the config, tensors renamed to GGUF's names, mapped in place. Q and K rows
 * are reordered (not copied) from Hugging Face's rotate-half layout to the interleaved pairs that
 * GGUF and llama.cpp's converter use.
 */
public final class HuggingFaceCheckpoint {
    public static final List<String> ARCHITECTURES = List.of("LlamaForCausalLM", "MistralForCausalLM");

    private HuggingFaceCheckpoint() {}

    public static boolean looksLike(Path folder) {
        return Files.isDirectory(folder) && Files.isRegularFile(folder.resolve("config.json"));
    }

    public static ModelFile open(Path folder) {
        Path configFile = folder.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new ModelFormatException(folder, "config.json", "missing (not a Hugging Face model folder)");
        JsonNode config = json(configFile);
        String arch = config.path("architectures").path(0).asText("");
        if (!ARCHITECTURES.contains(arch)) {
            throw new ModelFormatException(configFile, "architectures", "unsupported architecture '" + arch + "' (supported: " + String.join(", ", ARCHITECTURES) + ")");
        }
        int dim = positive(configFile, config, "hidden_size");
        int layers = positive(configFile, config, "num_hidden_layers");
        int heads = positive(configFile, config, "num_attention_heads");
        int kvHeads = config.has("num_key_value_heads") ? positive(configFile, config, "num_key_value_heads") : heads;
        int hidden = positive(configFile, config, "intermediate_size");
        int headDim = config.path("head_dim").isInt() ? config.path("head_dim").asInt() : dim / heads;

        Arena arena = Arena.ofShared();
        try {
            Map<String, SafeTensors.Entry> hf = weights(folder, arena);
            Map<String, GgufValue> md = new LinkedHashMap<>();
            md.put("general.architecture", GgufValue.of("llama"));
            md.put("general.name", GgufValue.of(folder.getFileName().toString()));
            md.put("llama.context_length", GgufValue.ofUInt32(config.path("max_position_embeddings").asInt(4096)));
            md.put("llama.embedding_length", GgufValue.ofUInt32(dim));
            md.put("llama.block_count", GgufValue.ofUInt32(layers));
            md.put("llama.feed_forward_length", GgufValue.ofUInt32(hidden));
            md.put("llama.attention.head_count", GgufValue.ofUInt32(heads));
            md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(kvHeads));
            md.put("llama.rope.freq_base", GgufValue.ofFloat((float) config.path("rope_theta").asDouble(10000)));
            md.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat((float) config.path("rms_norm_eps").asDouble(1e-5)));
            md.put("llama.rope.dimension_count", GgufValue.ofUInt32(headDim));
            if (headDim != dim / heads) {
                md.put("llama.attention.key_length", GgufValue.ofUInt32(headDim));
                md.put("llama.attention.value_length", GgufValue.ofUInt32(headDim));
            }
            List<Tensor> tensors = new ArrayList<>();
            Tensor ropeFreqs = ropeScaling(configFile, config, headDim, md);
            if (ropeFreqs != null) tensors.add(ropeFreqs);
            map(configFile, hf, "model.embed_tokens.weight", "token_embd.weight", null, tensors);
            for (int l = 0; l < layers; l++) {
                String h = "model.layers." + l + ".", g = "blk." + l + ".";
                map(configFile, hf, h + "input_layernorm.weight", g + "attn_norm.weight", null, tensors);
                map(configFile, hf, h + "self_attn.q_proj.weight", g + "attn_q.weight", interleave(heads, hf.get(h + "self_attn.q_proj.weight")), tensors);
                map(configFile, hf, h + "self_attn.k_proj.weight", g + "attn_k.weight", interleave(kvHeads, hf.get(h + "self_attn.k_proj.weight")), tensors);
                map(configFile, hf, h + "self_attn.v_proj.weight", g + "attn_v.weight", null, tensors);
                map(configFile, hf, h + "self_attn.o_proj.weight", g + "attn_output.weight", null, tensors);
                map(configFile, hf, h + "post_attention_layernorm.weight", g + "ffn_norm.weight", null, tensors);
                map(configFile, hf, h + "mlp.gate_proj.weight", g + "ffn_gate.weight", null, tensors);
                map(configFile, hf, h + "mlp.up_proj.weight", g + "ffn_up.weight", null, tensors);
                map(configFile, hf, h + "mlp.down_proj.weight", g + "ffn_down.weight", null, tensors);
            }
            map(configFile, hf, "model.norm.weight", "output_norm.weight", null, tensors);
            boolean tied = config.path("tie_word_embeddings").asBoolean(false) || !hf.containsKey("lm_head.weight");
            if (!tied) map(configFile, hf, "lm_head.weight", "output.weight", null, tensors);
            md.putAll(tokenizer(folder, config));
            long size = 0;
            try (var s = Files.list(folder)) {
                size = s.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile().length()).sum();
            }
            return new ModelFile(folder, "huggingface", md, tensors, size, arena::close);
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(folder, null, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static int positive(Path file, JsonNode config, String key) {
        JsonNode v = config.path(key);
        if (!v.canConvertToInt() || v.asInt() <= 0) throw new ModelFormatException(file, key, v.isMissingNode() ? "missing" : "must be a positive integer, found " + v);
        return v.asInt();
    }

    /** Every tensor of the checkpoint, from one file or from the shards the index names. */
    private static Map<String, SafeTensors.Entry> weights(Path folder, Arena arena) {
        Path index = folder.resolve("model.safetensors.index.json"), single = folder.resolve("model.safetensors");
        Map<String, SafeTensors.Entry> all = new LinkedHashMap<>();
        if (Files.isRegularFile(index)) {
            JsonNode map = json(index).path("weight_map");
            if (!map.isObject()) throw new ModelFormatException(index, "weight_map", "missing");
            Map<String, Map<String, SafeTensors.Entry>> shards = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                String shard = e.getValue().asText();
                Path shardPath = folder.resolve(shard);
                if (!Files.isRegularFile(shardPath)) throw new ModelFormatException(index, "weight_map[\"" + e.getKey() + "\"]", "shard " + shard + " is missing");
                Map<String, SafeTensors.Entry> content = shards.computeIfAbsent(shard, s -> SafeTensors.open(shardPath, arena));
                SafeTensors.Entry t = content.get(e.getKey());
                if (t == null) throw new ModelFormatException(index, "weight_map[\"" + e.getKey() + "\"]", "shard " + shard + " has no tensor of that name");
                all.put(e.getKey(), t);
            }
        } else if (Files.isRegularFile(single)) {
            all.putAll(SafeTensors.open(single, arena));
        } else {
            throw new ModelFormatException(folder, "model.safetensors", "missing (neither model.safetensors nor model.safetensors.index.json is in the folder)");
        }
        return all;
    }

    /** Adds {@code hf} under its GGUF name, shape reversed to GGUF's innermost-first order. */
    private static void map(Path config, Map<String, SafeTensors.Entry> hf, String hfName, String ggufName, int[] rowOrder, List<Tensor> out) {
        SafeTensors.Entry e = hf.get(hfName);
        if (e == null) throw new ModelFormatException(config.getParent(), "tensor " + hfName, "missing from the checkpoint");
        long[] shape = new long[e.shape().length];
        for (int i = 0; i < shape.length; i++) shape[i] = e.shape()[shape.length - 1 - i];
        out.add(new Tensor(new TensorInfo(ggufName, shape, e.type(), 0), e.data(), rowOrder));
    }

    /**
     * Hugging Face stores each head's rows as [first halves of the pairs; second halves] (rotate-half
     * RoPE); GGUF interleaves them. GGUF row h·hd + 2i + s is Hugging Face row h·hd + s·hd/2 + i.
     */
    static int[] interleave(int heads, SafeTensors.Entry e) {
        if (e == null) return null;
        int rows = (int) e.shape()[0];
        if (rows % heads != 0 || (rows / heads) % 2 != 0) return null; // shape check reports it
        int hd = rows / heads;
        int[] order = new int[rows];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int s = 0; s < 2; s++) order[h * hd + 2 * i + s] = h * hd + s * (hd / 2) + i;
            }
        }
        return order;
    }

    /** Linear scaling as llama.* keys; Llama 3's frequency-dependent scaling as the rope_freqs tensor llama.cpp writes. */
    private static Tensor ropeScaling(Path configFile, JsonNode config, int headDim, Map<String, GgufValue> md) {
        JsonNode rs = config.path("rope_scaling");
        if (rs.isMissingNode() || rs.isNull()) return null;
        String type = rs.path("rope_type").asText(rs.path("type").asText(""));
        double factor = rs.path("factor").asDouble(1);
        switch (type) {
            case "linear" -> {
                md.put("llama.rope.scaling.type", GgufValue.of("linear"));
                md.put("llama.rope.scaling.factor", GgufValue.ofFloat((float) factor));
                return null;
            }
            case "llama3" -> {
                double base = config.path("rope_theta").asDouble(10000), low = rs.path("low_freq_factor").asDouble(1),
                        high = rs.path("high_freq_factor").asDouble(4), old = rs.path("original_max_position_embeddings").asDouble(8192);
                double lowWavelen = old / low, highWavelen = old / high;
                float[] f = new float[headDim / 2];
                for (int i = 0; i < f.length; i++) {
                    double freq = 1.0 / Math.pow(base, 2.0 * i / headDim), wavelen = 2 * Math.PI / freq;
                    if (wavelen < highWavelen) f[i] = 1;
                    else if (wavelen > lowWavelen) f[i] = (float) factor;
                    else {
                        double smooth = (old / wavelen - low) / (high - low);
                        f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                    }
                }
                var seg = java.lang.foreign.MemorySegment.ofArray(f);
                return new Tensor(new TensorInfo("rope_freqs.weight", new long[] {f.length}, GgmlType.F32, 0), seg);
            }
            default -> throw new ModelFormatException(configFile, "rope_scaling", "RoPE scaling '" + type + "' is not supported (supported: linear, llama3)");
        }
    }

    private static Map<String, GgufValue> tokenizer(Path folder, JsonNode config) {
        Path json = folder.resolve("tokenizer.json"), model = folder.resolve("tokenizer.model");
        Map<String, GgufValue> md;
        if (Files.isRegularFile(json)) md = TokenizerFiles.read(json, -1);
        else if (Files.isRegularFile(model)) md = TokenizerFiles.read(model, -1);
        else return Map.of();
        md = new LinkedHashMap<>(md);
        int n = ((String[]) md.get("tokenizer.ggml.tokens").value()).length;
        for (String[] k : new String[][] {{"bos_token_id", "tokenizer.ggml.bos_token_id"}, {"eos_token_id", "tokenizer.ggml.eos_token_id"}}) {
            JsonNode v = config.path(k[0]);
            if (v.canConvertToInt() && v.asInt() >= 0 && v.asInt() < n) md.put(k[1], GgufValue.ofUInt32(v.asInt()));
        }
        return md;
    }

}
