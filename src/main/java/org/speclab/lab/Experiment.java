package org.speclab.lab;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One run, with the columns of the seed's gpt-fast table (draft model, draft quantization,
 * speculate_k, model, model quantization, device, device count, prompt, average tokens/s, memory,
 * bandwidth, mean accepted, max_new_tokens, num_samples, temperature, version) plus what explains
 * the result: α, c, the speedup Theorem 3.8 predicts and the speedup measured against the target
 * alone. Fields that do not apply (no draft) are null.
 *
 * <p>A run measured several times ({@code repeats}, each speculative run beside a run of the target
 * alone, see {@link Protocol}) holds the median tokens/s and speedup with their ranges; one sample of
 * the CLI's {@code --json} holds its own figures and no ranges. {@code memory_gb} is what the run's
 * models hold: weights and key/value caches of target and draft ({@link MemoryCheck#runBytes}), the
 * same in the CLI, the lab and a sweep.
 */
public record Experiment(
        @JsonProperty("draft_model") String draftModel,
        @JsonProperty("draft_quantization") String draftQuantization,
        @JsonProperty("speculate_k") Integer speculateK,
        @JsonProperty("model") String model,
        @JsonProperty("model_quantization") String modelQuantization,
        @JsonProperty("device") String device,
        @JsonProperty("device_count") int deviceCount,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("tokens_per_sec") double tokensPerSec,
        @JsonProperty("memory_gb") double memoryGb,
        @JsonProperty("bandwidth_gb_s") double bandwidthGbs,
        @JsonProperty("mean_accepted") Double meanAccepted,
        @JsonProperty("max_new_tokens") int maxNewTokens,
        @JsonProperty("num_samples") int numSamples,
        @JsonProperty("temperature") double temperature,
        @JsonProperty("version") String version,
        @JsonProperty("alpha") Double alpha,
        @JsonProperty("cost_ratio_c") Double costRatio,
        @JsonProperty("predicted_speedup") Double predictedSpeedup,
        @JsonProperty("measured_speedup") Double measuredSpeedup,
        @JsonProperty("acceptance_counts") long[] acceptanceCounts,
        @JsonProperty("sample") int sample,
        @JsonProperty("seed") long seed,
        @JsonProperty("top_k") int topK,
        @JsonProperty("top_p") double topP,
        @JsonProperty("new_tokens") int newTokens,
        @JsonProperty("stop_reason") String stopReason,
        @JsonProperty("text") String text,
        @JsonProperty("repeats") Integer repeats,
        @JsonProperty("tokens_per_sec_min") Double tokensPerSecMin,
        @JsonProperty("tokens_per_sec_max") Double tokensPerSecMax,
        @JsonProperty("baseline_tokens_per_sec") Double baselineTokensPerSec,
        @JsonProperty("measured_speedup_min") Double measuredSpeedupMin,
        @JsonProperty("measured_speedup_max") Double measuredSpeedupMax) {

    /** A record without spreads (one run, or records written before they were kept). */
    public Experiment(String draftModel, String draftQuantization, Integer speculateK, String model, String modelQuantization, String device,
                      int deviceCount, String prompt, double tokensPerSec, double memoryGb, double bandwidthGbs, Double meanAccepted,
                      int maxNewTokens, int numSamples, double temperature, String version, Double alpha, Double costRatio,
                      Double predictedSpeedup, Double measuredSpeedup, long[] acceptanceCounts, int sample, long seed, int topK, double topP,
                      int newTokens, String stopReason, String text) {
        this(draftModel, draftQuantization, speculateK, model, modelQuantization, device, deviceCount, prompt, tokensPerSec, memoryGb,
                bandwidthGbs, meanAccepted, maxNewTokens, numSamples, temperature, version, alpha, costRatio, predictedSpeedup, measuredSpeedup,
                acceptanceCounts, sample, seed, topK, topP, newTokens, stopReason, text, null, null, null, null, null, null);
    }
}
