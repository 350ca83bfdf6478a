package org.speclab.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regular expressions byte-level BPE tokenizers split text with before merging, by the names
 * GGUF's {@code tokenizer.ggml.pre} gives them. \s, \p{L} and \p{N} are Unicode classes.
 */
final class PreTokenizer {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String STARCODER = "\\p{N}|'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final Map<String, String> BY_NAME = Map.ofEntries(
            Map.entry("default", GPT2), Map.entry("gpt-2", GPT2), Map.entry("gpt2", GPT2), Map.entry("phi-2", GPT2),
            Map.entry("jina-es", GPT2), Map.entry("jina-de", GPT2), Map.entry("jina-v2-es", GPT2), Map.entry("jina-v2-de", GPT2),
            Map.entry("llama3", LLAMA3), Map.entry("llama-v3", LLAMA3), Map.entry("llama-bpe", LLAMA3), Map.entry("smaug-bpe", LLAMA3),
            Map.entry("falcon3", LLAMA3), Map.entry("pixtral", LLAMA3),
            Map.entry("qwen2", QWEN2), Map.entry("qwen2.5", QWEN2), Map.entry("qwen-2.5", QWEN2), Map.entry("deepseek-r1-qwen", QWEN2),
            Map.entry("starcoder", STARCODER), Map.entry("refact", STARCODER), Map.entry("smollm", STARCODER), Map.entry("codeshell", STARCODER));

    private final Pattern pattern;

    PreTokenizer(String regex) {
        this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** The pre-tokenizer GGUF names, or null when SpecLab does not know the name. */
    static PreTokenizer byName(String name) {
        String re = BY_NAME.get(name);
        return re == null ? null : new PreTokenizer(re);
    }

    static java.util.Set<String> knownNames() {
        return new java.util.TreeSet<>(BY_NAME.keySet());
    }

    void split(String text, List<String> out) {
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) out.add(text.substring(last, m.start())); // text no alternative matched
            if (m.end() > m.start()) out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
    }
}
