package org.speclab.decode;

import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;

/**
 * What a model-based drafter does, whichever model it runs: keep its own KV cache in step with the
 * accepted text (rolling back what the target rejected), then draft autoregressively.
 */
public abstract sealed class ModelDrafter implements Drafter permits DraftModel, EarlyExit {
    private final Transformer model;
    private final KvCache cache;
    private int[] fed = new int[64];
    private int fedLength;
    /** Measured seconds per drafted token, for the cost ratio c. */
    private double secondsPerToken = Double.NaN;
    private long passes;

    ModelDrafter(Transformer model, int capacity) {
        this.model = model;
        this.cache = model.newCache(capacity);
    }

    @Override
    public double secondsPerToken() { return Double.isNaN(secondsPerToken) ? 0 : secondsPerToken; }

    @Override
    public long bytesRead() { return passes * model.weightBytes(); }

    @Override
    public void close() { model.close(); }

    @Override
    public Drafter.Proposal propose(int[] context, int length, int k, Sampler sampler) {
        return propose(context, length, k, sampler, () -> false);
    }

    @Override
    public Drafter.Proposal propose(int[] context, int length, int k, Sampler sampler, java.util.function.BooleanSupplier stop) {
        if (k <= 0) return Drafter.Proposal.EMPTY;
        long t0 = System.nanoTime();
        int common = 0;
        while (common < fedLength && common < length - 1 && fed[common] == context[common]) common++;
        // feed what the cache lacks (the correction or bonus token, and anything after a rejection)
        int[] catchUp = java.util.Arrays.copyOfRange(context, common, length);
        int[] tokens = new int[k];
        Distribution[] probs = null;
        if (sampler.isGreedy()) { // argmax only: a GPU draft hands back one int per pass
            int next = model.forwardArgmax(cache, catchUp, common, 1)[0];
            passes++;
            remember(context, common, length);
            for (int i = 0; i < k; i++) {
                tokens[i] = next;
                if (i + 1 < k && stop.getAsBoolean()) return finish(t0, tokens, null, i + 1);
                if (i + 1 < k) {
                    next = model.forwardArgmax(cache, new int[] {tokens[i]}, length + i, 1)[0];
                    passes++;
                    append(tokens[i]);
                }
            }
        } else { // the rejection test needs the draft's warped distribution (its top-k candidates, where top-k is on)
            Distribution next = distribution(catchUp, common, sampler);
            passes++;
            remember(context, common, length);
            probs = new Distribution[k];
            for (int i = 0; i < k; i++) {
                probs[i] = next;
                tokens[i] = next.sample(sampler.nextFloat());
                if (i + 1 < k && stop.getAsBoolean()) return finish(t0, tokens, probs, i + 1);
                if (i + 1 < k) {
                    next = distribution(new int[] {tokens[i]}, length + i, sampler);
                    passes++;
                    append(tokens[i]);
                }
            }
        }
        return finish(t0, tokens, probs, k);
    }

    /** The first {@code n} tokens drafted (all k, or fewer where a stop was asked for), their time folded into c. */
    private Drafter.Proposal finish(long t0, int[] tokens, Distribution[] probs, int n) {
        double s = (System.nanoTime() - t0) / 1e9 / n;
        secondsPerToken = Double.isNaN(secondsPerToken) ? s : 0.9 * secondsPerToken + 0.1 * s;
        if (n < tokens.length) {
            tokens = java.util.Arrays.copyOf(tokens, n);
            if (probs != null) probs = java.util.Arrays.copyOf(probs, n);
        }
        return new Drafter.Proposal(tokens, probs);
    }

    private Distribution distribution(int[] tokens, int startPos, Sampler sampler) {
        if (sampler.usesCandidates(model.config().vocabSize())) {
            return sampler.distribution(model.forwardTopK(cache, tokens, startPos, 1, sampler.temperature(), sampler.topK())[0]);
        }
        return Distribution.of(sampler.probabilities(model.forward(cache, tokens, startPos, 1)[0]));
    }

    private void remember(int[] context, int from, int to) {
        fedLength = from;
        for (int i = from; i < to; i++) append(context[i]);
    }

    private void append(int token) {
        if (fedLength == fed.length) fed = java.util.Arrays.copyOf(fed, fed.length * 2);
        fed[fedLength++] = token;
    }
}
