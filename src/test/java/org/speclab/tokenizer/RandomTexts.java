package org.speclab.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random strings that stress tokenizers: mixed scripts, emoji, whitespace runs, digits, code. */
final class RandomTexts {
    private static final String[] WORDS = {"the", "Hello", "world", "don't", "I'm", "we'll", "THEY'RE", "quicksort", "def", "return",
            "naïve", "Führer", "café", "über", "нещо", "на", "Бълг", "日本語", "中文", "模型", "推理", "速度", "한국어", "ελληνικά",
            "العربية", "हिन्दी", "ไทย", "🦙", "🙂", "👩‍💻", "🇨🇳", "e\u0301", "ﬁ", "Ⅻ", "½", "①", "ʼs", "x²"};
    private static final String[] PUNCT = {".", ",", "!", "?", "...", "'", "\"", "(", ")", "[", "]", "{", "}", "<", ">", "==", "->",
            "::", "#", "@", "$", "%", "&&", "||", "/*", "*/", "//", "—", "、", "。", "「", "」", "¿", "¡", "'s", "'ll", "'d"};
    private static final String[] SPACE = {" ", "  ", "   ", "\t", "\n", "\n\n", " \n", "\r\n", "\u3000", "\u00a0", "\u2009", "\t\t "};

    static List<String> generate(long seed, int count) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + r.nextInt(12);
            for (int p = 0; p < parts; p++) {
                switch (r.nextInt(7)) {
                    case 0, 1 -> sb.append(WORDS[r.nextInt(WORDS.length)]);
                    case 2 -> sb.append(PUNCT[r.nextInt(PUNCT.length)]);
                    case 3 -> sb.append(SPACE[r.nextInt(SPACE.length)]);
                    case 4 -> sb.append(r.nextInt(1 + (int) Math.pow(10, r.nextInt(8))));
                    case 5 -> sb.appendCodePoint(randomCodePoint(r));
                    default -> sb.append(' ').append(WORDS[r.nextInt(WORDS.length)]);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static int randomCodePoint(Random r) {
        int[][] ranges = {{0x20, 0x7e}, {0xa0, 0x24f}, {0x370, 0x3ff}, {0x400, 0x4ff}, {0x4e00, 0x9fff}, {0x3040, 0x30ff},
                {0xac00, 0xd7a3}, {0x1f300, 0x1f64f}, {0x2000, 0x206f}, {0x0600, 0x06ff}};
        int[] range = ranges[r.nextInt(ranges.length)];
        return range[0] + r.nextInt(range[1] - range[0] + 1);
    }
}
