package org.speclab.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.format.TokenizerFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.gguf.ModelFormatException;

/** Broken vocabularies are refused with the file and the field, whatever format they come in. */
class TokenizerBadInputTest {
    @TempDir
    Path dir;

    private ModelFormatException refusedJson(String name, String json, String field) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromMetadata(p, TokenizerFiles.read(p, -1)));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        return e;
    }

    static final String VOCAB = "\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}";

    /**
     * A llama2.c tokenizer whose max_token_length is 10 starts with the byte 0x0a, as a SentencePiece
     * protobuf does: it must still be read as what it is (llama2.c reads it), whatever its name.
     */
    @Test
    void llama2cTokenizerStartingWithANewlineByte() throws Exception {
        String[] pieces = {"<unk>", "\n<s>\n", "\n</s>\n", "a", "b", "ab", " ab", "abcdefghij"};
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(10);
        bytes.write(head.array());
        for (int i = 0; i < pieces.length; i++) {
            byte[] p = pieces[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            bytes.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(-i).putInt(p.length).array());
            bytes.write(p);
        }
        assertEquals(0x0a, bytes.toByteArray()[0]);
        for (String name : new String[] {"tok10.bin", "tok10", "tok10.model"}) {
            Path p = dir.resolve(name);
            Files.write(p, bytes.toByteArray());
            var md = TokenizerFiles.read(p, -1);
            String[] tokens = (String[]) md.get("tokenizer.ggml.tokens").value();
            assertEquals(8, tokens.length, name);
            assertEquals("<s>", tokens[1], name);
            assertEquals("\u2581ab", tokens[6], name);
        }
    }

    @Test
    void malformedTokenizerJson() throws Exception {
        refusedJson("broken.json", "{\"model\": {\"type\": \"BPE\", ", "invalid JSON at line 1");
        refusedJson("nomodel.json", "{\"version\": \"1.0\"}", "model: missing");
        refusedJson("unigram.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "model.type");
        refusedJson("nomerges.json", "{\"model\": {\"type\": \"BPE\", " + VOCAB + "}}", "model.merges: missing");
        refusedJson("badid.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -4}, \"merges\": []}}", "token id out of range");
        refusedJson("badmerge.json", "{\"model\": {\"type\": \"BPE\", " + VOCAB + ", \"merges\": [\"a c\"]}}", "model.merges[0]");
        refusedJson("merge-shape.json", "{\"model\": {\"type\": \"BPE\", " + VOCAB + ", \"merges\": [42]}}", "model.merges[0]");
    }

    private ModelFormatException refusedGguf(String name, Map<String, GgufValue> md, String field) throws Exception {
        Path p = dir.resolve(name);
        GgufWriter.write(p, md, List.of(new GgufWriter.Entry("x", new long[] {1}, GgmlType.F32, GgufWriter.Data.of(new byte[4]))));
        var e = assertThrows(ModelFormatException.class, () -> {
            try (var f = org.speclab.format.ModelFiles.openGguf(p)) {
                Tokenizers.fromMetadata(p, f.metadata());
            }
        });
        assertTrue(e.getMessage().startsWith(p + ": " + field), e.getMessage());
        return e;
    }

    private static Map<String, GgufValue> gpt2(String[] tokens, String[] merges) {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GgufValue.of("gpt2"));
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
        if (merges != null) md.put("tokenizer.ggml.merges", GgufValue.ofStrings(merges));
        return md;
    }

    @Test
    void malformedGgufVocabularies() throws Exception {
        refusedGguf("nomerges.gguf", gpt2(new String[] {"a", "b"}, null), "tokenizer.ggml.merges");
        refusedGguf("unknown-piece.gguf", gpt2(new String[] {"a", "b", "ab"}, new String[] {"a x"}), "tokenizer.ggml.merges[0]");
        refusedGguf("merge-form.gguf", gpt2(new String[] {"a", "b", "ab"}, new String[] {"ab"}), "tokenizer.ggml.merges[0]");
        var md = gpt2(new String[] {"a", "b", "ab"}, new String[] {"a b"});
        md.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(99));
        refusedGguf("bos.gguf", md, "tokenizer.ggml.bos_token_id");
        md = gpt2(new String[] {"a", "b", "ab"}, new String[] {"a b"});
        md.put("tokenizer.ggml.pre", GgufValue.of("martian"));
        refusedGguf("pre.gguf", md, "tokenizer.ggml.pre");
        md = gpt2(new String[] {"a", "b", "ab"}, new String[] {"a b"});
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(new int[] {1, 1}));
        refusedGguf("types.gguf", md, "tokenizer.ggml.token_type");
        md = gpt2(new String[] {"a", "b", "ab"}, new String[] {"a b"});
        md.put("tokenizer.ggml.model", GgufValue.of("wordpiece"));
        refusedGguf("model.gguf", md, "tokenizer.ggml.model");
    }

    /** Two ids with one piece: refused in one line naming both (llama.cpp stops on an assertion), whatever the format. */
    @Test
    void duplicatePiecesAreRefused() throws Exception {
        var e = refusedGguf("dup.gguf", gpt2(new String[] {"a", "b", "ab", "b"}, new String[] {"a b"}), "tokenizer.ggml.tokens[3]");
        assertTrue(e.getMessage().contains("'b' is also piece 1"), e.getMessage());
        // a llama2.c tokenizer .bin with a piece twice
        String[] pieces = {"<unk>", "\n<s>\n", "\n</s>\n", "a", "b", "a\n"};
        pieces[5] = "a";
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8).array());
        for (int i = 0; i < pieces.length; i++) {
            byte[] p = pieces[i].getBytes(StandardCharsets.UTF_8);
            bytes.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(-i).putInt(p.length).array());
            bytes.write(p);
        }
        Path p = dir.resolve("tokdup.bin");
        Files.write(p, bytes.toByteArray());
        var e2 = assertThrows(ModelFormatException.class, () -> Tokenizers.fromMetadata(p, TokenizerFiles.read(p, -1)));
        assertTrue(e2.getMessage().startsWith(p + ": ") && e2.getMessage().contains("tokens[5]") && e2.getMessage().contains("is also piece 3"), e2.getMessage());
        assertEquals(1, e2.getMessage().lines().count());
        // empty pieces may repeat (they never match text)
        GgufWriter.write(dir.resolve("empty.gguf"), gpt2(new String[] {"a", "b", "ab", "", ""}, new String[] {"a b"}), List.of());
        try (var f = org.speclab.format.ModelFiles.openGguf(dir.resolve("empty.gguf"))) {
            assertEquals(5, Tokenizers.fromMetadata(dir.resolve("empty.gguf"), f.metadata()).vocabSize());
        }
    }

    @Test
    void invalidUtf8InAPieceIsRefused() throws Exception {
        Path p = dir.resolve("utf8.gguf");
        GgufWriter.write(p, gpt2(new String[] {"a", "XY"}, new String[0]), List.of());
        byte[] b = Files.readAllBytes(p);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int at = s.indexOf("XY");
        b[at] = (byte) 0xC3; // a lead byte followed by 'Y': not UTF-8
        Files.write(p, b);
        var e = assertThrows(ModelFormatException.class, () -> org.speclab.format.ModelFiles.openGguf(p));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens[1]: string is not valid UTF-8"), e.getMessage());
    }

    @Test
    void workingMinimalByteLevelVocabulary() throws Exception {
        // sanity check for the helper: the same minimal vocabulary, well-formed, encodes
        Path p = dir.resolve("ok.gguf");
        GgufWriter.write(p, gpt2(new String[] {"a", "b", "ab"}, new String[] {"a b"}), List.of());
        try (var f = org.speclab.format.ModelFiles.openGguf(p)) {
            assertEquals(List.of(2, 2, 0), java.util.Arrays.stream(Tokenizers.fromMetadata(p, f.metadata()).encodeOrdinary("ababa")).boxed().toList());
        }
    }
}
