package org.speclab.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.format.ModelFiles;
import org.speclab.format.TokenizerFiles;
import org.speclab.model.ModelFile;

/**
 * Our loaders against the Hugging Face tokenizers library itself (through DJL, test scope only),
 * on llama.cpp's vectors and a few thousand generated strings.
 */
class HuggingFaceAgreementTest {
    @TempDir
    Path dir;

    private static Tokenizer ours(Path file) {
        return Tokenizers.fromMetadata(file, TokenizerFiles.read(file, -1));
    }

    private static List<String> inputs(String vocabVectors, long seed, int count) throws Exception {
        List<String> all = new ArrayList<>();
        for (var v : LlamaCppVocabTest.vectors(SharedFiles.require("tokenizers/llama.cpp-vocab/" + vocabVectors))) all.add(v.text());
        all.addAll(RandomTexts.generate(seed, count));
        return all;
    }

    private static void agree(Tokenizer ours, HuggingFaceTokenizer hf, List<String> texts) {
        int checked = 0;
        for (String s : texts) {
            long[] want = hf.encode(s, false, false).getIds();
            int[] got = ours.encode(s, false, true);
            assertArrayEquals(Arrays.stream(want).mapToInt(x -> (int) x).toArray(), got, () -> "input " + LlamaCppVocabTest.label(s));
            checked++;
        }
        assertEquals(texts.size(), checked);
    }

