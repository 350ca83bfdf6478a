package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;
import org.speclab.model.Architecture;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.WeightType;

/**
 * A Hugging Face Llama/Mistral/Qwen2/Qwen3 folder ({@code config.json}, {@code model.safetensors} or the shards
 * that {@code model.safetensors.index.json} names, {@code tokenizer.json} or {@code tokenizer.model})
 * seen as the {@link ModelFile} llama.cpp's {@code convert_hf_to_gguf.py} would have written:
 * llama.* metadata from the config, tensors under GGUF names with GGUF's reversed shapes.
 *
 * <p>Nothing is copied: every tensor is a view of the mapped safetensors files, so opening costs the
 * same for 1 B and 70 B parameters. Llama's Q and K, which Hugging Face stores in rotate-half order, carry a
 * row order that puts them back in the interleaved-pair order GGUF uses for Llama (the NEOX-style
 * families keep Hugging Face's order, as llama.cpp's converter does); a consumer applies it one
 * row at a time ({@link Tensor#rowOffset}) or one tensor at a time ({@link Tensor#contiguous}).
 */
public final class HuggingFaceCheckpoint {
    public static final List<String> ARCHITECTURES = HuggingFaceConfig.ARCHITECTURES;

    private HuggingFaceCheckpoint() {}

    public static ModelFile open(Path folder) {
        Path configFile = folder.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new ModelFormatException(folder, "config.json", "missing (not a Hugging Face model folder)");
        HuggingFaceConfig c = HuggingFaceConfig.read(configFile);
        Arena arena = Arena.ofShared();
        try {
            Checkpoint hf = Checkpoint.open(folder, arena);
            Architecture a = c.family();
            if (!a.qkvBias()) refuseBiases(hf);
            SafeTensors.Entry embd = hf.require("model.embed_tokens.weight");
            int vocab = vocabRows(c, embd);
            // Llama's RoPE pairs adjacent values in GGUF; NEOX-style families keep Hugging Face's order
            boolean permute = a.rope() == Architecture.RopeStyle.ADJACENT;
            int[] qOrder = permute ? interleave(c.heads(), c.qRows()) : null, kOrder = permute ? interleave(c.kvHeads(), c.kvRows()) : null;

            List<Tensor> tensors = new ArrayList<>();
            tensors.add(tensor(embd, "token_embd.weight", null, vocab, c.dim()));
            ModelConfig shape = new ModelConfig(a, c.dim(), c.hidden(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), vocab, c.contextLength(),
                    c.rmsEps(), c.ropeTheta(), c.headDim(), 1f, c.tied(), 1f, 0f, 0f, 0);
            for (int l = 0; l < c.layers(); l++) {
                for (Architecture.TensorSpec spec : a.layerTensors(shape, l)) {
                    String role = spec.name().substring(spec.name().indexOf('.', 4) + 1); // attn_q.weight, attn_q.bias, …
                    String hfName = "model.layers." + l + "." + hfName(a, role);
                    long[] hfShape = spec.shape().clone(); // GGUF order is columns first; Hugging Face's rows first
                    for (int i = 0, j = hfShape.length - 1; i < j; i++, j--) {
                        long x = hfShape[i];
                        hfShape[i] = hfShape[j];
                        hfShape[j] = x;
                    }
                    int[] order = role.startsWith("attn_q.") ? qOrder : role.startsWith("attn_k.") ? kOrder : null;
                    Tensor t = tensor(hf.require(hfName), spec.name(), role.endsWith(".weight") ? order : null, hfShape);
                    // Gemma's RMSNorm multiplies by (1 + w); GGUF stores 1 + w, as llama.cpp's converter writes it
                    if (a == Architecture.GEMMA2 && role.contains("norm")) t = plusOne(t, arena);
                    tensors.add(t);
                }
            }
            Tensor outNorm = tensor(hf.require("model.norm.weight"), "output_norm.weight", null, c.dim());
            tensors.add(a == Architecture.GEMMA2 ? plusOne(outNorm, arena) : outNorm);
            // tied (or lm_head absent): the engine reads the embedding as the classifier, as llama.cpp does
            SafeTensors.Entry head = hf.entries().get("lm_head.weight");
            if (head != null && !c.tied()) tensors.add(tensor(head, "output.weight", null, vocab, c.dim()));
            float[] factors = c.ropeScaling() == null ? null : c.ropeScaling().llama3Factors(c.ropeTheta(), c.headDim());
            if (factors != null) tensors.add(vector(arena, "rope_freqs.weight", factors));
            if (c.ropeScaling() != null && c.ropeScaling().longFactors() != null) {
                // Phi-3's LongRoPE, as llama.cpp's converter writes it
                tensors.add(vector(arena, "rope_factors_long.weight", c.ropeScaling().longFactors()));
                tensors.add(vector(arena, "rope_factors_short.weight", c.ropeScaling().shortFactors()));
            }

            Map<String, GgufValue> md = new LinkedHashMap<>();
            md.put("general.architecture", GgufValue.of(a.name()));
            md.put("general.name", GgufValue.of(folder.toAbsolutePath().normalize().getFileName().toString()));
            c.putMetadata(md, vocab);
            md.put("general.file_type", GgufValue.ofUInt32(fileType(tensors)));
            md.putAll(tokenizer(folder, c, vocab));
            chatTemplates(folder, md);
            return new ModelFile(folder, "huggingface", md, tensors, hf.bytes(), arena::close);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Tensor vector(Arena arena, String name, float[] values) {
        MemorySegment seg = arena.allocateFrom(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), values);
        return new Tensor(new TensorInfo(name, new long[] {values.length}, GgmlType.F32, 0), seg);
    }

    /**
     * The Hugging Face name (after {@code model.layers.N.}) of a layer tensor's GGUF role, per family:
     * llama.cpp's converter's table read backwards.
     */
    static String hfName(Architecture a, String role) {
        String base = role.substring(0, role.lastIndexOf('.')), suffix = role.substring(role.lastIndexOf('.'));
        String name = switch (base) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_qkv" -> "self_attn.qkv_proj";
            case "attn_q_norm" -> "self_attn.q_norm";
            case "attn_k_norm" -> "self_attn.k_norm";
            case "attn_output" -> "self_attn.o_proj";
            case "post_attention_norm" -> "post_attention_layernorm";
            case "ffn_norm" -> a == Architecture.GEMMA2 ? "pre_feedforward_layernorm" : "post_attention_layernorm";
            case "post_ffw_norm" -> "post_feedforward_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> a.fusedGateUp() ? "mlp.gate_up_proj" : "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> throw new IllegalStateException("no Hugging Face name for " + role);
        };
        return name + suffix;
    }

