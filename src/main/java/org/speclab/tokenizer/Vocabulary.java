package org.speclab.tokenizer;

import java.nio.file.Path;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufValueType;
import org.speclab.gguf.ModelFormatException;

/**
 * A vocabulary as GGUF stores it ({@code tokenizer.ggml.*}): pieces, scores, token types and the
 * special ids. Validated on load so the tokenizers can index without checks.
 */
public record Vocabulary(String model, String pre, String preRegex, boolean ignoreMerges, String[] tokens, float[] scores,
                         int[] types, String[] merges, int bos, int eos, int unk, int[] extraEndIds, boolean addBos,
                         boolean addSpacePrefix, java.util.BitSet lstrip, java.util.BitSet rstrip) {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /**
     * Ids of special tokens that swallow the white space before ({@code lstrip}) or after
     * ({@code rstrip}) them in input text, as Hugging Face's added tokens do. GGUF has no key for
     * these; SpecLab's converter writes them under these keys from {@code tokenizer.json}.
     */
    public static final String LSTRIP_KEY = "speclab.tokenizer.lstrip", RSTRIP_KEY = "speclab.tokenizer.rstrip";

    public int size() { return tokens.length; }

    public static Vocabulary from(Path file, Map<String, GgufValue> md) {
        GgufValue model = md.get("tokenizer.ggml.model");
        if (model == null) {
            throw new ModelFormatException(file, "tokenizer.ggml.model",
                    "the file carries no vocabulary; pass one with --tokenizer (llama2.c tokenizer .bin or SentencePiece .model)");
        }
        String kind = String.valueOf(model.value());
        String[] tokens = stringArray(file, md, "tokenizer.ggml.tokens");
        int n = tokens.length;
        if (n == 0) throw new ModelFormatException(file, "tokenizer.ggml.tokens", "is empty");
        float[] scores = md.containsKey("tokenizer.ggml.scores") ? floatArray(file, md, "tokenizer.ggml.scores", n) : new float[n];
        int[] types;
        if (md.containsKey("tokenizer.ggml.token_type")) {
            types = intArray(file, md, "tokenizer.ggml.token_type", n);
        } else {
            types = new int[n];
            java.util.Arrays.fill(types, NORMAL);
        }
        for (int i = 0; i < n; i++) {
            if (types[i] < 0 || types[i] > 6) throw new ModelFormatException(file, "tokenizer.ggml.token_type[" + i + "]", "unknown token type " + types[i]);
            String t = tokens[i];
            // a byte token stands for one byte, written <0xHH>; SentencePiece reads its value from the text
            if (types[i] == BYTE && t != null && t.length() == 6 && t.startsWith("<0x")
                    && (Character.digit(t.charAt(3), 16) < 0 || Character.digit(t.charAt(4), 16) < 0 || t.charAt(5) != '>')) {
                throw new ModelFormatException(file, "tokenizer.ggml.tokens[" + i + "]", "byte token '" + t + "' is not of the form <0xHH>");
            }
        }
        uniquePieces(file, tokens);
        boolean spm = kind.equals("llama");
        String[] merges = null;
        if (md.containsKey("tokenizer.ggml.merges")) merges = stringArray(file, md, "tokenizer.ggml.merges");
        if (kind.equals("gpt2") && merges == null) {
            throw new ModelFormatException(file, "tokenizer.ggml.merges", "missing (a byte-level BPE vocabulary needs its merges)");
        }
        int bos = id(file, md, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, n);
        int eos = id(file, md, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, n);
        int unk = id(file, md, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
        int eot = id(file, md, "tokenizer.ggml.eot_token_id", -1, n);
        int eom = id(file, md, "tokenizer.ggml.eom_token_id", -1, n);
        int[] extraEnd = java.util.stream.IntStream.of(eot, eom).filter(i -> i >= 0).toArray();
        boolean addBos = bool(md, "tokenizer.ggml.add_bos_token", spm);
        boolean addSpacePrefix = bool(md, "tokenizer.ggml.add_space_prefix", spm);
        String pre = md.containsKey("tokenizer.ggml.pre") ? String.valueOf(md.get("tokenizer.ggml.pre").value()) : "default";
        String preRegex = md.containsKey("speclab.tokenizer.pre_regex") ? String.valueOf(md.get("speclab.tokenizer.pre_regex").value()) : null;
        boolean ignoreMerges = bool(md, "speclab.tokenizer.ignore_merges", false);
        java.util.BitSet lstrip = idSet(file, md, LSTRIP_KEY, n), rstrip = idSet(file, md, RSTRIP_KEY, n);
        if (!md.containsKey(RSTRIP_KEY)) phi3Rstrip(md, tokens, types, rstrip);
        return new Vocabulary(kind, pre, preRegex, ignoreMerges, tokens, scores, types, merges, bos, eos, unk, extraEnd, addBos, addSpacePrefix,
                lstrip, rstrip);
    }

    /**
     * Two ids with one piece leave text with no single id to map to: refused, as llama.cpp refuses
     * them (it stops on an assertion). Empty pieces are exempt: they never match text (llama.cpp
     * renames them {@code [EMPTY_i]}).
     */
    private static void uniquePieces(Path file, String[] tokens) {
        Map<String, Integer> first = new java.util.HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null || tokens[i].isEmpty()) continue;
            Integer before = first.putIfAbsent(tokens[i], i);
            if (before != null) {
                throw new ModelFormatException(file, "tokenizer.ggml.tokens[" + i + "]", "piece " + printable(tokens[i]) + " is also piece "
                        + before + "; each piece must be unique, or text has no single id to map to");
            }
        }
    }

    /** A piece for a one-line message: quoted, control characters escaped, long pieces cut. */
    private static String printable(String piece) {
        StringBuilder b = new StringBuilder("'");
        piece.codePoints().limit(40).forEach(c -> {
            if (Character.isISOControl(c)) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        if (piece.codePointCount(0, piece.length()) > 40) b.append('…');
        return b.append('\'').toString();
    }

    /** Control, user-defined and unknown tokens: the pieces matched literally in input text. */
    public boolean isSpecial(int id) {
        return isSpecialType(types[id]);
    }

    private static boolean isSpecialType(int t) {
        return t == CONTROL || t == USER_DEFINED || t == UNKNOWN;
    }

    /**
     * llama.cpp's rule for GGUF files, which carry no strip attributes: when {@code general.name}
     * names Phi-3 ("phi-3" or "phi3", any case), every special token and {@code </s>} strip the white
     * space after them, except {@code <unk>}, {@code <s>} and {@code <|endoftext|>} (what Phi-3's
     * tokenizer.json says of its added tokens).
     */
    private static void phi3Rstrip(Map<String, GgufValue> md, String[] tokens, int[] types, java.util.BitSet rstrip) {
        GgufValue name = md.get("general.name");
        String lower = name == null ? "" : String.valueOf(name.value()).toLowerCase(java.util.Locale.ROOT);
        if (!lower.contains("phi-3") && !lower.contains("phi3")) return;
        for (int i = 0; i < tokens.length; i++) {
            if (isSpecialType(types[i]) || "</s>".equals(tokens[i])) rstrip.set(i);
            if ("<unk>".equals(tokens[i]) || "<s>".equals(tokens[i]) || "<|endoftext|>".equals(tokens[i])) rstrip.clear(i);
        }
    }

    private static java.util.BitSet idSet(Path file, Map<String, GgufValue> md, String key, int n) {
        java.util.BitSet set = new java.util.BitSet(n);
        if (!md.containsKey(key)) return set;
        GgufValue v = md.get(key);
        if (!v.isArray() || !(v.value() instanceof int[] ids)) throw new ModelFormatException(file, key, "expected an array of INT32 token ids");
        for (int id : ids) {
            if (id < 0 || id >= n) throw new ModelFormatException(file, key, "token id " + id + " is out of range (vocabulary has " + n + " tokens)");
            set.set(id);
        }
        return set;
    }

    private static boolean bool(Map<String, GgufValue> md, String key, boolean fallback) {
        GgufValue v = md.get(key);
        return v == null ? fallback : v.type() == GgufValueType.BOOL ? (Boolean) v.value() : v.asLong() != 0;
    }

    private static int id(Path file, Map<String, GgufValue> md, String key, int fallback, int n) {
        GgufValue v = md.get(key);
        if (v == null) return fallback < n ? fallback : -1;
        if (!v.type().isInteger()) throw new ModelFormatException(file, key, "expected an integer token id, found " + v.type());
        long id = v.asLong();
        if (id == -1 || id == 0xFFFFFFFFL) return -1; // llama.cpp's converters write -1 for "none"
        if (id < 0 || id >= n) throw new ModelFormatException(file, key, "token id " + id + " is out of range (vocabulary has " + n + " tokens)");
        return (int) id;
    }

    private static GgufValue array(Path file, Map<String, GgufValue> md, String key, GgufValueType et) {
        GgufValue v = md.get(key);
        if (v == null) throw new ModelFormatException(file, key, "missing");
        if (!v.isArray() || v.elementType() != et) {
            throw new ModelFormatException(file, key, "expected an array of " + et + ", found " + (v.isArray() ? "an array of " + v.elementType() : v.type()));
        }
        return v;
    }

    private static String[] stringArray(Path file, Map<String, GgufValue> md, String key) {
        return (String[]) array(file, md, key, GgufValueType.STRING).value();
    }

    private static float[] floatArray(Path file, Map<String, GgufValue> md, String key, int n) {
        float[] a = (float[]) array(file, md, key, GgufValueType.FLOAT32).value();
        if (a.length != n) throw new ModelFormatException(file, key, "has " + a.length + " entries, the vocabulary " + n);
        return a;
    }

    private static int[] intArray(Path file, Map<String, GgufValue> md, String key, int n) {
        GgufValue v = md.get(key);
        if (v == null || !v.isArray() || !(v.value() instanceof int[] a)) {
            throw new ModelFormatException(file, key, "expected an array of INT32");
        }
        if (a.length != n) throw new ModelFormatException(file, key, "has " + a.length + " entries, the vocabulary " + n);
        return a;
    }
}