    /** Added tokens' lstrip/rstrip (Phi-3's tokenizer.json sets rstrip) take the white space beside them, as in the library. */
    @Test
    void addedTokensStripWhiteSpaceAsInHuggingFace(@TempDir Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = (ObjectNode) om.readTree(SharedFiles.require("tokenizers/llama2/tokenizer.json").toFile());
        for (var a : root.withArray("added_tokens")) {
            String c = a.path("content").asText();
            if (c.equals("</s>")) ((ObjectNode) a).put("rstrip", true);
            if (c.equals("<s>")) ((ObjectNode) a).put("lstrip", true);
        }
        Path json = dir.resolve("tokenizer.json");
        om.writeValue(json.toFile(), root);
        List<String> texts = List.of("a</s>   b", "a   <s>b", "x <s> y </s> z", "</s>\n\n hello", "hi  <s>  </s>  ", "<s></s> ok",
                "tab\t</s>\tend", "no specials at all");
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            agree(ours(json), hf, texts);
        }
    }

    @Test
    void llama2TokenizerJsonAgreesWithHuggingFace() throws Exception {
        Path json = SharedFiles.require("tokenizers/llama2/tokenizer.json");
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            agree(ours(json), hf, inputs("ggml-vocab-llama-spm.gguf", 1, 3000));
        }
    }

    /**
     * The shared {@code llama2/tokenizer.json} holds a different 32000-piece vocabulary (Mistral-7B's
     * ids: "▁" is 28705, not 29871), so it cannot give Llama-2's ids. To hold SentencePiece-BPE
     * against Hugging Face on the real Llama-2 vocabulary, the test writes the tokenizer.json that
     * Hugging Face's own converter derives from {@code tokenizer.model} (merges from piece scores)
     * and compares our {@code tokenizer.model} and {@code tokenizer.json} loaders with the library.
     */
    @Test
    void llama2TokenizerModelAndItsTokenizerJsonAgreeWithHuggingFace() throws Exception {
        Path spm = SharedFiles.require("tokenizers/llama2/tokenizer.model");
        var md = TokenizerFiles.read(spm, -1);
        String[] tokens = (String[]) md.get("tokenizer.ggml.tokens").value();
        float[] scores = (float[]) md.get("tokenizer.ggml.scores").value();
        int[] types = (int[]) md.get("tokenizer.ggml.token_type").value();
        Path json = writeSentencePieceJson(tokens, scores, types);
        Tokenizer model = ours(spm), fromJson = ours(json);
        for (var v : LlamaCppVocabTest.vectors(SharedFiles.require("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf"))) {
            assertArrayEquals(v.ids(), model.encodeOrdinary(v.text()), () -> "tokenizer.model on " + LlamaCppVocabTest.label(v.text()));
            assertArrayEquals(v.ids(), fromJson.encodeOrdinary(v.text()), () -> "tokenizer.json on " + LlamaCppVocabTest.label(v.text()));
        }
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            List<String> texts = inputs("ggml-vocab-llama-spm.gguf", 6, 3000);
            agree(model, hf, texts);
            agree(fromJson, hf, texts);
        }
        assertEquals(1, fromJson.bos());
    }

    /** What Hugging Face's LlamaConverter writes for a SentencePiece BPE model. */
    private Path writeSentencePieceJson(String[] tokens, float[] scores, int[] types) throws Exception {
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < tokens.length; i++) ids.put(tokens[i], i);
        record Merge(String l, String r, float score, int lid, int rid) {}
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] != 1) continue;
            String p = tokens[i];
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < p.length(); k++) {
                String l = p.substring(0, k), r = p.substring(k);
                if (Character.isLowSurrogate(p.charAt(k))) continue;
                if (ids.containsKey(l) && ids.containsKey(r)) local.add(new Merge(l, r, scores[i], ids.get(l), ids.get(r)));
            }
            local.sort(java.util.Comparator.comparingInt(Merge::lid).thenComparingInt(Merge::rid));
            merges.addAll(local);
        }
        merges.sort(java.util.Comparator.comparingDouble(m -> -m.score()));
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 3; i++) {
            added.addObject().put("id", i).put("content", tokens[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode rep = ns.addObject().put("type", "Replace");
        rep.putObject("pattern").put("String", " ");
        rep.put("content", "\u2581");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair");
        post.putObject("special_tokens").putObject("<s>").put("id", "<s>").putArray("ids").add(1);
        ((ObjectNode) post.get("special_tokens").get("<s>")).putArray("tokens").add("<s>");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                .putNull("continuing_subword_prefix").putNull("end_of_word_suffix").put("fuse_unk", true).put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.length; i++) vocab.put(tokens[i], i);
        ArrayNode m = model.putArray("merges");
        for (Merge x : merges) m.add(x.l() + " " + x.r());
        Path p = dir.resolve("llama2-from-model").resolve("tokenizer.json");
        Files.createDirectories(p.getParent());
        om.writeValue(p.toFile(), root);
        return p;
    }

    /** GPT-2's GGUF vocabulary written out as a tokenizer.json: HF's ByteLevel BPE is the oracle for our regex and merges. */
    @Test
    void gpt2ByteLevelAgreesWithHuggingFace() throws Exception {
        Path gguf = SharedFiles.require("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf");
        String[] tokens, merges;
        Tokenizer fromGguf;
        try (ModelFile f = ModelFiles.openGguf(gguf)) {
            tokens = (String[]) f.metadata().get("tokenizer.ggml.tokens").value();
            merges = (String[]) f.metadata().get("tokenizer.ggml.merges").value();
            fromGguf = Tokenizers.fromMetadata(gguf, f.metadata());
        }
        Path json = writeByteLevelJson(tokens, merges, null, false);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            List<String> texts = inputs("ggml-vocab-gpt-2.gguf", 3, 3000);
            agree(fromGguf, hf, texts);
            agree(ours(json), hf, texts);
        }
    }

    /** Llama-3.2's encoder.json/vocab.bpe with Llama-3's split pattern, against HF given the same. */
    @Test
    void llama3EncoderJsonAgreesWithHuggingFace() throws Exception {
        Path enc = SharedFiles.require("tokenizers/llama3.2-bpe/encoder.json");
        Tokenizer ours = ours(enc);
        var md = TokenizerFiles.read(enc, -1);
        String[] tokens = (String[]) md.get("tokenizer.ggml.tokens").value();
        String[] merges = (String[]) md.get("tokenizer.ggml.merges").value();
        Path json = writeByteLevelJson(tokens, merges,
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", true);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            agree(ours, hf, inputs("ggml-vocab-gpt-2.gguf", 4, 3000));
            agree(ours(json), hf, inputs("ggml-vocab-gpt-2.gguf", 5, 500));
        }
    }

    private Path writeByteLevelJson(String[] tokens, String[] merges, String splitRegex, boolean ignoreMerges) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        ObjectNode byteLevel = om.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", splitRegex == null);
        if (splitRegex == null) {
            root.set("pre_tokenizer", byteLevel);
        } else {
            ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode list = seq.putArray("pretokenizers");
            ObjectNode split = list.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", splitRegex);
            split.put("behavior", "Isolated").put("invert", false);
            list.add(byteLevel);
        }
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").putNull("unk_token")
                .putNull("continuing_subword_prefix").putNull("end_of_word_suffix").put("fuse_unk", false)
                .put("byte_fallback", false).put("ignore_merges", ignoreMerges);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.length; i++) vocab.put(tokens[i], i);
        ArrayNode m = model.putArray("merges");
        for (String s : merges) m.add(s);
        Path p = dir.resolve("tokenizer-" + tokens.length + ".json");
        om.writeValue(p.toFile(), root);
        return p;
    }
}
