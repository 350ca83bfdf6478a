package org.speclab.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-BPE as Llama-2 uses it: spaces become U+2581, a dummy space is put in front of the
 * text (and after every special token) when the vocabulary asks for it, then adjacent symbols are
 * merged greedily, the pair whose merged piece has the highest score first (leftmost on ties).
 * Characters that are no piece fall back to {@code <0xNN>} byte tokens, or to the unknown token.
 */
public final class SentencePieceTokenizer extends VocabularyTokenizer {
    private static final char SPACE = '\u2581';

    private final Map<String, Integer> ids = new HashMap<>();
    private final int[] byteTokens = new int[256];

    /**
     * True when no piece holds "▁" after another character: then no merge can cross the start of a
     * word, and words can be encoded one at a time (and cached) with exactly the same result.
     */
    private final boolean wordsAreIndependent;
    private final Map<String, int[]> cache = new java.util.LinkedHashMap<>(4096, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> e) {
            return size() > 20_000;
        }
    };

    /** Hugging Face tokenizer.json semantics: merge by rank instead of by piece score; null for SentencePiece's own. */
    private final BpeMerges rankedMerges;

    public SentencePieceTokenizer(Vocabulary vocab) {
        this(vocab, null);
    }

    SentencePieceTokenizer(Vocabulary vocab, BpeMerges rankedMerges) {
        super(vocab);
        this.rankedMerges = rankedMerges;
        java.util.Arrays.fill(byteTokens, -1);
        int n = vocab.size();
        for (int i = 0; i < n; i++) {
            String p = vocab.tokens()[i];
            int type = vocab.types()[i];
            ids.putIfAbsent(p, i);
            if (type == Vocabulary.BYTE && p.length() == 6 && p.startsWith("<0x")) {
                int b = Integer.parseInt(p.substring(3, 5), 16);
                if (byteTokens[b] < 0) byteTokens[b] = i;
                pieceBytes[i] = new byte[] {(byte) b};
            } else if (type == Vocabulary.CONTROL || type == Vocabulary.UNUSED) {
                pieceBytes[i] = new byte[0];
            } else if (type == Vocabulary.UNKNOWN) {
                pieceBytes[i] = " \u2047 ".getBytes(StandardCharsets.UTF_8);
            } else {
                pieceBytes[i] = p.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
            }
        }
        boolean independent = true;
        for (String p : vocab.tokens()) {
            for (int k = 1; k < p.length() && independent; k++) {
                if (p.charAt(k) == SPACE && p.charAt(k - 1) != SPACE) independent = false;
            }
        }
        wordsAreIndependent = independent;
    }

    public Vocabulary vocabulary() { return vocab; }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addBos && vocab.bos() >= 0) out.add(vocab.bos());
        // every text fragment (the start, or text after a special token) gets the dummy prefix
        specials.partition(text, parseSpecial, new SpecialTokens.Sink() {
            @Override
            public void text(String run) { encodeSegment(run, true, out); }

            @Override
            public void special(int id) { out.add(id); }
        });
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A symbol of the working sequence: a run of text, linked to its neighbours. */
    private static final class Symbol {
        int start, len, prev, next;
    }

    private record Bigram(int left, int right, float score, int size) {}

    private void encodeSegment(String raw, boolean prefix, List<Integer> out) {
        if (raw.isEmpty()) return;
        String text = ((prefix && vocab.addSpacePrefix()) ? " " + raw : raw).replace(' ', SPACE);
        if (!wordsAreIndependent) {
            encodeWord(text, out);
            return;
        }
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || (text.charAt(i) == SPACE && text.charAt(i - 1) != SPACE)) {
                String word = text.substring(start, i);
                int[] ids = word.length() <= 32 ? cache.get(word) : null;
                if (ids == null) {
                    List<Integer> w = new ArrayList<>();
                    encodeWord(word, w);
                    ids = w.stream().mapToInt(Integer::intValue).toArray();
                    if (word.length() <= 32) cache.put(word, ids);
                }
                for (int id : ids) out.add(id);
                start = i;
            }
        }
    }

    private void encodeWord(String text, List<Integer> out) {
        if (rankedMerges != null) {
            encodeRanked(text, out);
            return;
        }
        List<Symbol> syms = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            Symbol s = new Symbol();
            s.start = i;
            s.len = Character.charCount(cp);
            s.prev = syms.size() - 1;
            s.next = syms.size() + 1;
            syms.add(s);
            i += s.len;
        }
        syms.getLast().next = -1;
        PriorityQueue<Bigram> queue = new PriorityQueue<>(
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < syms.size(); i++) tryAdd(text, syms, i - 1, i, queue);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            Symbol l = syms.get(bg.left), r = syms.get(bg.right);
            if (l.len == 0 || r.len == 0 || l.len + r.len != bg.size) continue; // stale
            l.len += r.len;
            r.len = 0;
            l.next = r.next;
            if (r.next >= 0) syms.get(r.next).prev = bg.left;
            if (l.prev >= 0) tryAdd(text, syms, l.prev, bg.left, queue);
            if (l.next >= 0) tryAdd(text, syms, bg.left, l.next, queue);
        }
        for (int i = 0; i >= 0; i = syms.get(i).next) {
            Symbol s = syms.get(i);
            String piece = text.substring(s.start, s.start + s.len);
            Integer id = ids.get(piece);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : piece.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8)) {
                    int t = byteTokens[b & 0xff];
                    out.add(t >= 0 ? t : vocab.unk());
                }
            }
        }
    }

    /** Rank-ordered merges over code points; characters that are no piece become byte tokens first. */
    private void encodeRanked(String text, List<Integer> out) {
        List<Integer> symbols = new ArrayList<>(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += ch.length();
            Integer id = ids.get(ch);
            if (id != null) {
                symbols.add(id);
                continue;
            }
            for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                int t = byteTokens[b & 0xff];
                if (t >= 0) symbols.add(t);
                else if (vocab.unk() >= 0) symbols.add(vocab.unk());
            }
        }
        for (int id : rankedMerges.apply(symbols.stream().mapToInt(Integer::intValue).toArray())) out.add(id);
    }

    private void tryAdd(String text, List<Symbol> syms, int left, int right, PriorityQueue<Bigram> queue) {
        Symbol l = syms.get(left), r = syms.get(right);
        String merged = text.substring(l.start, r.start + r.len);
        Integer id = ids.get(merged);
        if (id == null) return;
        int type = vocab.types()[id];
        if (type == Vocabulary.CONTROL || type == Vocabulary.UNUSED || type == Vocabulary.BYTE) return;
        queue.add(new Bigram(left, right, vocab.scores()[id], l.len + r.len));
    }

    @Override
    public boolean addsDummyPrefix() { return vocab.addSpacePrefix(); }
}
