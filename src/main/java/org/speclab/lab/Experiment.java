package org.speclab.lab;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One run, with the columns of the seed's gpt-fast table (draft model, draft quantization,
 * speculate_k, model, model quantization, device, device count, prompt, average tokens/s, memory,
 * bandwidth, mean accepted, max_new_tokens, num_samples, temperature, version) plus what explains
 * the result: α, c, the speedup Theorem 3.8 predicts and the speedup measured against the target
 * alone. Fields that do not apply (no draft) are null.
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
        @JsonProperty("text") String text) {
}
