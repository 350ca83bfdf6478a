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
                              long weightBytes, int forwardPasses, String stopReason) {
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
