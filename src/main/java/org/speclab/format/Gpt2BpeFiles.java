package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * OpenAI's GPT-2 vocabulary files: {@code encoder.json} (piece → id) and {@code vocab.bpe} (merges,
 * one per line, an optional {@code #version} header). The files do not say how text is split; a
 * 128,000-piece vocabulary is taken to be Llama-3's (its pre-tokenizer), anything else GPT-2's.
 */
public final class Gpt2BpeFiles {
    private Gpt2BpeFiles() {}

    public static Map<String, GgufValue> read(Path encoderJson) {
        Path bpe = encoderJson.resolveSibling("vocab.bpe");
        if (!Files.isRegularFile(bpe)) throw new ModelFormatException(encoderJson, null, "vocab.bpe (the merges) is missing beside it");
        JsonNode enc;
        try {
            enc = new ObjectMapper().readTree(Files.readAllBytes(encoderJson));
        } catch (IOException e) {
            throw new ModelFormatException(encoderJson, null, "invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!enc.isObject() || enc.isEmpty()) throw new ModelFormatException(encoderJson, null, "expected an object of piece → id");
        int n = enc.size();
        String[] tokens = new String[n];
        for (Iterator<Map.Entry<String, JsonNode>> it = enc.fields(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt(-1);
            if (!e.getValue().canConvertToInt() || id < 0 || id >= n) {
                throw new ModelFormatException(encoderJson, "\"" + e.getKey() + "\"", "id " + e.getValue() + " out of range 0.." + (n - 1));
            }
            if (tokens[id] != null) throw new ModelFormatException(encoderJson, "\"" + e.getKey() + "\"", "id " + id + " is used twice");
            tokens[id] = e.getKey();
        }
        List<String> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(bpe, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.isEmpty() || (i == 0 && l.startsWith("#version"))) continue;
                merges.add(l);
            }
        } catch (IOException e) {
            throw new ModelFormatException(bpe, null, "cannot read: " + e.getMessage());
        }
        for (int i = 0; i < n; i++) if (tokens[i] == null) throw new ModelFormatException(encoderJson, null, "no piece has id " + i);
        HuggingFaceTokenizer.checkMerges(bpe, "merge", merges.toArray(String[]::new), tokens);
        int[] types = new int[n];
        java.util.Arrays.fill(types, TokenizerFiles.NORMAL);
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GgufValue.of("gpt2"));
        md.put("tokenizer.ggml.pre", GgufValue.of(n == 128_000 ? "llama-bpe" : "gpt-2"));
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(types));
        md.put("tokenizer.ggml.merges", GgufValue.ofStrings(merges.toArray(String[]::new)));
        md.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(false));
        return md;
    }
}
