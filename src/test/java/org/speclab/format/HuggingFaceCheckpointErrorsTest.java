package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.ModelFormatException;

/**
 * Every bad Hugging Face folder is refused with one line that names the file, the field and what
 * was expected, before any weight is used.
 */
class HuggingFaceCheckpointErrorsTest {
    @TempDir
    Path dir;

    TinyLlama m;

    @BeforeEach
    void model() {
        m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
    }

    /** Opens through {@link ModelFiles}, as every command does; checks the one-line message and returns it. */
    static String refused(Path folder, String... fragments) {
        var e = assertThrows(ModelFormatException.class, () -> ModelFiles.open(folder, null).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    Path folder(String name, ObjectNode config, int shards) throws Exception {
        return m.writeHf(dir.resolve(name), config, shards);
    }

    Path folder(String name) throws Exception {
        return folder(name, m.config(), 1);
    }

    @Test
    void missingConfigJson() throws Exception {
        Path f = folder("no-config");
        Files.delete(f.resolve("config.json"));
        refused(f, f.toString(), "config.json", "missing");
        var e = assertThrows(ModelFormatException.class, () -> HuggingFaceCheckpoint.open(f));
        assertTrue(e.getMessage().contains("config.json: missing"), e.getMessage());
    }

    @Test
    void missingWeights() throws Exception {
        Path f = folder("no-weights");
        Files.delete(f.resolve("model.safetensors"));
        refused(f, "model.safetensors", "missing");
    }

    @Test
    void pickleWeightsAreNeverLoaded() throws Exception {
        Path f = folder("pickle");
        Files.delete(f.resolve("model.safetensors"));
        // a pickle that would run code if it were unpickled: SpecLab must refuse it by name, never open it
        Files.write(f.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 4, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n'});
        String msg = refused(f, "pytorch_model.bin", "never loaded", "can run any code", "safetensors");
        assertFalse(msg.contains("missing"), msg);
    }

    @Test
    void missingShardFile() throws Exception {
        Path f = folder("sharded", m.config(), 2);
        Files.delete(f.resolve("model-00002-of-00002.safetensors"));
        refused(f, "model.safetensors.index.json", "weight_map[", "shard model-00002-of-00002.safetensors is missing");
    }

    @Test
    void indexNamingATensorNoShardHas() throws Exception {
        Path f = folder("bad-index", m.config(), 2);
        Path index = f.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.ghost.weight", "model-00001-of-00002.safetensors");
        new ObjectMapper().writeValue(index.toFile(), json);
        refused(f, "model.safetensors.index.json", "weight_map[\"model.ghost.weight\"]", "shard model-00001-of-00002.safetensors has no tensor of that name");
    }

    @Test
    void indexPointingOutOfTheFolder() throws Exception {
        Path f = folder("escape", m.config(), 2);
        Path index = f.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).replace("\"model-00001-of-00002.safetensors\"", "\"../model-00001-of-00002.safetensors\""));
        refused(f, "model.safetensors.index.json", "expected a file name in this folder");
    }

    @Test
    void aTensorTheConfigNeedsIsMissing() throws Exception {
        Path f = folder("missing-tensor");
        Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>(m.hfEntries(true));
        entries.remove("model.layers.1.mlp.up_proj.weight");
        TinyLlama.writeSafetensors(f.resolve("model.safetensors"), entries);
        refused(f, "model.safetensors", "tensor model.layers.1.mlp.up_proj.weight", "missing");
        // and in a sharded checkpoint the index is named
        Path s = folder("missing-sharded", m.config(), 2);
        ObjectNode config = m.config();
        config.put("num_hidden_layers", 3);
        new ObjectMapper().writeValue(s.resolve("config.json").toFile(), config);
        refused(s, "model.safetensors.index.json", "tensor model.layers.2.input_layernorm.weight", "missing");
    }

    @Test
    void unsupportedDtype() throws Exception {
        for (String dtype : new String[] {"I8", "F8_E4M3"}) {
            Path f = folder("dtype-" + dtype);
            Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>(m.hfEntries(true));
            TinyLlama.Entry q = entries.get("model.layers.0.self_attn.q_proj.weight");
            entries.put("model.layers.0.self_attn.q_proj.weight", new TinyLlama.Entry(dtype, q.shape(), Arrays.copyOf(q.data(), q.data().length / 4)));
            TinyLlama.writeSafetensors(f.resolve("model.safetensors"), entries);
            refused(f, "model.safetensors", "tensor model.layers.0.self_attn.q_proj.weight", "dtype " + dtype + " is not supported", "F32, F16, BF16");
        }
    }

    @Test
    void featuresNotImplementedAreRefusedNotIgnored() throws Exception {
        ObjectNode sliding = m.config();
        sliding.put("use_sliding_window", true);
        refused(folder("sliding", sliding, 1), "config.json", "use_sliding_window", "not supported");
        ObjectNode gemma = m.config();
        gemma.putArray("architectures").add("Gemma2ForCausalLM");
        gemma.put("hidden_activation", "gelu_pytorch_tanh").put("query_pre_attn_scalar", 99);
        refused(folder("gemma-scale", gemma, 1), "config.json", "query_pre_attn_scalar", "99.0 is not supported");
    }

    @Test
    void unsupportedArchitecture() throws Exception {
        ObjectNode config = m.config();
        config.putArray("architectures").add("GPT2LMHeadModel");
        refused(folder("arch", config, 1), "config.json", "architectures", "unsupported architecture 'GPT2LMHeadModel'",
                "supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
        ObjectNode none = m.config();
        none.remove("architectures");
        refused(folder("no-arch", none, 1), "config.json", "architectures", "missing");
    }

    @Test
    void shapeMismatch() throws Exception {
        ObjectNode config = m.config();
        config.put("intermediate_size", 128);
        refused(folder("shape", config, 1), "model.safetensors", "tensor model.layers.0.mlp.gate_proj.weight", "shape [96, 64]",
                "does not match config.json", "[128, 64]");
        ObjectNode kv = m.config();
        kv.put("num_key_value_heads", 4);
        refused(folder("kv-shape", kv, 1), "tensor model.layers.0.self_attn.k_proj.weight", "shape [32, 64]", "[64, 64]");
        ObjectNode vocab = m.config();
        vocab.put("vocab_size", 64);
        refused(folder("vocab", vocab, 1), "config.json", "vocab_size", "64 does not match the 50 rows of model.embed_tokens.weight");
    }

    /** A safetensors file whose header claims {@code headerLength} bytes, followed by {@code body}. */
    static void writeRaw(Path file, long headerLength, byte[] body) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(body);
        Files.write(file, b.array());
    }

    @Test
    void truncatedSafetensorsHeader() throws Exception {
        Path f = folder("truncated");
        byte[] full = Files.readAllBytes(f.resolve("model.safetensors"));
        Files.write(f.resolve("model.safetensors"), Arrays.copyOf(full, 40));
        refused(f, "model.safetensors", "header", "does not fit the 40-byte file");

        Files.write(f.resolve("model.safetensors"), Arrays.copyOf(full, 5));
        refused(f, "model.safetensors", "header", "truncated (5 bytes");

        writeRaw(f.resolve("model.safetensors"), 1L << 40, new byte[64]);
        refused(f, "model.safetensors", "header", "header length 1099511627776 does not fit");

        byte[] cut = "{\"a\": {\"dty".getBytes(StandardCharsets.UTF_8);
        writeRaw(f.resolve("model.safetensors"), cut.length, cut);
        refused(f, "model.safetensors", "header", "invalid JSON");
    }

    @Test
    void dataOffsetsPastTheEndOfTheFile() throws Exception {
        Path f = folder("cut-data");
        byte[] all = Files.readAllBytes(f.resolve("model.safetensors"));
        Files.write(f.resolve("model.safetensors"), Arrays.copyOf(all, all.length - 100));
        refused(f, "model.safetensors", "tensor lm_head.weight", "data_offsets", "lie outside the");

        String header = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[64],\"data_offsets\":[256,512]}}";
        writeRaw(f.resolve("model.safetensors"), header.length(), (header + "x".repeat(300)).getBytes(StandardCharsets.UTF_8));
        refused(f, "tensor model.norm.weight", "data_offsets [256,512] lie outside the 300-byte data section");
    }

    @Test
    void dataOffsetsThatDisagreeWithTheShape() throws Exception {
        Path f = folder("size");
        String header = "{\"model.norm.weight\":{\"dtype\":\"BF16\",\"shape\":[64],\"data_offsets\":[0,256]}}";
        writeRaw(f.resolve("model.safetensors"), header.length(), (header + "x".repeat(300)).getBytes(StandardCharsets.UTF_8));
        refused(f, "tensor model.norm.weight", "hold 256 bytes, but BF16 [64] needs 128");

        header = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[64, -1],\"data_offsets\":[0,256]}}";
        writeRaw(f.resolve("model.safetensors"), header.length(), (header + "x".repeat(300)).getBytes(StandardCharsets.UTF_8));
        refused(f, "tensor model.norm.weight", "bad shape");
    }

    @Test
    void badConfigValues() throws Exception {
        ObjectNode noHidden = m.config();
        noHidden.remove("hidden_size");
        refused(folder("no-hidden", noHidden, 1), "config.json", "hidden_size: missing");

        ObjectNode negative = m.config();
        negative.put("num_attention_heads", -4);
        refused(folder("negative", negative, 1), "config.json", "num_attention_heads", "must be a positive integer, found -4");

        ObjectNode gqa = m.config();
        gqa.put("num_key_value_heads", 3);
        refused(folder("gqa", gqa, 1), "config.json", "num_key_value_heads", "3 does not divide num_attention_heads 4");

        ObjectNode eps = m.config();
        eps.put("rms_norm_eps", "small");
        refused(folder("eps", eps, 1), "config.json", "rms_norm_eps", "must be a positive number");

        Path broken = folder("broken-json");
        Files.writeString(broken.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"],");
        refused(broken, "config.json", "invalid JSON");
    }

    @Test
    void featuresTheEngineDoesNotHave() throws Exception {
        ObjectNode bias = m.config();
        bias.put("attention_bias", true);
        refused(folder("attention-bias", bias, 1), "config.json", "attention_bias", "not supported");

        ObjectNode act = m.config();
        act.put("hidden_act", "gelu");
        refused(folder("gelu", act, 1), "config.json", "hidden_act", "'gelu' is not supported");

        ObjectNode quant = m.config();
        quant.putObject("quantization_config").put("quant_method", "gptq");
        refused(folder("gptq", quant, 1), "config.json", "quantization_config", "(gptq) are not supported");

        ObjectNode yarn = m.config();
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);
        refused(folder("yarn", yarn, 1), "config.json", "rope_scaling", "RoPE scaling 'yarn' is not supported (supported: linear, llama3, longrope)");

        ObjectNode badFactor = m.config();
        badFactor.putObject("rope_scaling").put("type", "linear").put("factor", -2.0);
        refused(folder("bad-factor", badFactor, 1), "config.json", "rope_scaling.factor", "must be a positive number");

        // a bias tensor in the file, whatever the config says
        Path f = folder("bias-tensor");
        Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>(m.hfEntries(true));
        entries.put("model.layers.0.self_attn.q_proj.bias", new TinyLlama.Entry("F32", new long[] {64}, new byte[256]));
        TinyLlama.writeSafetensors(f.resolve("model.safetensors"), entries);
        refused(f, "model.safetensors", "tensor model.layers.0.self_attn.q_proj.bias", "biases are not supported");
    }

    @Test
    void aTokenizerLargerThanTheEmbedding() throws Exception {
        Path f = folder("big-vocab");
        HuggingFaceCheckpointTest.writeTinyTokenizer(f, 60);
        refused(f, "tokenizer.json", "60 tokens, but the model's embedding has only 50 rows");
    }

    @Test
    void aFolderWithoutConfigIsNotAModel() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String msg = refused(empty, "config.json", "missing");
        assertEquals(0, msg.indexOf(empty.toString()), "the message starts with the folder: " + msg);
    }
}
