package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.speclab.SharedFiles;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * Folders that transformers (or mergekit) wrote themselves (../shared/models/hf-real), opened by the
 * importer and run by the engine, against logits computed outside SpecLab: transformers' own
 * ({@code golden.json}) or an independent float64 forward pass ({@code reference.logits.f32}). The
 * pack's README puts a correct importer and engine within ~1e-5 of the largest |logit| on F32 and
 * ~1e-3 on F16.
 */
public class HuggingFaceRealCheckpointsTest {
    private static final int[] LILY = {1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889};

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-random", "llama-tiny-random-f16-sharded", "llama3-tiny", "qwen3-tiny"})
    void logitsMatchTheReference(String name) throws Exception {
        Path folder = SharedFiles.require("models/hf-real/" + name);
        int[] ids;
        float[][] want;
        Path golden = folder.resolve("golden.json");
        if (Files.isRegularFile(golden)) {
            JsonNode c = new ObjectMapper().readTree(golden.toFile()).path("cases").path("full_b1");
            JsonNode idNode = c.path("input_ids").get(0), logits = c.path("logits");
            ids = new int[idNode.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = idNode.get(i).asInt();
            int vocab = logits.size() / ids.length;
            want = new float[ids.length][vocab];
            for (int p = 0; p < ids.length; p++) for (int v = 0; v < vocab; v++) want[p][v] = (float) logits.get(p * vocab + v).asDouble();
        } else {
            ids = LILY;
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(folder.resolve("reference.logits.f32"))).order(ByteOrder.LITTLE_ENDIAN);
            int vocab = b.remaining() / 4 / ids.length;
            want = new float[ids.length][vocab];
            for (int p = 0; p < ids.length; p++) for (int v = 0; v < vocab; v++) want[p][v] = b.getFloat(4 * (p * vocab + v));
        }
        try (ModelFile f = ModelFiles.open(folder, null); Transformer t = new CpuBackend().load(f, 2)) {
            float[][] got = t.forward(t.newCache(ids.length), ids, 0, ids.length);
            assertEquals(want[0].length, got[0].length, "vocabulary");
            double largest = 0, worst = 0;
            for (int p = 0; p < ids.length; p++) {
                for (int v = 0; v < want[p].length; v++) {
                    largest = Math.max(largest, Math.abs(want[p][v]));
                    worst = Math.max(worst, Math.abs(want[p][v] - got[p][v]));
                }
            }
            double tolerance = name.contains("f16") ? 1e-3 : 1e-5;
            assertTrue(worst <= tolerance * largest, name + " (" + t.config().architecture() + "): largest difference " + worst + " of largest |logit| " + largest);
        }
    }

    /**
     * Where config.json and the tokenizer files disagree on BOS/EOS (trl's tiny Llama: config 0/1,
     * tokenizer {@code <s>} = 1, {@code </s>} = 2), the tokenizer files win, as in llama.cpp's converter
     * and transformers' tokenizer: a prompt starts with {@code <s>}, not {@code <unk>}.
     */
    @Test
    void tokenizerFilesWinOverConfigJsonForBosAndEos() throws Exception {
        Path folder = SharedFiles.require("models/hf-real/llama-tiny-random");
        try (org.speclab.lab.LoadedModel m = org.speclab.lab.LoadedModel.open(folder, null, 1)) {
            assertEquals("<s>", m.tokenizer().piece(m.tokenizer().bos()));
            assertEquals("</s>", m.tokenizer().piece(m.tokenizer().eos()));
            assertEquals(LILY[0], m.prompt("Once upon a time", false, null)[0]);
        }
    }

