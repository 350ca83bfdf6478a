package org.speclab.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How byte-level BPE vocabularies split text before merging, by the names GGUF's
 * {@code tokenizer.ggml.pre} gives them. As in llama.cpp, a pre-tokenizer may be a sequence of
 * regular expressions: each splits every fragment the previous one left, and text between matches
 * is kept as fragments of its own. \s, \p{L}, \p{N} are Unicode classes.
 */
final class PreTokenizer {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String CJK = "[一-龥ࠀ-一가-퟿]+";

    private static final List<String> DEFAULT = List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2);
    private static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
    private static final List<String> DEEPSEEK_CODER = List.of("[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}");
    private static final List<String> BLOOM = List.of(" ?[^(\\s|.,!?…。，、।۔،)]+");

    private static final Map<String, List<String>> BY_NAME = Map.ofEntries(
            Map.entry("default", DEFAULT),
            Map.entry("gpt-2", List.of(GPT2)), Map.entry("gpt2", List.of(GPT2)), Map.entry("phi-2", List.of(GPT2)),
            Map.entry("mpt", List.of(GPT2)), Map.entry("olmo", List.of(GPT2)), Map.entry("jais", List.of(GPT2)),
            Map.entry("jina-es", List.of(GPT2)), Map.entry("jina-de", List.of(GPT2)), Map.entry("jina-v2-es", List.of(GPT2)),
            Map.entry("jina-v2-de", List.of(GPT2)), Map.entry("jina-v2-code", List.of(GPT2)),
            Map.entry("llama3", List.of(LLAMA3)), Map.entry("llama-v3", List.of(LLAMA3)), Map.entry("llama-bpe", List.of(LLAMA3)),
            Map.entry("falcon3", List.of(LLAMA3)), Map.entry("dbrx", List.of(LLAMA3)), Map.entry("smaug-bpe", List.of(LLAMA3)),
            Map.entry("chatglm-bpe", List.of(LLAMA3)), Map.entry("pixtral", List.of(LLAMA3)),
            Map.entry("qwen2", List.of(QWEN2)), Map.entry("qwen2.5", List.of(QWEN2)), Map.entry("qwen-2.5", List.of(QWEN2)),
            Map.entry("deepseek-r1-qwen", List.of(QWEN2)), Map.entry("stablelm2", List.of(QWEN2)),
            Map.entry("starcoder", STARCODER), Map.entry("refact", STARCODER), Map.entry("command-r", STARCODER),
            Map.entry("smollm", STARCODER), Map.entry("codeshell", STARCODER), Map.entry("exaone", STARCODER),
            Map.entry("falcon", FALCON), Map.entry("deepseek-coder", DEEPSEEK_CODER),
            Map.entry("tekken", List.of(TEKKEN)),
            Map.entry("bloom", BLOOM), Map.entry("poro-chat", BLOOM), Map.entry("gpt3-finnish", BLOOM),
            Map.entry("viking", List.of(BLOOM.getFirst(), "\\p{N}")));

    private final List<Pattern> patterns;

    PreTokenizer(String regex) {
        this(List.of(regex));
    }

    PreTokenizer(List<String> regexes) {
        this.patterns = regexes.stream().map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    /** The pre-tokenizer GGUF names, or null when SpecLab does not know the name. */
    static PreTokenizer byName(String name) {
        List<String> re = BY_NAME.get(name);
        return re == null ? null : new PreTokenizer(re);
    }

    static java.util.Set<String> knownNames() {
        return new java.util.TreeSet<>(BY_NAME.keySet());
    }

    void split(String text, List<String> out) {
        List<String> fragments = List.of(text);
        for (Pattern p : patterns) {
            List<String> next = new ArrayList<>();
            for (String f : fragments) splitOne(p, f, next);
            fragments = next;
        }
        out.addAll(fragments);
    }

    private static void splitOne(Pattern p, String text, List<String> out) {
        Matcher m = p.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) out.add(text.substring(last, m.start())); // text no alternative matched
            if (m.end() > m.start()) out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
    }
}
