package org.speclab.decode;

/**
 * Measurements of one generation.
 *
 * @param promptTokens  tokens fed before generating (BOS included)
 * @param newTokens     tokens generated
 * @param prefillNanos  time of the prompt pass
 * @param decodeNanos   time from the first generated token's pass to the end
 * @param weightBytes   bytes of weights one forward pass reads
 * @param forwardPasses target forward passes during decoding
 * @param stopReason    "eos", "length", "cancelled"
 */
public record GenerationStats(int promptTokens, int newTokens, long prefillNanos, long decodeNanos,
                              long weightBytes, int forwardPasses, String stopReason, long firstTokenNanos, long bytesRead) {
    public GenerationStats(int promptTokens, int newTokens, long prefillNanos, long decodeNanos, long weightBytes, int forwardPasses, String stopReason) {
        this(promptTokens, newTokens, prefillNanos, decodeNanos, weightBytes, forwardPasses, stopReason, prefillNanos,
                (long) forwardPasses * weightBytes);
    }

    /** Seconds from the start until the first generated token was known. */
    public double timeToFirstToken() { return firstTokenNanos / 1e9; }

    /**
     * Bytes actually read per second while decoding: every target pass and draft pass reads its
     * weights (KV cache reads are left out: small next to the weights at these context lengths).
     */
    public double bytesReadGBs() {
        return decodeNanos > 0 ? (double) bytesRead / decodeNanos : 0;
    }

    public double totalSeconds() { return (prefillNanos + decodeNanos) / 1e9; }

    /** Generated tokens per second, prompt pass included (as gpt-fast reports it). */
    public double tokensPerSecond() {
        double s = totalSeconds();
        return s > 0 ? newTokens / s : 0;
    }

    /** Weight bytes read per second during decoding, in GB/s (10^9). */
    public double bandwidthGBs() {
        return decodeNanos > 0 ? (double) weightBytes * forwardPasses / decodeNanos : 0;
    }
}
