package org.speclab.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/** Builds the tokenizer a vocabulary names in {@code tokenizer.ggml.model}. */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer fromMetadata(Path file, Map<String, GgufValue> metadata) {
        Vocabulary v = Vocabulary.from(file, metadata);
        return switch (v.model()) {
            case "llama" -> new SentencePieceTokenizer(v, v.merges() == null ? null : merges(file, v, "tokenizer.ggml.merges"));
            case "gpt2" -> byteLevel(file, v, "tokenizer.ggml.merges", "tokenizer.ggml.pre", false);
            default -> throw new ModelFormatException(file, "tokenizer.ggml.model",
                    "tokenizer model '" + v.model() + "' is not supported (supported: llama = SentencePiece-BPE, gpt2 = byte-level BPE)");
        };
    }

    private static ByteLevelBpeTokenizer byteLevel(Path file, Vocabulary v, String mergesField, String preField, boolean ignoreMerges) {
        PreTokenizer pre = v.preRegex() != null ? regex(file, v.preRegex()) : PreTokenizer.byName(v.pre());
        if (pre == null) {
            throw new ModelFormatException(file, preField, "unknown pre-tokenizer '" + v.pre() + "' (known: "
                    + String.join(", ", PreTokenizer.knownNames()) + ")");
        }
        boolean ignore = ignoreMerges || v.ignoreMerges() || v.pre().equals("llama-bpe") || v.pre().equals("llama3");
        return new ByteLevelBpeTokenizer(v, merges(file, v, mergesField), pre, ignore);
    }

    private static PreTokenizer regex(Path file, String regex) {
        try {
            return new PreTokenizer(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ModelFormatException(file, "pre-tokenizer regex", "cannot be compiled: " + e.getDescription());
        }
    }

    static BpeMerges merges(Path file, Vocabulary v, String field) {
        List<String[]> pairs = new ArrayList<>(v.merges().length);
        for (int i = 0; i < v.merges().length; i++) {
            String m = v.merges()[i];
            int sp = m.indexOf(' ', 1);
            if (sp < 0 || sp == m.length() - 1) {
                throw new ModelFormatException(file, field + "[" + i + "]", "malformed merge '" + m + "' (expected two pieces separated by a space)");
            }
            pairs.add(new String[] {m.substring(0, sp), m.substring(sp + 1)});
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < v.size(); i++) ids.putIfAbsent(v.tokens()[i], i);
        int[] bad = {-1};
        BpeMerges merges = BpeMerges.of(pairs, ids, bad);
        if (merges == null) {
            String[] p = pairs.get(bad[0]);
            throw new ModelFormatException(file, field + "[" + bad[0] + "]", "merge '" + p[0] + " " + p[1]
                    + "' names a piece that is not in the vocabulary");
        }
        return merges;
    }

    /** The whole text of a token sequence (no streaming rules; special tokens print as nothing). */
    public static String decode(Tokenizer t, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(t.pieceBytes(id));
        return out.toString(StandardCharsets.UTF_8);
    }
}
