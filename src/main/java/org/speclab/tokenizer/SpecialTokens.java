package org.speclab.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pieces matched literally in input text before any splitting: control and unknown tokens
 * (such as {@code <s>}, only when special-token text is to be parsed) and user-defined tokens
 * (always), longest first, as llama.cpp's tokenizer partitions text. A token with the lstrip or
 * rstrip attribute also takes the white space before or after it.
 */
final class SpecialTokens {
    private record Special(String piece, int id, boolean parsedOnly, boolean lstrip, boolean rstrip) {}

    /** Where text is cut: plain text runs (never empty) and special tokens, in order. */
    interface Sink {
        void text(String run);

        void special(int id);
    }

    private final List<Special> specials = new ArrayList<>();

    SpecialTokens(Vocabulary v) {
        for (int i = 0; i < v.size(); i++) {
            String p = v.tokens()[i];
            if (p.isEmpty() || !v.isSpecial(i)) continue;
            specials.add(new Special(p, i, v.types()[i] != Vocabulary.USER_DEFINED, v.lstrip().get(i), v.rstrip().get(i)));
        }
        specials.sort(Comparator.comparingInt((Special s) -> s.piece.length()).reversed());
    }

    private Special at(String text, int i, boolean parseSpecial) {
        char c = text.charAt(i);
        for (Special s : specials) {
            if ((parseSpecial || !s.parsedOnly) && s.piece.charAt(0) == c && text.startsWith(s.piece, i)) return s;
        }
        return null;
    }

    /** Cuts {@code text} at its special pieces and hands the runs and tokens to {@code sink} in order. */
    void partition(String text, boolean parseSpecial, Sink sink) {
        int start = 0, i = 0;
        while (i < text.length()) {
            Special s = at(text, i, parseSpecial);
            if (s == null) {
                i++;
                continue;
            }
            int end = i;
            if (s.lstrip) while (end > start && isSpace(text.charAt(end - 1))) end--;
            if (end > start) sink.text(text.substring(start, end));
            sink.special(s.id);
            i += s.piece.length();
            if (s.rstrip) while (i < text.length() && isSpace(text.charAt(i))) i++;
            start = i;
        }
        if (start < text.length()) sink.text(text.substring(start));
    }

    /** C's isspace, which llama.cpp strips with. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
