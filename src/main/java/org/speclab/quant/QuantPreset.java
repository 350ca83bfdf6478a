package org.speclab.quant;

import org.speclab.gguf.GgmlType;

/**
 * llama.cpp's Q4_K_M mix for Llama models (llama-quant.cpp, llama_tensor_get_type): everything
 * Q4_K, except attn_v and ffn_down on the layers where more bits matter most — the first and last
 * eighth of the layers and every third one in between ("use_more_bits") — which get Q6_K. The
 * classifier's Q6_K is decided by the caller for every preset alike. (llama.cpp also lifts a 70B
 * model's attn_v to Q5_K, a type SpecLab does not write; those stay Q4_K or Q6_K here.)
 */
public final class QuantPreset {
    private QuantPreset() {}

    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** @param layer the block index of the tensor, or -1 for tensors outside the blocks */
    public static GgmlType q4kmTypeFor(String tensorName, int layer, int layerCount) {
        boolean bump = layer >= 0 && (tensorName.endsWith("attn_v.weight") || tensorName.endsWith("ffn_down.weight"));
        return bump && useMoreBits(layer, layerCount) ? GgmlType.Q6_K : GgmlType.Q4_K;
    }
}
