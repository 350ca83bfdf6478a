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
        // a long prompt in chunks, so Stop acts between them (a 7B model's long prompt takes seconds)
        int last = prefill(model, cache, prompt, 1, listener);
        int next = last < 0 ? -1 : next(cache, java.util.Arrays.copyOfRange(prompt, last, prompt.length), last, sampler);
        long t1 = System.nanoTime();
        int generated = 0, passes = 0;
        String stop = "length";
        while (generated <= positions) {
            if (listener.cancelled()) {
                stop = "cancelled";
                break;
            }
            if (tokenizer.isEndOfGeneration(next) || next == tokenizer.bos()) {
                stop = "eos";
                break;
            }
            generated++;
            listener.token(next, text.next(next), TokenKind.TARGET);
            if (generated == positions + 1) break;
            next = next(cache, new int[] {next}, prompt.length + generated - 1, sampler);
            passes++;
        }
        String rest = text.flush();
        if (!rest.isEmpty()) listener.token(-1, rest, TokenKind.TARGET);
        long t2 = System.nanoTime();
        GenerationStats stats = new GenerationStats(prompt.length, generated, t1 - t0, t2 - t1, model.weightBytes(), passes, stop);
        listener.finished(stats);
        return stats;
    }

    /** Positions of a prompt run in one pass at most: Stop is seen between such chunks. */
    static final int PREFILL_CHUNK = 128;

    /**
     * Runs {@code prompt} through {@code model} in chunks of {@link #PREFILL_CHUNK} positions except
     * the last {@code keep} tokens and at least the chunk they end, which the caller runs itself (it
     * wants their outputs). Returns where that tail starts, or −1 when Stop was pressed between
     * chunks. The logits of a position do not depend on the chunking (batch invariance).
     */
    static int prefill(Transformer model, KvCache cache, int[] prompt, int keep, GenerationListener listener) {
        int start = 0;
        while (prompt.length - keep - start >= PREFILL_CHUNK) {
            if (listener.cancelled()) return -1;
            model.forward(cache, java.util.Arrays.copyOfRange(prompt, start, start + PREFILL_CHUNK), start, 0);
            start += PREFILL_CHUNK;
        }
        if (listener.cancelled()) return -1;
        return start;
    }

    /** Runs all of {@code tokens} into {@code cache} from position 0 in the same chunks, asking for no outputs (a context to measure after). */
    public static void prefill(Transformer model, KvCache cache, int[] tokens) {
        int start = prefill(model, cache, tokens, 0, GenerationListener.NONE);
        if (start < tokens.length) model.forward(cache, java.util.Arrays.copyOfRange(tokens, start, tokens.length), start, 0);
    }

    /**
     * Runs {@code tokens} and picks the token after the last, asking the model for no more than the
     * pick needs: the argmax when greedy, the top-k candidates when sampling top-k (a GPU then hands
     * back a few ints and floats, not the whole vocabulary's logits), else all logits.
     */
    private int next(KvCache cache, int[] tokens, int startPos, Sampler sampler) {
        if (sampler.isGreedy()) return model.forwardArgmax(cache, tokens, startPos, 1)[0];
        if (sampler.usesCandidates(model.config().vocabSize())) {
            return sampler.sample(model.forwardTopK(cache, tokens, startPos, 1, sampler.temperature(), sampler.topK())[0]);
        }
        return sampler.sample(model.forward(cache, tokens, startPos, 1)[0]);
    }
}
