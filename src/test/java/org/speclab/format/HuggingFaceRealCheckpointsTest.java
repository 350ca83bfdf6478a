package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
class HuggingFaceRealCheckpointsTest {
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
     * Qwen2 as its Hugging Face folder holds it (q/k/v biases, rotate-half order, no Q/K permutation,
     * tied embedding), written from the reference pack's qwen2-F32.gguf: imported back, it must give
     * that file's logits bit for bit.
     */
    @Test
    void qwen2FolderImportsAsLlamaCppConvertsIt(@TempDir Path dir) throws Exception {
        Path gguf = SharedFiles.require("reference/arch/qwen2-F32.gguf");
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
                entries.put(hfName(t.name()), new TinyLlama.Entry("F32", shape, t.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.putArray("architectures").add("Qwen2ForCausalLM");
        config.put("model_type", "qwen2").put("hidden_size", c.dim()).put("intermediate_size", c.hiddenDim())
                .put("num_hidden_layers", c.layers()).put("num_attention_heads", c.heads()).put("num_key_value_heads", c.kvHeads())
                .put("vocab_size", c.vocabSize()).put("rms_norm_eps", 1e-6).put("rope_theta", 10000.0).put("tie_word_embeddings", true)
                .put("max_position_embeddings", 256).put("hidden_act", "silu");
        Path folder = Files.createDirectories(dir.resolve("qwen2"));
        Files.writeString(folder.resolve("config.json"), config.toString());
        TinyLlama.writeSafetensors(folder.resolve("model.safetensors"), entries);
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286};
        try (ModelFile a = ModelFiles.open(gguf, null); Transformer ta = new CpuBackend().load(a, 1);
             ModelFile b = ModelFiles.open(folder, null); Transformer tb = new CpuBackend().load(b, 1)) {
            assertEquals("qwen2", tb.config().architecture());
            float[][] want = ta.forward(ta.newCache(ids.length), ids, 0, ids.length), got = tb.forward(tb.newCache(ids.length), ids, 0, ids.length);
            for (int p = 0; p < ids.length; p++) assertArrayEquals(want[p], got[p], "position " + p);
        }
    }

    /** GGUF tensor name → the Hugging Face name (the importer's table, read backwards). */
    private static String hfName(String gguf) {
        if (gguf.equals("token_embd.weight")) return "model.embed_tokens.weight";
        if (gguf.equals("output_norm.weight")) return "model.norm.weight";
        String[] p = gguf.split("\\.", 3);
        String layer = "model.layers." + p[1] + ".";
        return layer + switch (p[2]) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "attn_q.weight" -> "self_attn.q_proj.weight";
            case "attn_k.weight" -> "self_attn.k_proj.weight";
            case "attn_v.weight" -> "self_attn.v_proj.weight";
            case "attn_q.bias" -> "self_attn.q_proj.bias";
            case "attn_k.bias" -> "self_attn.k_proj.bias";
            case "attn_v.bias" -> "self_attn.v_proj.bias";
            case "attn_output.weight" -> "self_attn.o_proj.weight";
            case "ffn_norm.weight" -> "post_attention_layernorm.weight";
            case "ffn_gate.weight" -> "mlp.gate_proj.weight";
            case "ffn_up.weight" -> "mlp.up_proj.weight";
            case "ffn_down.weight" -> "mlp.down_proj.weight";
            default -> throw new IllegalArgumentException(gguf);
        };
    }
}