    /** A norm vector with 1 added to each value, in float32 (Gemma's stored weights are w, its norm multiplies by 1 + w). */
    private static Tensor plusOne(Tensor t, Arena arena) {
        int n = Math.toIntExact(t.info().elementCount());
        float[] v = new float[n];
        org.speclab.quant.BlockCodec.of(t.type()).dequantize(t.data(), 0, v, 0, n);
        for (int i = 0; i < n; i++) v[i] += 1f;
        MemorySegment seg = arena.allocateFrom(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), v);
        return new Tensor(new TensorInfo(t.name(), t.shape(), GgmlType.F32, 0), seg);
    }

    /** The safetensors entries of the checkpoint, from one file or from the shards its index names. */
    record Checkpoint(Path source, Map<String, SafeTensors.Entry> entries, long bytes) {
        static Checkpoint open(Path folder, Arena arena) {
            Path index = folder.resolve("model.safetensors.index.json"), single = folder.resolve("model.safetensors");
            if (!Files.isRegularFile(index)) {
                for (String pickle : new String[] {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth", "consolidated.00.pth"}) {
                    if (!Files.isRegularFile(single) && Files.isRegularFile(folder.resolve(pickle))) {
                        throw new ModelFormatException(folder.resolve(pickle), null, "PyTorch pickle weights are never loaded, because unpickling a file"
                                + " can run any code in it; use the model's .safetensors files (most hub pages have them), or convert once where you"
                                + " trust the file: transformers' model.save_pretrained(folder, safe_serialization=True)");
                    }
                }
                if (!Files.isRegularFile(single)) {
                    throw new ModelFormatException(folder, "model.safetensors", "missing (the folder has neither model.safetensors nor model.safetensors.index.json)");
                }
                return new Checkpoint(single, SafeTensors.open(single, arena), size(single));
            }
            JsonNode map = json(index).path("weight_map");
            if (!map.isObject() || map.isEmpty()) throw new ModelFormatException(index, "weight_map", "missing or empty");
            Map<String, Map<String, SafeTensors.Entry>> shards = new LinkedHashMap<>();
            Map<String, SafeTensors.Entry> all = new LinkedHashMap<>();
            long bytes = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                String field = "weight_map[\"" + e.getKey() + "\"]", shard = e.getValue().asText("");
                Path shardPath = folder.resolve(shard).normalize();
                // a shard name is a file beside the index, never a path out of the folder
                if (shard.isEmpty() || !shardPath.getParent().equals(folder.normalize())) {
                    throw new ModelFormatException(index, field, "expected a file name in this folder, found " + e.getValue());
                }
                if (!Files.isRegularFile(shardPath)) throw new ModelFormatException(index, field, "shard " + shard + " is missing");
                if (!shards.containsKey(shard)) {
                    shards.put(shard, SafeTensors.open(shardPath, arena));
                    bytes += size(shardPath);
                }
                SafeTensors.Entry t = shards.get(shard).get(e.getKey());
                if (t == null) throw new ModelFormatException(index, field, "shard " + shard + " has no tensor of that name");
                all.put(e.getKey(), t);
            }
            return new Checkpoint(index, all, bytes);
        }

        SafeTensors.Entry require(String name) {
            SafeTensors.Entry e = entries.get(name);
            if (e == null) throw new ModelFormatException(source, "tensor " + name, "missing (config.json's model needs it)");
            return e;
        }
    }

    /** {@code e} under its GGUF name, after checking its dtype and its Hugging Face shape ({@code rows, cols} or {@code n}). */
    private static Tensor tensor(SafeTensors.Entry e, String ggufName, int[] rowOrder, long... expected) {
        if (e.type() == null) {
            throw new ModelFormatException(e.file(), "tensor " + e.name(), "dtype " + e.dtype() + " is not supported (supported: " + String.join(", ", SafeTensors.TYPES.keySet()) + ")");
        }
        if (!Arrays.equals(e.shape(), expected)) {
            throw new ModelFormatException(e.file(), "tensor " + e.name(), "shape " + Arrays.toString(e.shape()) + " does not match config.json, which implies "
                    + Arrays.toString(expected));
        }
        long[] shape = new long[expected.length];
        for (int i = 0; i < shape.length; i++) shape[i] = expected[shape.length - 1 - i];
        return new Tensor(new TensorInfo(ggufName, shape, e.type(), 0), e.data(), rowOrder);
    }

    /**
     * Undoes Hugging Face's rotate-half layout as llama.cpp's {@code permute(w, n_head, n_head_kv)} does:
     * each head's rows, seen as (2, headDim/2), are transposed to (headDim/2, 2), so GGUF row
     * h·hd + 2i + s is Hugging Face row h·hd + s·hd/2 + i.
     */
    static int[] interleave(int heads, int rows) {
        int hd = rows / heads;
        int[] order = new int[rows];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int s = 0; s < 2; s++) order[h * hd + 2 * i + s] = h * hd + s * (hd / 2) + i;
            }
        }
        return order;
    }

    private static int vocabRows(HuggingFaceConfig c, SafeTensors.Entry embd) {
        long[] s = embd.shape();
        if (s.length != 2 || s[1] != c.dim() || s[0] <= 0 || s[0] > Integer.MAX_VALUE) {
            throw new ModelFormatException(embd.file(), "tensor " + embd.name(), "shape " + Arrays.toString(s) + " does not match config.json, which implies [vocab_size, "
                    + c.dim() + "]");
        }
        if (c.vocabSize() > 0 && c.vocabSize() != s[0]) {
            throw new ModelFormatException(c.file(), "vocab_size", c.vocabSize() + " does not match the " + s[0] + " rows of " + embd.name());
        }
        return (int) s[0];
    }

    /** Bias vectors change the model's output; skipping them would run a different model silently. */
    private static void refuseBiases(Checkpoint hf) {
        for (SafeTensors.Entry e : hf.entries().values()) {
            if (e.name().startsWith("model.layers.") && e.name().endsWith(".bias")) {
                throw new ModelFormatException(e.file(), "tensor " + e.name(), "biases are not supported (SpecLab's Llama has none)");
            }
        }
    }

    /** llama.cpp's general.file_type for the type most weight bytes are in (F32, F16 or BF16: its table row's). */
    private static int fileType(List<Tensor> tensors) {
        Map<GgmlType, Long> bytes = new LinkedHashMap<>();
        for (Tensor t : tensors) if (t.shape().length == 2) bytes.merge(t.type(), t.info().byteSize(), Long::sum);
        GgmlType most = bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GgmlType.F32);
        return WeightType.require(most).fileType;
    }

    /**
     * tokenizer.ggml.* from {@code tokenizer.json} (preferred) or {@code tokenizer.model}, with the
     * special tokens of {@code tokenizer_config.json}, and {@code config.json}'s single ids where those name none.
     * A vocabulary shorter than the embedding is padded with unused [PAD<i>] pieces as llama.cpp's
     * converter pads it, so every row the model can emit has a piece.
     */
    private static Map<String, GgufValue> tokenizer(Path folder, HuggingFaceConfig c, int vocabRows) {
        Path json = folder.resolve("tokenizer.json"), model = folder.resolve("tokenizer.model");
        Path file = Files.isRegularFile(json) ? json : Files.isRegularFile(model) ? model : null;
        if (file == null) return Map.of();
        Map<String, GgufValue> md = new LinkedHashMap<>(TokenizerFiles.read(file, -1));
        String[] tokens = (String[]) md.get("tokenizer.ggml.tokens").value();
        if (tokens.length > vocabRows) {
            throw new ModelFormatException(file, "vocabulary", tokens.length + " tokens, but the model's embedding has only " + vocabRows
                    + " rows (config.json vocab_size); is this the model's own tokenizer?");
        }
        if (file == model) sentencePieceSpecials(folder.resolve("tokenizer_config.json"), tokens, md);
        // the tokenizer files name BOS/EOS; config.json's ids only fill what they leave open. This is what
        // llama.cpp's converter does, and what transformers' tokenizer does: it takes bos_token/eos_token
        // from the tokenizer files, so a prompt gets the BOS the model was trained with even where
        // config.json disagrees (as in trl's tiny test Llama: config 0/1, tokenizer <s> = 1, </s> = 2)
        if (!md.containsKey("tokenizer.ggml.bos_token_id") && c.bosId() >= 0 && c.bosId() < vocabRows) {
            md.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(c.bosId()));
        }
        if (!md.containsKey("tokenizer.ggml.eos_token_id") && c.eosId() >= 0 && c.eosId() < vocabRows) {
            md.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(c.eosId()));
        }
        if (tokens.length < vocabRows) pad(md, tokens, vocabRows);
        return md;
    }

    /**
     * The chat template(s), as llama.cpp's converter carries them: {@code chat_template.jinja}
     * (transformers 4.43+), else {@code tokenizer_config.json}'s {@code chat_template} (a string, or a
     * list of named ones: "default" becomes {@code tokenizer.chat_template}, the others
     * {@code tokenizer.chat_template.NAME}), else {@code chat_template.json}'s.
     */
    private static void chatTemplates(Path folder, Map<String, GgufValue> md) {
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                md.put(org.speclab.chat.ChatTemplate.KEY, GgufValue.of(Files.readString(jinja, java.nio.charset.StandardCharsets.UTF_8)));
                return;
            } catch (IOException e) {
                throw new ModelFormatException(jinja, null, "cannot read: " + e.getMessage());
            }
        }
        for (String name : new String[] {"tokenizer_config.json", "chat_template.json"}) {
            Path file = folder.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            JsonNode t = json(file).path("chat_template");
            if (t.isTextual()) {
                md.put(org.speclab.chat.ChatTemplate.KEY, GgufValue.of(t.asText()));
                return;
            }
            if (t.isArray()) {
                for (JsonNode e : t) {
                    String n = e.path("name").asText(null), text = e.path("template").asText(null);
                    if (n == null || text == null) throw new ModelFormatException(file, "chat_template", "a list entry needs \"name\" and \"template\"");
                    md.put(n.equals("default") ? org.speclab.chat.ChatTemplate.KEY : org.speclab.chat.ChatTemplate.KEY + "." + n, GgufValue.of(text));
                }
                return;
            }
            if (!t.isMissingNode() && !t.isNull()) throw new ModelFormatException(file, "chat_template", "expected a string or a list of {name, template}, found " + t.getNodeType());
        }
    }

    /** {@code tokenizer.model} carries its own ids; {@code tokenizer_config.json} may name others. */
    private static void sentencePieceSpecials(Path config, String[] tokens, Map<String, GgufValue> md) {
        if (!Files.isRegularFile(config)) return;
        JsonNode cfg = json(config);
        for (String[] k : new String[][] {{"bos_token", "tokenizer.ggml.bos_token_id"}, {"eos_token", "tokenizer.ggml.eos_token_id"}}) {
            JsonNode v = cfg.path(k[0]);
            String text = v.isTextual() ? v.asText() : v.path("content").asText(null);
            int id = text == null ? -1 : Arrays.asList(tokens).indexOf(text);
            if (id >= 0) md.put(k[1], GgufValue.ofUInt32(id));
        }
        if (cfg.path("add_bos_token").isBoolean()) md.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(cfg.path("add_bos_token").asBoolean()));
    }

    private static void pad(Map<String, GgufValue> md, String[] tokens, int rows) {
        String[] t = Arrays.copyOf(tokens, rows);
        int[] types = Arrays.copyOf((int[]) md.get("tokenizer.ggml.token_type").value(), rows);
        for (int i = tokens.length; i < rows; i++) {
            t[i] = "[PAD" + i + "]";
            types[i] = TokenizerFiles.UNUSED;
        }
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(t));
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(types));
        GgufValue scores = md.get("tokenizer.ggml.scores");
        if (scores != null) {
            float[] s = Arrays.copyOf((float[]) scores.value(), rows);
            Arrays.fill(s, tokens.length, rows, -1000f);
            md.put("tokenizer.ggml.scores", GgufValue.ofFloats(s));
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "cannot read: " + e.getMessage());
        }
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
