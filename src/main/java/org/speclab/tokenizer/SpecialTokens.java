package org.speclab.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pieces matched literally in input text before any splitting: control tokens (such as
 * {@code <s>}, only when special-token text is to be parsed) and user-defined tokens (always),
 * longest first, as llama.cpp's tokenizer partitions text.
 */
final class SpecialTokens {
    private final List<String> controls = new ArrayList<>(), userDefined = new ArrayList<>();

    SpecialTokens(Vocabulary v) {
        for (int i = 0; i < v.size(); i++) {
            String p = v.tokens()[i];
            if (p.isEmpty()) continue;
            if (v.types()[i] == Vocabulary.CONTROL) controls.add(p);
            if (v.types()[i] == Vocabulary.USER_DEFINED) userDefined.add(p);
        }
        controls.sort(Comparator.comparingInt(String::length).reversed());
        userDefined.sort(Comparator.comparingInt(String::length).reversed());
    }

    /** The special piece that starts at {@code text[i]}, or null. */
    String at(String text, int i, boolean parseSpecial) {
        char c = text.charAt(i);
        if (parseSpecial) {
            for (String s : controls) if (s.charAt(0) == c && text.startsWith(s, i)) return s;
        }
        for (String s : userDefined) if (s.charAt(0) == c && text.startsWith(s, i)) return s;
        return null;
    }
}
