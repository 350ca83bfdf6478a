package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.speclab.SharedFiles;
import org.speclab.cli.CliRun;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufValueType;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.tokenizer.Tokenizers;

/**
 * Hugging Face folders written by the test from a known random Llama: loading them must give
 * exactly the logits of the same weights written as GGUF, for every dtype, tied or not, in one file
 * or in shards.
 */
class HuggingFaceCheckpointTest {
    @TempDir
    Path dir;

    static final int[] TOKENS = {1, 7, 3, 44, 9, 21};

    static float[][] logits(Path model) {
        try (ModelFile f = ModelFiles.open(model, null); Transformer t = new CpuBackend().load(f, 1)) {
            return t.forward(t.newCache(8), TOKENS, 0, TOKENS.length);
        }
    }

    static void assertSameLogits(float[][] want, float[][] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], got[i], "position " + i);
    }

    static Stream<Arguments> everyLayout() {
        List<Arguments> all = new ArrayList<>();
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16)) {
            for (boolean tied : new boolean[] {false, true}) {
                for (int shards : new int[] {1, 3}) all.add(Arguments.of(type, tied, shards));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} tied={1} shards={2}")
    @MethodSource("everyLayout")
    void sameLogitsAsTheGgufOfTheSameWeights(GgmlType type, boolean tied, int shards) throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, type, tied, 3);
        Path gguf = m.writeGguf(dir.resolve("ref.gguf"));
        Path hf = m.writeHf(dir.resolve("hf"), m.config(), shards);
        assertSameLogits(logits(gguf), logits(hf));
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals("huggingface", f.format());
            assertEquals(tied, f.optionalTensor("output.weight") == null);
            assertEquals(type, f.tensor("blk.0.attn_q.weight").type());
        }
    }

    @Test
    void qAndKRowsLeftInHuggingFaceOrderGiveOtherLogits() throws Exception {
        // the check above is only worth something if a missing permutation shows in the logits
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        Path gguf = m.writeGguf(dir.resolve("ref.gguf"));
        Path wrong = Files.createDirectories(dir.resolve("unpermuted"));
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(wrong.resolve("config.json").toFile(), m.config());
        TinyLlama.writeWeights(wrong, m.hfEntries(false), 1);
        float[][] want = logits(gguf), got = logits(wrong);
        assertArrayEquals(want[0], got[0], "position 0 has no rotation, so no difference yet");
        assertFalse(Arrays.equals(want[3], got[3]), "Q/K row order must matter once positions rotate");
    }

    @Test
    void mistralWithItsOwnHeadSize() throws Exception {
        // head_dim 32 with hidden_size 64 and 4 heads: Q has 128 rows, wider than the model
        TinyLlama m = TinyLlama.random(new TinyLlama.Shape(64, 96, 2, 4, 2, 32, 50), GgmlType.BF16, false, 5);
        ObjectNode config = m.config();
        config.putArray("architectures").add("MistralForCausalLM");
        config.put("model_type", "mistral").put("sliding_window", (String) null);
        Path hf = m.writeHf(dir.resolve("mistral"), config, 2);
        assertSameLogits(logits(m.writeGguf(dir.resolve("ref.gguf"))), logits(hf));
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals(32, f.getLong("llama.attention.key_length", -1));
            assertEquals(32, f.getLong("llama.attention.value_length", -1));
            assertEquals(32, f.getLong("llama.rope.dimension_count", -1));
            assertEquals(32, ModelConfig.from(f).headDim());
            assertArrayEquals(new long[] {64, 128}, f.tensor("blk.1.attn_q.weight").shape());
            assertArrayEquals(new long[] {128, 64}, f.tensor("blk.1.attn_output.weight").shape());
        }
    }

    @Test
    void tensorsAreViewsOfTheMappedFilesAndUnusedOnesAreSkipped() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F16, false, 3);
        Path hf = m.writeHf(dir.resolve("hf"), m.config(), 1);
        Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>(m.hfEntries(true));
        // what older exports carry and the model does not use, in dtypes SpecLab does not compute with
        entries.put("model.layers.0.self_attn.rotary_emb.inv_freq", new TinyLlama.Entry("F32", new long[] {8}, new byte[32]));
        entries.put("model.extra_counter", new TinyLlama.Entry("I64", new long[] {2}, new byte[16]));
        TinyLlama.writeSafetensors(hf.resolve("model.safetensors"), entries);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals(m.bytes.keySet(), f.tensors().keySet());
            for (Tensor t : f.tensors().values()) {
                assertTrue(t.data().isMapped(), t.name() + " must be a view of the file, not a copy");
                boolean qk = t.name().endsWith("attn_q.weight") || t.name().endsWith("attn_k.weight");
                assertEquals(qk, t.rowOrder() != null, t.name());
            }
            assertEquals(Files.size(hf.resolve("model.safetensors")), f.fileSize());
        }
    }

    @Test
    void metadataHasLlamaCppsKeysAndTypes() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.BF16, true, 3);
        ObjectNode config = m.config();
        config.put("rope_theta", 500000.0).put("rms_norm_eps", 1e-6).put("max_position_embeddings", 4096);
        Path hf = m.writeHf(dir.resolve("Tiny-Llama-1B"), config, 1);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            Map<String, GgufValue> md = f.metadata();
            assertEquals(GgufValue.of("llama"), md.get("general.architecture"));
            assertEquals(GgufValue.of("Tiny-Llama-1B"), md.get("general.name"));
            Map<String, Integer> counts = Map.of("llama.block_count", 2, "llama.context_length", 4096, "llama.embedding_length", 64,
                    "llama.feed_forward_length", 96, "llama.attention.head_count", 4, "llama.attention.head_count_kv", 2,
                    "llama.vocab_size", 50, "llama.rope.dimension_count", 16, "general.file_type", 32);
            counts.forEach((k, v) -> assertEquals(GgufValue.ofUInt32(v), md.get(k), k));
            assertEquals(GgufValue.ofFloat(500000f), md.get("llama.rope.freq_base"));
            assertEquals(GgufValue.ofFloat(1e-6f), md.get("llama.attention.layer_norm_rms_epsilon"));
            assertNull(md.get("llama.attention.key_length"), "written only where config.json has head_dim, as llama.cpp does");
            assertNull(md.get("llama.rope.scaling.type"));
            assertArrayEquals(new long[] {64, 50}, f.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[] {96, 64}, f.tensor("blk.0.ffn_down.weight").shape());
            assertArrayEquals(new long[] {64}, f.tensor("output_norm.weight").shape());
            ModelConfig c = ModelConfig.from(f);
            assertEquals(500000f, c.ropeTheta());
            assertTrue(c.tiedClassifier());
        }
    }

    @Test
    void fileTypeFollowsTheWeights() throws Exception {
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16)) {
            TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, type, false, 3);
            try (ModelFile f = ModelFiles.open(m.writeHf(dir.resolve("ft-" + type), m.config(), 1), null)) {
                assertEquals(type == GgmlType.F32 ? 0 : 1, f.getLong("general.file_type", -1), type.name());
            }
        }
    }

    @Test
    void linearRopeScalingBecomesLlamaKeys() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        ObjectNode config = m.config();
        config.putObject("rope_scaling").put("type", "linear").put("factor", 4.0);
        Path hf = m.writeHf(dir.resolve("linear"), config, 1);
        Path gguf = m.writeGguf(dir.resolve("ref.gguf"),
                Map.of("llama.rope.scaling.type", GgufValue.of("linear"), "llama.rope.scaling.factor", GgufValue.ofFloat(4f)), List.of());
        assertSameLogits(logits(gguf), logits(hf));
        assertFalse(Arrays.equals(logits(m.writeGguf(dir.resolve("plain.gguf")))[4], logits(hf)[4]), "the scaling must reach the engine");
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals(GgufValue.of("linear"), f.metadata().get("llama.rope.scaling.type"));
            assertEquals(GgufValue.ofFloat(4f), f.metadata().get("llama.rope.scaling.factor"));
        }
    }

    @Test
    void aDefaultRopeScalingIsNoScaling() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        ObjectNode config = m.config();
        config.putObject("rope_scaling").put("rope_type", "default");
        assertSameLogits(logits(m.writeGguf(dir.resolve("ref.gguf"))), logits(m.writeHf(dir.resolve("hf"), config, 1)));
    }

    // ---- tokenizers from the folder ----

    /**
     * A tokenizer.json of {@code n} pieces (n ≥ 26): <unk>, <s>, </s>, ▁, w, the digits, ▁w, then
     * ▁w0 … ▁w9 (so "w7 w8" is [▁w7, ▁w8] = [23, 24]), then filler pieces.
     */
    static void writeTinyTokenizer(Path folder, int n) throws Exception {
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "▁", "w"));
        List<String> merges = new ArrayList<>(List.of("\"▁ w\""));
        for (int d = 0; d < 10; d++) pieces.add(String.valueOf(d));
        pieces.add("▁w");
        for (int d = 0; d < 10; d++) {
            pieces.add("▁w" + d);
            merges.add("\"▁w " + d + "\"");
        }
        while (pieces.size() < n) pieces.add("x" + pieces.size());
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < n; i++) vocab.append(i > 0 ? "," : "").append('"').append(pieces.get(i)).append("\":").append(i);
        Files.writeString(folder.resolve("tokenizer.json"), "{\"added_tokens\":[{\"id\":1,\"content\":\"<s>\",\"special\":true},{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
                + "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"▁\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}]},"
                + "\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"byte_fallback\":false,\"vocab\":{" + vocab + "},\"merges\":[" + String.join(",", merges) + "]}}", StandardCharsets.UTF_8);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\",\"add_bos_token\":true}");
    }

    @Test
    void convertsWithItsOwnTokenizerAndGivesTheSameLogits() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.BF16, false, 3);
        Path hf = m.writeHf(dir.resolve("hf"), m.config(), 2);
        writeTinyTokenizer(hf, 50);
        Path out = dir.resolve("converted.gguf");
        CliRun c = CliRun.of("convert", hf.toString(), "-o", out.toString(), "--type", "bf16");
        assertEquals(0, c.exitCode(), c.err());
        float[][] want = logits(m.writeGguf(dir.resolve("ref.gguf")));
        assertSameLogits(want, logits(out));
        CliRun gen = CliRun.of("generate", "-m", hf.toString(), "-t", "0", "-n", "5", "-p", "w7 w8");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().startsWith("w7 w8"), gen.out());
    }

    @Test
    void aShortVocabularyIsPaddedToTheEmbeddingAndTokenizerIdsWin() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, true, 3);
        ObjectNode config = m.config();
        config.put("eos_token_id", 7);
        Path hf = m.writeHf(dir.resolve("hf"), config, 1);
        writeTinyTokenizer(hf, 40);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            String[] tokens = (String[]) f.metadata().get("tokenizer.ggml.tokens").value();
            int[] types = (int[]) f.metadata().get("tokenizer.ggml.token_type").value();
            assertEquals(50, tokens.length);
            assertEquals("x39", tokens[39]);
            assertEquals("[PAD40]", tokens[40]);
            assertEquals(TokenizerFiles.UNUSED, types[49]);
            assertEquals(50, ((float[]) f.metadata().get("tokenizer.ggml.scores").value()).length);
            assertEquals(1, f.getLong("tokenizer.ggml.bos_token_id", -1));
            assertEquals(2, f.getLong("tokenizer.ggml.eos_token_id", -1), "tokenizer_config.json's eos wins over config.json's 7, as in llama.cpp's converter");
            var tok = Tokenizers.fromMetadata(hf, f.metadata());
            assertArrayEquals(new int[] {1, 23, 24}, tok.encode("w7 w8", true));
        }
    }

    @Test
    void sentencePieceModelFromTheFolder() throws Exception {
        Path spm = SharedFiles.require("models/stories260K/tok512.model");
        TinyLlama m = TinyLlama.random(new TinyLlama.Shape(64, 96, 2, 4, 2, 16, 512), GgmlType.F16, true, 3);
        Path hf = m.writeHf(dir.resolve("hf"), m.config(), 1);
        Files.copy(spm, hf.resolve("tokenizer.model"));
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals(GgufValue.of("llama"), f.metadata().get("tokenizer.ggml.model"));
            var tok = Tokenizers.fromMetadata(hf, f.metadata());
            assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tok.encode("Once upon a time", true));
        }
        // tokenizer.json wins when both are there
        writeTinyTokenizer(hf, 50);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertEquals("x49", ((String[]) f.metadata().get("tokenizer.ggml.tokens").value())[49]);
        }
    }

    @Test
    void anExplicitTokenizerReplacesTheFoldersOwn() throws Exception {
        Path bin = SharedFiles.require("models/stories260K/tok512.bin");
        TinyLlama m = TinyLlama.random(new TinyLlama.Shape(64, 96, 2, 4, 2, 16, 512), GgmlType.F32, true, 3);
        Path hf = m.writeHf(dir.resolve("hf"), m.config(), 1);
        writeTinyTokenizer(hf, 50);
        try (ModelFile f = ModelFiles.open(hf, bin)) {
            assertEquals(512, f.metadata().get("tokenizer.ggml.tokens").arrayLength());
            assertEquals(GgufValueType.UINT32, f.metadata().get("llama.vocab_size").type());
        }
    }

    @Test
    void theClassifierIsOutputWeightOnlyWhenUntied() throws Exception {
        // tie_word_embeddings true with an lm_head in the file (some exports keep the copy): the embedding is the classifier
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        ObjectNode config = m.config();
        config.put("tie_word_embeddings", true);
        Path hf = m.writeHf(dir.resolve("hf"), config, 1);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertNull(f.optionalTensor("output.weight"));
        }
        // untied but absent: also the embedding, as llama.cpp falls back to it
        Map<String, TinyLlama.Entry> entries = new LinkedHashMap<>(m.hfEntries(true));
        entries.remove("lm_head.weight");
        TinyLlama.writeSafetensors(hf.resolve("model.safetensors"), entries);
        config.put("tie_word_embeddings", false);
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(hf.resolve("config.json").toFile(), config);
        try (ModelFile f = ModelFiles.open(hf, null)) {
            assertNull(f.optionalTensor("output.weight"));
            assertNotNull(f.optionalTensor("token_embd.weight"));
        }
    }
}
