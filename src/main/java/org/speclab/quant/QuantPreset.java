package org.speclab.quant;

import org.speclab.gguf.GgmlType;

/**
 * llama.cpp's K_M mixes (llama-quant.cpp, llama_tensor_get_type). Q4_K_M and Q5_K_M: every matrix in
 * the preset's type (Q4_K or Q5_K), except attn_v and ffn_down on the layers where more bits matter
 * most — the first and last eighth of the layers and every third one in between ("use_more_bits") —
 * which get Q6_K, and a fused attn_qkv (Phi-3), which gets one step more (Q5_K, or Q6_K). Q3_K_M:
 * Q3_K, with attn_v Q5_K on the first two layers and Q4_K after, ffn_down Q5_K on the first
 * sixteenth and Q4_K after, attn_output and attn_qkv Q4_K. The classifier's Q6_K is decided by the
 * caller for every preset alike. (llama.cpp also lifts a 70B model's Q4_K attn_v to Q5_K; that rule
 * is not applied here.)
 */
public final class QuantPreset {
    private QuantPreset() {}

    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * @param base  the preset's type: Q3_K for Q3_K_M, Q4_K for Q4_K_M, Q5_K for Q5_K_M
     * @param layer the block index of the tensor, or -1 for tensors outside the blocks
     */
    public static GgmlType kmTypeFor(GgmlType base, String tensorName, int layer, int layerCount) {
        if (base == GgmlType.Q3_K) {
            if (layer < 0) return base;
            if (tensorName.endsWith("attn_v.weight")) return layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            if (tensorName.endsWith("ffn_down.weight")) return layer < layerCount / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
            if (tensorName.endsWith("attn_output.weight") || tensorName.endsWith("attn_qkv.weight")) return GgmlType.Q4_K;
            return base;
        }
        if (layer >= 0 && tensorName.endsWith("attn_qkv.weight")) return base == GgmlType.Q4_K ? GgmlType.Q5_K : GgmlType.Q6_K;
        boolean bump = layer >= 0 && (tensorName.endsWith("attn_v.weight") || tensorName.endsWith("ffn_down.weight"));
        return bump && useMoreBits(layer, layerCount) ? GgmlType.Q6_K : base;
    }
}
