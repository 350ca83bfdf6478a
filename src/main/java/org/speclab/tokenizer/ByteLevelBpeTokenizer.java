package org.speclab.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE (GPT-2, Llama-3, Qwen): text is split by the model's pre-tokenizer regex, each
 * piece's UTF-8 bytes are spelled with GPT-2's printable byte alphabet, and rank-ordered merges
 * join them into tokens. Added (control / user-defined) tokens are matched before any splitting.
 */
public final class ByteLevelBpeTokenizer extends VocabularyTokenizer {
    /** GPT-2's byte → printable character map, and its inverse. */
    static final char[] BYTE_TO_CHAR = new char[256];
    static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private final Map<String, Integer> ids = new HashMap<>();
    private final BpeMerges merges;
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    /** Recently encoded words: natural text repeats words constantly. */
    private final Map<String, int[]> cache = new LinkedHashMap<>(4096, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> e) {
            return size() > 20_000;
        }
    };

    ByteLevelBpeTokenizer(Vocabulary vocab, BpeMerges merges, PreTokenizer pre, boolean ignoreMerges) {
        super(vocab);
        this.merges = merges;
        this.pre = pre;
        this.ignoreMerges = ignoreMerges;
        int n = vocab.size();
        for (int i = 0; i < n; i++) {
            String p = vocab.tokens()[i];
            ids.putIfAbsent(p, i);
            int type = vocab.types()[i];
            pieceBytes[i] = switch (type) {
                case Vocabulary.CONTROL, Vocabulary.UNUSED -> new byte[0];
                case Vocabulary.USER_DEFINED -> p.getBytes(StandardCharsets.UTF_8);
                default -> unmap(p);
            };
        }
    }

    /** Token text in the byte alphabet → raw bytes (characters outside it are taken as UTF-8). */
    static byte[] unmap(String piece) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(piece.length());
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) out.write(b);
            else out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addBos && vocab.bos() >= 0) out.add(vocab.bos());
        List<String> words = new ArrayList<>();
        specials.partition(text, parseSpecial, new SpecialTokens.Sink() {
            @Override
            public void text(String run) { encodeText(run, words, out); }

            @Override
            public void special(int id) { out.add(id); }
        });
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeText(String text, List<String> words, List<Integer> out) {
        if (text.isEmpty()) return;
        words.clear();
        pre.split(text, words);
        for (String w : words) {
            int[] cached = w.length() <= 32 ? cache.get(w) : null;
            if (cached == null) {
                cached = encodeWord(w);
                if (w.length() <= 32) cache.put(w, cached);
            }
            for (int id : cached) out.add(id);
        }
    }

    private int[] encodeWord(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(bytes.length);
        for (byte b : bytes) mapped.append(BYTE_TO_CHAR[b & 0xff]);
        String m = mapped.toString();
        if (ignoreMerges) {
            Integer whole = ids.get(m);
            if (whole != null) return new int[] {whole};
        }
        // initial symbols: single mapped bytes (every byte-level vocabulary has all 256)
        int[] symbols = new int[m.length()];
        int n = 0;
        List<Integer> unknown = new ArrayList<>();
        for (int i = 0; i < m.length(); i++) {
            Integer id = ids.get(String.valueOf(m.charAt(i)));
            if (id == null) {
                unknown.add(i);
                id = vocab.unk();
            }
            symbols[n++] = id;
        }
        if (!unknown.isEmpty()) {
            // a vocabulary without some byte: merge the runs between unknown bytes separately
            List<Integer> out = new ArrayList<>();
            int from = 0;
            for (int u : unknown) {
                for (int id : merges.apply(java.util.Arrays.copyOfRange(symbols, from, u))) out.add(id);
                if (vocab.unk() >= 0) out.add(vocab.unk());
                from = u + 1;
            }
            for (int id : merges.apply(java.util.Arrays.copyOfRange(symbols, from, n))) out.add(id);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
        return merges.apply(symbols);
    }

    Vocabulary vocabulary() { return vocab; }
}
