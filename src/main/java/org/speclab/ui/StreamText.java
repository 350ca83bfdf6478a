package org.speclab.ui;

import java.util.ArrayList;
import java.util.List;

/**
 * What the Run view shows of generated text, which is not always what was generated. A random or
 * badly behaved model emits pieces from every script: control characters, bidi overrides, runs of
 * dozens of combining marks on one base, thousands of characters without a break. Shown verbatim,
 * such text can keep the JavaFX thread shaping it (Pango on Linux) for seconds on every layout
 * pass, scramble the order of the rest of the stream, or overflow the line. So for display only:
 * control characters and bidi controls become visible escapes, at most {@link #MAX_MARKS}
 * combining marks stay on one base, and a run of {@link #BREAK_EVERY} characters without a break
 * opportunity gets a zero-width space. Ordinary text in any script passes unchanged. The generated
 * text itself (what is measured, recorded and exported) never goes through this class.
 *
 * <p>One instance follows one stream, because a cluster or an unbroken run continues across
 * tokens; {@link #reset()} starts a new stream.
 */
final class StreamText {
    /**
     * Combining marks kept in a row. Four covers real text (Vietnamese has two, Hebrew with points
     * and cantillation up to four); more is "zalgo" text, and one cluster cannot be split for layout.
     */
    static final int MAX_MARKS = 4;
    /** Characters without a break opportunity before a zero-width space is shown. */
    static final int BREAK_EVERY = 64;
    static final char ZERO_WIDTH_SPACE = '\u200B';
    private static final int ZWJ = 0x200D;

    private int marks, unbroken, previous = -1;

    /** Forgets the stream so far: the next piece starts a new line of thought. */
    void reset() {
        marks = 0;
        unbroken = 0;
        previous = -1;
    }

    /** The sanitized form of {@code text} as a fresh stream shows it. */
    static String display(String text) {
        return new StreamText().next(text);
    }

    /** The display form of the next piece of the stream (possibly empty when all it held were surplus marks). */
    String next(String piece) {
        StringBuilder out = new StringBuilder(piece.length() + 8);
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            i += Character.charCount(cp);
            if (isMark(cp)) {
                if (++marks <= MAX_MARKS) out.appendCodePoint(cp);
                continue;
            }
            marks = 0;
            if (cp == '\n' || cp == '\r' || cp == '\t') { // line breaks and tabs JavaFX lays out as such
                out.appendCodePoint(cp);
                unbroken = 0;
            } else if (Character.getType(cp) == Character.CONTROL || Character.getType(cp) == Character.SURROGATE || isBidiControl(cp)) {
                // a lone surrogate cannot come out of UTF-8 decoding, but a String may hold one
                String escape = cp <= 0xff ? String.format("<0x%02X>", cp) : String.format("<U+%04X>", cp);
                breakIfLong(out, cp);
                out.append(escape);
                unbroken += escape.length();
            } else if (Character.isWhitespace(cp)) { // not the non-breaking spaces
                out.appendCodePoint(cp);
                unbroken = 0;
            } else {
                breakIfLong(out, cp);
                out.appendCodePoint(cp);
                unbroken = breaksAround(cp) ? 0 : unbroken + 1;
            }
            previous = cp;
        }
        return out.toString();
    }

    /** Adds a zero-width space before {@code cp} once the run is long, where that does not split a cluster. */
    private void breakIfLong(StringBuilder out, int cp) {
        if (unbroken < BREAK_EVERY || cp == ZWJ || previous == ZWJ || (isRegionalIndicator(cp) && isRegionalIndicator(previous))) return;
        out.append(ZERO_WIDTH_SPACE);
        unbroken = 0;
    }

    /** Combining marks of every kind, variation selectors included: they belong to the character before them. */
    static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    /** Controls that reorder or embed what follows them: shown, a model's stray override would mirror the rest of the stream. */
    static boolean isBidiControl(int cp) {
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }

    private static boolean isRegionalIndicator(int cp) {
        return cp >= 0x1F1E6 && cp <= 0x1F1FF;
    }

    /**
     * Scripts written without spaces whose characters line breaking may separate anyway (CJK,
     * kana, Hangul): a long run of them needs no zero-width space, so Chinese shows unchanged.
     */
    private static boolean breaksAround(int cp) {
        if (Character.isIdeographic(cp)) return true;
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        return s == Character.UnicodeScript.HAN || s == Character.UnicodeScript.HIRAGANA || s == Character.UnicodeScript.KATAKANA
                || s == Character.UnicodeScript.HANGUL || s == Character.UnicodeScript.BOPOMOFO || s == Character.UnicodeScript.YI
                || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF); // CJK punctuation, full-width forms
    }

    /**
     * Whether display text may be cut into two Text nodes before index {@code i}: not inside a
     * surrogate pair, not before a combining mark, not around a zero-width joiner. A cut elsewhere
     * would show a mark on a dotted circle or half an emoji.
     */
    static boolean canCutBefore(CharSequence s, int i) {
        if (i <= 0 || i >= s.length()) return true;
        char c = s.charAt(i), before = s.charAt(i - 1);
        if (Character.isLowSurrogate(c) && Character.isHighSurrogate(before)) return false;
        if (c == ZWJ || before == ZWJ) return false;
        return !isMark(Character.codePointAt(s, i));
    }

    /**
     * Splits display text into pieces of at most {@code max} characters at places
     * {@link #canCutBefore allowed}. A piece grows past {@code max} only for a cluster longer than
     * that, and never past twice {@code max}: marks are capped in display text, but a chain of
     * zero-width joiners is not, and one unbounded piece is what this split exists to prevent.
     */
    static List<String> chunks(String s, int max) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from < s.length()) {
            int to = cut(s, from, max);
            out.add(s.substring(from, to));
            from = to;
        }
        return out;
    }

    /** The end of the piece that starts at {@code from}: at most {@code max} characters where a cut is allowed. */
    static int cut(CharSequence s, int from, int max) {
        int end = Math.min(s.length(), from + max);
        for (int to = end; to > from; to--) if (canCutBefore(s, to)) return to;
        int to = end, limit = Math.min(s.length(), from + 2 * max); // a cluster longer than max: whole if it fits the limit
        while (to < limit && !canCutBefore(s, to)) to++;
        // at the limit, anywhere but inside a surrogate pair
        return to < s.length() && Character.isLowSurrogate(s.charAt(to)) && Character.isHighSurrogate(s.charAt(to - 1)) ? to + 1 : to;
    }
}
