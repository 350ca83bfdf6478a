package org.speclab.decode;

import java.util.ArrayList;
import java.util.List;
import org.speclab.engine.Transformer;
import org.speclab.tokenizer.Tokenizer;

/** Decoding on vocabulary-free random models: a stand-in tokenizer with no text and no EOS. */
final class RandomDecoding {
    private RandomDecoding() {}

    static Tokenizer anonymous(int vocab) {
        return new Tokenizer() {
            @Override
            public int[] encode(String text, boolean addBos, boolean parseSpecial) { return new int[0]; }

            @Override
            public byte[] pieceBytes(int token) { return new byte[0]; }

            @Override
            public String piece(int token) { return "t" + token; }

            @Override
            public int vocabSize() { return vocab; }

            @Override
            public int bos() { return -1; }

            @Override
            public int eos() { return -1; }

            @Override
            public boolean addBosByDefault() { return false; }
        };
    }

    private static GenerationListener collect(List<Integer> out) {
        return new GenerationListener() {
            @Override
            public void token(int id, String text, TokenKind kind) {
                if (kind != TokenKind.PROMPT && id >= 0) out.add(id);
            }
        };
    }

    static int[] greedy(Transformer t, int[] prompt, int positions) {
        return generate(t, prompt, positions, Sampler.greedy());
    }

    static int[] generate(Transformer t, int[] prompt, int positions, Sampler sampler) {
        List<Integer> out = new ArrayList<>();
        new Generator(t, anonymous(t.config().vocabSize())).generate(prompt, positions, sampler, collect(out));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] speculative(Transformer t, Drafter d, int k, int[] prompt, int positions, Sampler sampler) {
        return speculative(t, d, k, prompt, positions, sampler, SpeculativeDecoder.AcceptanceRule.EXACT);
    }

    static int[] speculative(Transformer t, Drafter d, int k, int[] prompt, int positions, Sampler sampler, SpeculativeDecoder.AcceptanceRule rule) {
        List<Integer> out = new ArrayList<>();
        new SpeculativeDecoder(t, anonymous(t.config().vocabSize()), d, k, false, rule).generate(prompt, positions, sampler, collect(out));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
