package org.speclab.engine;

import org.speclab.model.ModelConfig;

/**
 * A loaded model on one device. {@link #forward} runs a batch of consecutive positions in one pass
 * (decode: 1, verify: k+1, prefill: the prompt), reading each weight once for the whole batch.
 * A position's logits are the same whether it is computed alone or inside a batch.
 */
public interface Transformer extends AutoCloseable {
    ModelConfig config();

    /** A cache for up to {@code capacity} positions; it grows if a generation runs past it. */
    KvCache newCache(int capacity);

    /**
     * Runs {@code tokens} at positions {@code startPos ..}; the cache is first truncated to
     * {@code startPos}. Returns logits of the last {@code outputs} positions, {@code [outputs][vocab]}.
     */
    float[][] forward(KvCache cache, int[] tokens, int startPos, int outputs);

    /**
     * The same model cut after its first {@code layers} blocks, then its final norm and classifier:
     * a self-speculation draft that shares every weight with this model (no second file, no copy).
     */
    Transformer earlyExit(int layers);

    /** Bytes of weights one forward pass reads (for bandwidth figures). */
    long weightBytes();

    /** Where it runs, e.g. "cpu (2 threads)". */
    String device();

    @Override
    void close();
}
