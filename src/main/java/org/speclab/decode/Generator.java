package org.speclab.decode;

import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;
import org.speclab.tokenizer.TextStream;
import org.speclab.tokenizer.Tokenizer;

/**
 * Plain autoregressive decoding: one target forward per generated token. The baseline every
 * speculative run is compared against, and the reference for its output.
 */
public final class Generator {
    private final Transformer model;
    private final Tokenizer tokenizer;

    public Generator(Transformer model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Extends {@code prompt} (which starts with BOS when the model wants one) by up to
     * {@code positions} tokens, each fed back into the model, and also emits the prediction made at
     * the last position: {@code positions + 1} tokens at most, in a context of
     * {@code prompt.length + positions}. This is llama2.c's {@code run} convention (it prints the
     * prediction of every position it computes), so {@code run -n S} equals {@code positions =
     * S - prompt.length}. Stops early at an end-of-generation token, or at BOS, which
     * llama2.c-style models emit to start a new text.
     */
    public GenerationStats generate(int[] prompt, int positions, Sampler sampler, GenerationListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token (BOS)");
        TextStream text = new TextStream(tokenizer);
        for (int t : prompt) listener.token(t, text.next(t), TokenKind.PROMPT);
        KvCache cache = model.newCache(prompt.length + positions);
        long t0 = System.nanoTime();
        float[] logits = model.forward(cache, prompt, 0, 1)[0];
        long t1 = System.nanoTime();
        int generated = 0, passes = 0;
        String stop = "length";
        while (generated <= positions) {
            if (listener.cancelled()) {
                stop = "cancelled";
                break;
            }
            int next = sampler.sample(logits);
            if (tokenizer.isEndOfGeneration(next) || next == tokenizer.bos()) {
                stop = "eos";
                break;
            }
            generated++;
            listener.token(next, text.next(next), TokenKind.TARGET);
            if (generated == positions + 1) break;
            logits = model.forward(cache, new int[] {next}, prompt.length + generated - 1, 1)[0];
            passes++;
        }
        String rest = text.flush();
        if (!rest.isEmpty()) listener.token(-1, rest, TokenKind.TARGET);
        long t2 = System.nanoTime();
        GenerationStats stats = new GenerationStats(prompt.length, generated, t1 - t0, t2 - t1, model.weightBytes(), passes, stop);
        listener.finished(stats);
        return stats;
    }
}
