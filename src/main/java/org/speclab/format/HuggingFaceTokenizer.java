package org.speclab.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * Hugging Face {@code tokenizer.json} (BPE models), with {@code tokenizer_config.json} beside it
 * where present, turned into GGUF {@code tokenizer.ggml.*} metadata. SentencePiece-style BPE
 * (Metaspace / "▁" normalizer, byte fallback) becomes model "llama" with its merges; byte-level BPE
 * becomes model "gpt2" with the pre-tokenizer's regex.
 */
public final class HuggingFaceTokenizer {
    /** Pre-tokenizer regex for byte-level vocabularies whose split pattern has no GGUF name. */
    public static final String PRE_REGEX_KEY = "speclab.tokenizer.pre_regex";
    public static final String IGNORE_MERGES_KEY = "speclab.tokenizer.ignore_merges";

    private HuggingFaceTokenizer() {}

    public static Map<String, GgufValue> read(Path file) {
        JsonNode root = json(file);
        JsonNode model = root.path("model");
        if (model.isMissingNode()) throw new ModelFormatException(file, "model", "missing");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new ModelFormatException(file, "model.type", "'" + type + "' tokenizers are not supported (supported: BPE)");
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw new ModelFormatException(file, "model.vocab", "missing or empty");

        // ids: the model's vocabulary plus added tokens
        Map<Integer, String> byId = new HashMap<>();
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            var e = it.next();
            int id = checkId(file, "model.vocab[\"" + e.getKey() + "\"]", e.getValue());
            if (byId.put(id, e.getKey()) != null) throw new ModelFormatException(file, "model.vocab", "id " + id + " is used twice");
            maxId = Math.max(maxId, id);
        }
        Map<Integer, Integer> types = new HashMap<>();
        java.util.List<Integer> lstrip = new java.util.ArrayList<>(), rstrip = new java.util.ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            int id = checkId(file, "added_tokens", a.path("id"));
            String content = a.path("content").asText(null);
            if (content == null) throw new ModelFormatException(file, "added_tokens[id " + id + "].content", "missing");
            byId.put(id, content);
            types.put(id, a.path("special").asBoolean(false) ? TokenizerFiles.CONTROL : TokenizerFiles.USER_DEFINED);
            if (a.path("lstrip").asBoolean(false)) lstrip.add(id);
            if (a.path("rstrip").asBoolean(false)) rstrip.add(id);
            maxId = Math.max(maxId, id);
        }
        int n = maxId + 1;
        String[] tokens = new String[n];
        int[] tokenTypes = new int[n];
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unk = model.path("unk_token").asText(null);
        for (int i = 0; i < n; i++) {
            String t = byId.get(i);
            if (t == null) {
                tokens[i] = "[PAD" + i + "]";
                tokenTypes[i] = TokenizerFiles.UNUSED;
                continue;
            }
            tokens[i] = t;
            tokenTypes[i] = types.getOrDefault(i, byteFallback && TokenizerFiles.isByteToken(t) ? TokenizerFiles.BYTE : TokenizerFiles.NORMAL);
            if (t.equals(unk)) tokenTypes[i] = TokenizerFiles.UNKNOWN;
        }

        JsonNode mergesNode = model.path("merges");
        if (!mergesNode.isArray()) throw new ModelFormatException(file, "model.merges", "missing (a BPE tokenizer needs its merges)");
        String[] merges = new String[mergesNode.size()];
        for (int i = 0; i < merges.length; i++) {
            JsonNode m = mergesNode.get(i);
            if (m.isArray() && m.size() == 2) merges[i] = m.get(0).asText() + " " + m.get(1).asText();
            else if (m.isTextual()) merges[i] = m.asText();
            else throw new ModelFormatException(file, "model.merges[" + i + "]", "expected \"a b\" or [\"a\", \"b\"], found " + m);
        }

        checkMerges(file, "model.merges", merges, tokens);
        boolean sentencePiece = isSentencePieceStyle(root);
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GgufValue.of(sentencePiece ? "llama" : "gpt2"));
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(tokenTypes));
        md.put("tokenizer.ggml.merges", GgufValue.ofStrings(merges));
        if (sentencePiece) {
            md.put("tokenizer.ggml.scores", GgufValue.ofFloats(scoresFromMerges(tokens, merges)));
            md.put("tokenizer.ggml.add_space_prefix", GgufValue.ofBool(prependsSpace(root)));
        } else {
            String regex = splitRegex(root);
            String name = regex == null ? "gpt-2" : PreTokenizerNames.nameOf(regex);
            if (name != null) md.put("tokenizer.ggml.pre", GgufValue.of(name));
            else {
                md.put("tokenizer.ggml.pre", GgufValue.of("custom"));
                md.put(PRE_REGEX_KEY, GgufValue.of(regex));
            }
        }
        if (model.path("ignore_merges").asBoolean(false)) md.put(IGNORE_MERGES_KEY, GgufValue.ofBool(true));
        // the added tokens' own strip attributes (written even when empty, so that no name rule overrides them)
        md.put(org.speclab.tokenizer.Vocabulary.LSTRIP_KEY, GgufValue.ofInts(lstrip.stream().mapToInt(Integer::intValue).toArray()));
        md.put(org.speclab.tokenizer.Vocabulary.RSTRIP_KEY, GgufValue.ofInts(rstrip.stream().mapToInt(Integer::intValue).toArray()));
        if (unk != null) putId(md, "tokenizer.ggml.unknown_token_id", tokens, unk);
        specialIds(file, root, tokens, md);
        return md;
    }

    /** Every merge must join two pieces of the vocabulary into a third. */
    static void checkMerges(Path file, String field, String[] merges, String[] tokens) {
        java.util.Set<String> known = new java.util.HashSet<>(Arrays.asList(tokens));
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int sp = m.indexOf(' ', 1);
            if (sp < 0 || sp == m.length() - 1) throw new ModelFormatException(file, field + "[" + i + "]", "malformed merge '" + m + "' (expected two pieces separated by a space)");
            String a = m.substring(0, sp), b = m.substring(sp + 1);
            if (!known.contains(a) || !known.contains(b) || !known.contains(a + b)) {
                throw new ModelFormatException(file, field + "[" + i + "]", "merge '" + m + "' names a piece that is not in the vocabulary");
            }
        }
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, null, "invalid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "cannot read: " + e.getMessage());
        }
    }

    private static int checkId(Path file, String field, JsonNode v) {
        if (!v.canConvertToInt() || v.asInt() < 0 || v.asInt() > 10_000_000) {
            throw new ModelFormatException(file, field, "token id out of range: " + v);
        }
        return v.asInt();
    }

    private static boolean isSentencePieceStyle(JsonNode root) {
        String all = root.path("normalizer").toString() + root.path("pre_tokenizer").toString();
        return all.contains("\"Metaspace\"") || all.contains("\u2581");
    }

    private static boolean prependsSpace(JsonNode root) {
        String n = root.path("normalizer").toString(), p = root.path("pre_tokenizer").toString();
        if (n.contains("\"Prepend\"")) return true;
        return p.contains("\"Metaspace\"") && !p.contains("\"prepend_scheme\":\"never\"") && !p.contains("\"add_prefix_space\":false");
    }

    /** The regex of a Split pre-tokenizer, or null for plain ByteLevel (GPT-2's regex). */
    private static String splitRegex(JsonNode root) {
        List<JsonNode> all = new ArrayList<>();
        JsonNode pre = root.path("pre_tokenizer");
        if (pre.path("type").asText().equals("Sequence")) pre.path("pretokenizers").forEach(all::add);
        else all.add(pre);
        for (JsonNode p : all) {
            if (p.path("type").asText().equals("Split") && p.path("pattern").has("Regex")) return p.path("pattern").path("Regex").asText();
        }
        return null;
    }

    /** SentencePiece-style score for every piece: minus the rank of the first merge that makes it. */
    private static float[] scoresFromMerges(String[] tokens, String[] merges) {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < merges.length; i++) rank.putIfAbsent(merges[i].replaceFirst(" ", ""), i);
        float[] s = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) s[i] = -rank.getOrDefault(tokens[i], merges.length);
        return s;
    }

    private static void specialIds(Path file, JsonNode root, String[] tokens, Map<String, GgufValue> md) {
        Path config = file.resolveSibling("tokenizer_config.json");
        JsonNode cfg = Files.isRegularFile(config) ? json(config) : null;
        String bos = cfg == null ? null : tokenText(cfg.path("bos_token"));
        String eos = cfg == null ? null : tokenText(cfg.path("eos_token"));
        // without a config: the post-processor's template tells which token leads a sequence
        String templateBos = null;
        for (JsonNode step : root.path("post_processor").path("type").asText().equals("Sequence")
                ? root.path("post_processor").path("processors") : List.of(root.path("post_processor"))) {
            JsonNode first = step.path("single").path(0).path("SpecialToken").path("id");
            if (first.isTextual()) templateBos = first.asText();
        }
        if (bos == null) bos = templateBos;
        if (bos != null) putId(md, "tokenizer.ggml.bos_token_id", tokens, bos);
        if (eos != null) putId(md, "tokenizer.ggml.eos_token_id", tokens, eos);
        boolean addBos = cfg != null && cfg.has("add_bos_token") ? cfg.path("add_bos_token").asBoolean() : templateBos != null;
        md.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(addBos));
    }

    private static String tokenText(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("content").isTextual()) return n.path("content").asText();
        return null;
    }

    private static void putId(Map<String, GgufValue> md, String key, String[] tokens, String text) {
        int id = Arrays.asList(tokens).indexOf(text);
        if (id >= 0) md.put(key, GgufValue.ofUInt32(id));
    }
}
