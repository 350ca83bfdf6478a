package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * Hugging Face folders written by the test from a known random Llama: loading them (and converting
 * them) must give exactly the logits of the same weights written as GGUF.
 */
class HuggingFaceCheckpointTest {
    @TempDir
    Path dir;

    static final int HEADS = 4, KV_HEADS = 2;

    private Path gguf(GgmlType type, boolean tied) throws Exception {
        return RandomModels.write(dir.resolve("ref-" + type + tied + ".gguf"), new RandomModels.Shape(64, 96, 2, HEADS, KV_HEADS, 50, tied, type, 10000f), 3);
    }

    /** GGUF name → Hugging Face name. */
    static String hfName(String g) {
        if (g.equals("token_embd.weight")) return "model.embed_tokens.weight";
        if (g.equals("output_norm.weight")) return "model.norm.weight";
        if (g.equals("output.weight")) return "lm_head.weight";
        String[] p = g.split("\\.");
        String layer = "model.layers." + p[1] + ".";
        return layer + switch (p[2]) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "ffn_norm" -> "post_attention_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> throw new IllegalArgumentException(g);
        } + ".weight";
    }

    /** The tensor's bytes in Hugging Face's layout: Q and K rows in rotate-half order. */
    static byte[] hfBytes(Tensor t) {
        byte[] b = t.data().toArray(ValueLayout.JAVA_BYTE);
        int heads = t.name().endsWith("attn_q.weight") ? HEADS : t.name().endsWith("attn_k.weight") ? KV_HEADS : 0;
        if (heads == 0) return b;
        int rows = (int) t.info().rows(), rowBytes = b.length / rows, hd = rows / heads;
        byte[] out = new byte[b.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int s = 0; s < 2; s++) {
                    System.arraycopy(b, (h * hd + 2 * i + s) * rowBytes, out, (h * hd + s * (hd / 2) + i) * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    static void writeSafetensors(Path file, Map<String, Tensor> tensors, Map<String, String> dtypeOverride) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            byte[] b = hfBytes(t);
            ObjectNode n = header.putObject(hfName(e.getKey()));
            n.put("dtype", dtypeOverride.getOrDefault(e.getKey(), t.type().name()));
            var shape = n.putArray("shape");
            for (int i = t.shape().length - 1; i >= 0; i--) shape.add(t.shape()[i]);
            n.putArray("data_offsets").add(data.size()).add(data.size() + b.length);
            data.writeBytes(b);
        }
        header.putObject("__metadata__").put("format", "pt");
        byte[] h = om.writeValueAsBytes(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data.toByteArray());
        Files.write(file, out.toByteArray());
    }

    /** Writes the GGUF model's weights as a Hugging Face folder, in {@code shards} files. */
    Path hfFolder(Path gguf, String name, int shards, boolean tiedFlag) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        try (ModelFile f = ModelFiles.open(gguf, null)) {
            ObjectNode config = new ObjectMapper().createObjectNode();
            config.putArray("architectures").add("LlamaForCausalLM");
            config.put("hidden_size", 64).put("intermediate_size", 96).put("num_hidden_layers", 2).put("num_attention_heads", HEADS)
                    .put("num_key_value_heads", KV_HEADS).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
                    .put("max_position_embeddings", 64).put("vocab_size", 50).put("tie_word_embeddings", tiedFlag);
            new ObjectMapper().writeValue(folder.resolve("config.json").toFile(), config);
            List<Tensor> all = List.copyOf(f.tensors().values());
            ObjectNode index = new ObjectMapper().createObjectNode();
            ObjectNode map = index.putObject("weight_map");
            for (int s = 0; s < shards; s++) {
                Map<String, Tensor> part = new LinkedHashMap<>();
                for (int i = s; i < all.size(); i += shards) part.put(all.get(i).name(), all.get(i));
                String file = shards == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
                writeSafetensors(folder.resolve(file), part, Map.of());
                for (String n : part.keySet()) map.put(hfName(n), file);
            }
            if (shards > 1) new ObjectMapper().writeValue(folder.resolve("model.safetensors.index.json").toFile(), index);
        }
        return folder;
    }

    private static float[][] logits(Path model) {
        try (ModelFile f = ModelFiles.open(model, null); Transformer t = new CpuBackend().load(f, 1)) {
            return t.forward(t.newCache(8), new int[] {1, 7, 3, 44, 9}, 0, 5);
        }
    }

    @ParameterizedTest(name = "{0} tied={1} shards={2}")
    @CsvSource({"F32, false, 1", "F32, true, 3", "F16, false, 2", "F16, true, 1", "BF16, false, 1", "BF16, true, 2"})
    void sameLogitsAsTheGgufOfTheSameWeights(GgmlType type, boolean tied, int shards) throws Exception {
        Path g = gguf(type, tied);
        Path hf = hfFolder(g, "hf-" + type + tied + shards, shards, tied);
        float[][] want = logits(g), got = logits(hf);
        for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], got[i], "position " + i);
        // and through convert: the GGUF written from the folder gives the same logits again
        Path out = dir.resolve("conv-" + type + tied + shards + ".gguf");
        CliRun c = CliRun.of("convert", hf.toString(), "-o", out.toString(), "--type", type.name().toLowerCase(),
                "--tokenizer", SharedFiles.require("models/stories260K/tok512.bin").toString());
        // tok512 has 512 pieces but the model only 50 rows: the convert must refuse, naming both
        assertEquals(1, c.exitCode());
        assertTrue(c.err().contains("512") && c.err().contains("50"), c.err());
    }

    @Test
    void convertsWithItsOwnTokenizerAndLoadsBack() throws Exception {
        Path g = gguf(GgmlType.F16, false);
        Path hf = hfFolder(g, "hf-tok", 1, false);
        // a small tokenizer.json of 50 pieces written beside the weights
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 50; i++) vocab.append(i > 0 ? "," : "").append('"').append(i < 3 ? new String[] {"<unk>", "<s>", "</s>"}[i] : "▁w" + i).append("\":").append(i);
        Files.writeString(hf.resolve("tokenizer.json"), "{\"added_tokens\":[{\"id\":1,\"content\":\"<s>\",\"special\":true},{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
                + "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"▁\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}]},"
                + "\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"byte_fallback\":false,\"vocab\":{" + vocab + "},\"merges\":[]}}", StandardCharsets.UTF_8);
        Path out = dir.resolve("with-tok.gguf");
        CliRun c = CliRun.of("convert", hf.toString(), "-o", out.toString(), "--type", "f16");
        assertEquals(0, c.exitCode(), c.err());
        float[][] want = logits(g), got = logits(out);
        for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], got[i], "position " + i);
        CliRun gen = CliRun.of("generate", "-m", out.toString(), "-t", "0", "-n", "5", "-p", "w7 w8");
        assertEquals(0, gen.exitCode(), gen.err());
    }

    private ModelFormatException refused(Path folder, String... fragments) {
        var e = assertThrows(ModelFormatException.class, () -> ModelFiles.open(folder, null).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    @Test
    void badFoldersAreRefusedClearly() throws Exception {
        Path g = gguf(GgmlType.F32, false);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        refused(empty, "config.json", "missing");

        Path sharded = hfFolder(g, "sharded", 2, false);
        Files.delete(sharded.resolve("model-00002-of-00002.safetensors"));
        refused(sharded, "shard model-00002-of-00002.safetensors is missing");

        Path badIndex = hfFolder(g, "bad-index", 2, false);
        String idx = Files.readString(badIndex.resolve("model.safetensors.index.json"));
        Files.writeString(badIndex.resolve("model.safetensors.index.json"), idx.replace("{\"weight_map\":{", "{\"weight_map\":{\"model.ghost.weight\":\"model-00001-of-00002.safetensors\","));
        refused(badIndex, "model.ghost.weight", "has no tensor of that name");

        Path arch = hfFolder(g, "arch", 1, false);
        Files.writeString(arch.resolve("config.json"), Files.readString(arch.resolve("config.json")).replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        refused(arch, "unsupported architecture 'GPT2LMHeadModel'");

        Path dtype = Files.createDirectories(dir.resolve("dtype"));
        Files.copy(arch.resolve("config.json"), dtype.resolve("config.json"));
        Files.writeString(dtype.resolve("config.json"), Files.readString(dtype.resolve("config.json")).replace("GPT2LMHeadModel", "LlamaForCausalLM"));
        try (ModelFile f = ModelFiles.open(g, null)) {
            writeSafetensors(dtype.resolve("model.safetensors"), Map.of("token_embd.weight", f.tensor("token_embd.weight")), Map.of("token_embd.weight", "I8"));
        }
        refused(dtype, "dtype I8 is not supported");

        Path shape = hfFolder(g, "shape", 1, false);
        Files.writeString(shape.resolve("config.json"), Files.readString(shape.resolve("config.json")).replace("\"intermediate_size\":96", "\"intermediate_size\":128"));
        var e = assertThrows(ModelFormatException.class, () -> {
            try (ModelFile f = ModelFiles.open(shape, null)) {
                org.speclab.model.ModelConfig.from(f);
            }
        });
        assertTrue(e.getMessage().contains("expected shape"), e.getMessage());

        Path missing = hfFolder(g, "missing-tensor", 1, false);
        byte[] st = Files.readAllBytes(missing.resolve("model.safetensors"));
        String s = new String(st, StandardCharsets.ISO_8859_1).replace("model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.xx_proj.weight");
        Files.write(missing.resolve("model.safetensors"), s.getBytes(StandardCharsets.ISO_8859_1));
        refused(missing, "model.layers.1.mlp.up_proj.weight", "missing from the checkpoint");

        Path truncated = hfFolder(g, "truncated", 1, false);
        byte[] full = Files.readAllBytes(truncated.resolve("model.safetensors"));
        Files.write(truncated.resolve("model.safetensors"), java.util.Arrays.copyOf(full, 40));
        refused(truncated, "model.safetensors", "header");

        Path cut = hfFolder(g, "cut-data", 1, false);
        byte[] all = Files.readAllBytes(cut.resolve("model.safetensors"));
        Files.write(cut.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length - 100));
        refused(cut, "data_offsets", "outside");
    }
}
