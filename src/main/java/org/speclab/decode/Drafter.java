package org.speclab.decode;

/**
 * Proposes tokens for the target to verify. A closed set: a separate draft model, draft-free
 * n-gram lookup in the text so far, and the target's own early layers.
 */
public sealed interface Drafter extends AutoCloseable permits ModelDrafter, NGramLookup {
    /**
     * Up to {@code k} tokens that may follow {@code context[0 .. length)}. Model drafters sample with
     * {@code sampler} (greedy at temperature 0) and return the distributions they sampled from.
     */
    Proposal propose(int[] context, int length, int k, Sampler sampler);

    /**
     * As {@link #propose(int[], int, int, Sampler)}, but a drafter that runs a model asks {@code stop}
     * between its forward passes and returns the tokens drafted so far once it says yes (at least one),
     * so a Stop pressed while a large draft runs acts at its next pass, not after k of them.
     */
    default Proposal propose(int[] context, int length, int k, Sampler sampler, java.util.function.BooleanSupplier stop) {
        return propose(context, length, k, sampler);
    }

    /** One line for tables: "draft: stories260K-L4.gguf", "n-gram (n ≤ 3)", "early exit after 4 layers". */
    String describe();

    /** Measured seconds per proposed token (0 for lookup), for the cost ratio c. */
    default double secondsPerToken() { return 0; }

    /** Weight bytes this drafter has read so far (its forward passes × its model's weights; 0 for lookup). */
    default long bytesRead() { return 0; }

    @Override
    default void close() {}

    /**
     * Proposed tokens; {@code probs[i]} is the (warped) draft distribution {@code tokens[i]} was drawn
     * from, or null when the proposal is deterministic (then it counts as a one-hot distribution).
     */
    record Proposal(int[] tokens, Distribution[] probs) {
        static final Proposal EMPTY = new Proposal(new int[0], null);

        int size() { return tokens.length; }

        /** p(token i) under the draft: its probability, or 1 for deterministic proposals. */
        float p(int i, int token) { return probs == null ? (token == tokens[i] ? 1f : 0f) : probs[i].p(token); }

        /** The tokens draft i gives probability to, ascending. */
        int[] support(int i) { return probs == null ? new int[] {tokens[i]} : probs[i].ids(); }
    }
}