    /**
     * Qwen2, Gemma 2 and Phi-3 as their Hugging Face folders hold them (transformers' tensor names:
     * Qwen2's q/k/v biases; Gemma 2's four norms per layer, stored as w where its norm multiplies by
     * 1 + w; Phi-3's fused qkv_proj and gate_up_proj; rotate-half order kept), written from the
     * reference pack's F32 files: imported back, each must give that file's logits bit for bit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "gemma2", "phi3"})
    void familyFoldersImportAsLlamaCppConvertsThem(String family, @TempDir Path dir) throws Exception {
        Path gguf = SharedFiles.require("reference/arch/" + family + "-F32.gguf");
        Path folder = writeFolder(family, dir, config -> {});
        ModelConfig c;
        try (ModelFile f = ModelFiles.open(gguf, null)) {
            c = ModelConfig.from(f);
        }
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};
        try (ModelFile a = ModelFiles.open(gguf, null); Transformer ta = new CpuBackend().load(a, 1);
             ModelFile b = ModelFiles.open(folder, null); Transformer tb = new CpuBackend().load(b, 1)) {
            assertEquals(family, tb.config().architecture());
            assertEquals(c, tb.config().withLayers(c.layers()), "the same hyper-parameters");
            float[][] want = ta.forward(ta.newCache(ids.length), ids, 0, ids.length), got = tb.forward(tb.newCache(ids.length), ids, 0, ids.length);
            for (int p = 0; p < ids.length; p++) assertArrayEquals(want[p], got[p], family + " position " + p);
        }
    }

    /** A transformers-style folder holding the weights of reference/arch/FAMILY-F32.gguf; {@code edit} may change its config. */
    public static Path writeFolder(String family, Path dir, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path gguf = SharedFiles.require("reference/arch/" + family + "-F32.gguf");
        Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>();
        ModelConfig c;
        try (ModelFile f = ModelFiles.open(gguf, null)) {
            c = ModelConfig.from(f);
            for (Tensor t : f.tensors().values()) {
                long[] shape = t.shape().clone();
                for (int i = 0; i < shape.length / 2; i++) {
                    long x = shape[i];
                    shape[i] = shape[shape.length - 1 - i];
                    shape[shape.length - 1 - i] = x;
                }
                float[] v = t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
                if (family.equals("gemma2") && t.name().contains("norm")) for (int i = 0; i < v.length; i++) v[i] -= 1f;
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) b.putFloat(x);
                String name = hfName(family, t.name());
                if (name != null) entries.put(name, new TinyLlama.Entry("F32", shape, b.array()));
            }
        }
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.putArray("architectures").add(switch (family) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "gemma2" -> "Gemma2ForCausalLM";
            default -> "Phi3ForCausalLM";
        });
        config.put("hidden_size", c.dim()).put("intermediate_size", c.hiddenDim()).put("num_hidden_layers", c.layers())
                .put("num_attention_heads", c.heads()).put("num_key_value_heads", c.kvHeads()).put("vocab_size", c.vocabSize())
                .put("rms_norm_eps", c.rmsEps()).put("rope_theta", 10000.0).put("max_position_embeddings", 256)
                .put("tie_word_embeddings", c.tiedClassifier());
        if (family.equals("gemma2")) {
            config.put("head_dim", c.headDim()).put("query_pre_attn_scalar", c.headDim()).put("hidden_activation", "gelu_pytorch_tanh")
                    .put("attn_logit_softcapping", 50.0).put("final_logit_softcapping", 30.0).put("sliding_window", 8);
        } else {
            config.put("hidden_act", "silu");
        }
        if (family.equals("phi3")) config.put("sliding_window", 2047);
        edit.accept(config);
        Path folder = Files.createDirectories(dir.resolve(family));
        Files.writeString(folder.resolve("config.json"), config.toString());
        TinyLlama.writeSafetensors(folder.resolve("model.safetensors"), entries);
        return folder;
    }

    /**
     * Phi-3 128k's LongRoPE: rope_scaling's long and short factors become rope_factors_long/short,
     * the original context and the attention factor √(1 + ln s / ln original) become keys, as
     * llama.cpp's converter writes them; the engine takes the long factors only for a context past
     * the original one.
     */
    @Test
    void phi3LongRopeImportsAsLlamaCppConvertsIt(@TempDir Path dir) throws Exception {
        float[] shortF = new float[32], longF = new float[32];
        for (int i = 0; i < 32; i++) {
            shortF[i] = 1f + i / 64f;
            longF[i] = 1f + i / 2f;
        }
        Path folder = writeFolder("phi3", dir, config -> {
            config.put("max_position_embeddings", 512).put("original_max_position_embeddings", 16);
            ObjectNode rs = config.putObject("rope_scaling").put("type", "longrope");
            for (float x : shortF) rs.withArray("short_factor").add(x);
            for (float x : longF) rs.withArray("long_factor").add(x);
        });
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};
        try (ModelFile m = ModelFiles.open(folder, null); Transformer t = new CpuBackend().load(m, 1)) {
            assertEquals(16, m.metadata().get("phi3.rope.scaling.original_context_length").asLong());
            assertEquals((float) Math.sqrt(1 + Math.log(32) / Math.log(16)), (float) m.metadata().get("phi3.rope.scaling.attn_factor").asDouble());
            assertArrayEquals(longF, m.tensor("rope_factors_long.weight").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            assertArrayEquals(shortF, m.tensor("rope_factors_short.weight").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            float[][] shortCtx = t.forward(t.newCache(16), ids, 0, ids.length), longCtx = t.forward(t.newCache(17), ids, 0, ids.length);
            assertArrayEquals(shortCtx[0], longCtx[0], "position 0 is not rotated");
            assertFalse(java.util.Arrays.equals(shortCtx[ids.length - 1], longCtx[ids.length - 1]), "a context past the original takes the long factors");
        }
        // a factor list of the wrong length is refused in one line naming the key
        Path bad = writeFolder("phi3", dir.resolve("bad"), config -> {
            config.put("original_max_position_embeddings", 16);
            ObjectNode rs = config.putObject("rope_scaling").put("type", "longrope");
            for (int i = 0; i < 31; i++) rs.withArray("short_factor").add(1.0);
            for (int i = 0; i < 32; i++) rs.withArray("long_factor").add(1.0);
        });
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.speclab.gguf.ModelFormatException.class, () -> ModelFiles.open(bad, null).close());
        assertTrue(e.getMessage().contains("rope_scaling.short_factor") && e.getMessage().contains("expected 32"), e.getMessage());
    }

    /** GGUF tensor name → transformers' name for these families, written out by hand (not the importer's table). */
    private static String hfName(String family, String gguf) {
        if (gguf.equals("token_embd.weight")) return "model.embed_tokens.weight";
        if (gguf.equals("output_norm.weight")) return "model.norm.weight";
        if (gguf.equals("output.weight")) return "lm_head.weight";
        String[] p = gguf.split("\\.", 3);
        String layer = "model.layers." + p[1] + ".";
        return layer + switch (p[2]) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "attn_q.weight" -> "self_attn.q_proj.weight";
            case "attn_k.weight" -> "self_attn.k_proj.weight";
            case "attn_v.weight" -> "self_attn.v_proj.weight";
            case "attn_qkv.weight" -> "self_attn.qkv_proj.weight";
            case "attn_q.bias" -> "self_attn.q_proj.bias";
            case "attn_k.bias" -> "self_attn.k_proj.bias";
            case "attn_v.bias" -> "self_attn.v_proj.bias";
            case "attn_output.weight" -> "self_attn.o_proj.weight";
            case "post_attention_norm.weight" -> "post_attention_layernorm.weight";
            case "ffn_norm.weight" -> family.equals("gemma2") ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
            case "post_ffw_norm.weight" -> "post_feedforward_layernorm.weight";
            case "ffn_gate.weight" -> "mlp.gate_proj.weight";
            case "ffn_up.weight" -> family.equals("phi3") ? "mlp.gate_up_proj.weight" : "mlp.up_proj.weight";
            case "ffn_down.weight" -> "mlp.down_proj.weight";
            default -> throw new IllegalArgumentException(gguf);
        };
    }
}
