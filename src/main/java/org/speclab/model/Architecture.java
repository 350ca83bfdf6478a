package org.speclab.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The transformer families SpecLab runs, as data: what a layer holds and how the one forward pass
 * treats it. Tensor names and shapes are spelled here once (as llama.cpp's GGUF names them); the
 * shape check, the parameter count and both engines read them from here. The differences between
 * families are as small as llama.cpp's {@code llm_build_*} functions show: biases, where the norms
 * sit, the RoPE pairing, the gate's activation, soft-capping, fused matrices.
 *
 * @param name            {@code general.architecture} and the prefix of its metadata keys
 * @param rope            which values of a head RoPE rotates together
 * @param qkvBias         attn_q/k/v carry biases (Qwen2)
 * @param qkNorm          an RMSNorm over each head of q and of k before RoPE (Qwen3)
 * @param fusedQkv        one attn_qkv matrix whose rows are Q, then K, then V (Phi-3)
 * @param fusedGateUp     ffn_up holds the gate's rows, then the up rows (Phi-3)
 * @param postNorms       norms after attention and after the feed-forward block, before each residual add (Gemma 2)
 * @param activation      the gate's activation
 * @param scaleEmbedding  embeddings are multiplied by √dim (Gemma 2)
 * @param window          whether the family honours {@code attention.sliding_window} (Phi-3 on every layer, Gemma 2 on
 *                        alternate ones); llama.cpp ignores the key for the others (Mistral's 4096 changes nothing within it)
 * @param alternateWindow the window applies to layers 0, 2, 4, … only (Gemma 2)
 */
public record Architecture(String name, RopeStyle rope, boolean qkvBias, boolean qkNorm, boolean fusedQkv, boolean fusedGateUp,
                           boolean postNorms, Activation activation, boolean scaleEmbedding, boolean window, boolean alternateWindow) {

    /** Pairs RoPE rotates: llama.cpp's "normal" (adjacent values 2i, 2i+1) or "NEOX" (i and i + ropeDim/2). */
    public enum RopeStyle { ADJACENT, NEOX }

    /** The gate's activation in gate·up: SiLU (SwiGLU) or GELU in its tanh form (GeGLU). */
    public enum Activation { SILU, GELU_TANH }

    public static final Architecture LLAMA = new Architecture("llama", RopeStyle.ADJACENT, false, false, false, false, false, Activation.SILU, false, false, false);
    public static final Architecture QWEN2 = new Architecture("qwen2", RopeStyle.NEOX, true, false, false, false, false, Activation.SILU, false, false, false);
    public static final Architecture QWEN3 = new Architecture("qwen3", RopeStyle.NEOX, false, true, false, false, false, Activation.SILU, false, false, false);
    public static final Architecture PHI3 = new Architecture("phi3", RopeStyle.NEOX, false, false, true, true, false, Activation.SILU, false, true, false);
    public static final Architecture GEMMA2 = new Architecture("gemma2", RopeStyle.NEOX, false, false, false, false, true, Activation.GELU_TANH, true, true, true);

    /** Every family, Llama first; messages and help list them from here. */
    public static final List<Architecture> ALL = List.of(LLAMA, QWEN2, QWEN3, PHI3, GEMMA2);

    /** The entry named {@code name}, or null. */
    public static Architecture named(String name) {
        for (Architecture a : ALL) if (a.name.equals(name)) return a;
        return null;
    }

    /** "llama, qwen2, …" for messages. */
    public static String names() {
        return String.join(", ", ALL.stream().map(Architecture::name).toList());
    }

    /** GGUF name of a layer tensor: blk.L.ROLE.weight (or .bias). */
    public static String block(int layer, String role) { return "blk." + layer + "." + role + ".weight"; }

    public static String blockBias(int layer, String role) { return "blk." + layer + "." + role + ".bias"; }

    /** A tensor the forward pass reads, with the shape (GGUF order: columns first) the hyper-parameters imply. */
    public record TensorSpec(String name, long... shape) {
        public long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }

        @Override
        public String toString() { return name + Arrays.toString(shape); }
    }

    /** Every tensor of layer {@code l} for a model of config {@code c}, in the order a file usually holds them. */
    public List<TensorSpec> layerTensors(ModelConfig c, int l) {
        int dim = c.dim(), q = c.qDim(), kv = c.kvDim(), ff = c.hiddenDim();
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec(block(l, "attn_norm"), dim));
        if (fusedQkv) {
            t.add(new TensorSpec(block(l, "attn_qkv"), dim, q + 2L * kv));
        } else {
            t.add(new TensorSpec(block(l, "attn_q"), dim, q));
            t.add(new TensorSpec(block(l, "attn_k"), dim, kv));
            t.add(new TensorSpec(block(l, "attn_v"), dim, kv));
        }
        if (qkvBias) {
            t.add(new TensorSpec(blockBias(l, "attn_q"), q));
            t.add(new TensorSpec(blockBias(l, "attn_k"), kv));
            t.add(new TensorSpec(blockBias(l, "attn_v"), kv));
        }
        if (qkNorm) {
            t.add(new TensorSpec(block(l, "attn_q_norm"), c.headDim()));
            t.add(new TensorSpec(block(l, "attn_k_norm"), c.headDim()));
        }
        t.add(new TensorSpec(block(l, "attn_output"), q, dim));
        if (postNorms) t.add(new TensorSpec(block(l, "post_attention_norm"), dim));
        t.add(new TensorSpec(block(l, "ffn_norm"), dim));
        if (fusedGateUp) {
            t.add(new TensorSpec(block(l, "ffn_up"), dim, 2L * ff));
        } else {
            t.add(new TensorSpec(block(l, "ffn_gate"), dim, ff));
            t.add(new TensorSpec(block(l, "ffn_up"), dim, ff));
        }
        t.add(new TensorSpec(block(l, "ffn_down"), ff, dim));
        if (postNorms) t.add(new TensorSpec(block(l, "post_ffw_norm"), dim));
        return t;
    }

    /**
     * Where one of a layer's matrices lives: the whole tensor {@code tensor}, or (a fused tensor) its
     * rows {@code from .. from + count}; {@code name} is the matrix's own GGUF name either way.
     */
    public record Part(String tensor, String name, int from, int count) {
        public boolean whole() { return count < 0; }
    }

    /** Layer l's q, k, v, gate and up matrices, in that order, as this family's files hold them. */
    public List<Part> projections(ModelConfig c, int l) {
        String q = block(l, "attn_q"), k = block(l, "attn_k"), v = block(l, "attn_v"), gate = block(l, "ffn_gate"), up = block(l, "ffn_up");
        List<Part> parts = new ArrayList<>();
        if (fusedQkv) {
            String qkv = block(l, "attn_qkv");
            parts.add(new Part(qkv, q, 0, c.qDim()));
            parts.add(new Part(qkv, k, c.qDim(), c.kvDim()));
            parts.add(new Part(qkv, v, c.qDim() + c.kvDim(), c.kvDim()));
        } else {
            for (String n : new String[] {q, k, v}) parts.add(new Part(n, n, 0, -1));
        }
        if (fusedGateUp) {
            parts.add(new Part(up, gate, 0, c.hiddenDim()));
            parts.add(new Part(up, up, c.hiddenDim(), c.hiddenDim()));
        } else {
            parts.add(new Part(gate, gate, 0, -1));
            parts.add(new Part(up, up, 0, -1));
        }
        return parts;
    }

    /** The tensors outside the layers: embedding, final norm and (untied) classifier. */
    public List<TensorSpec> outerTensors(ModelConfig c) {
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("token_embd.weight", c.dim(), c.vocabSize()));
        t.add(new TensorSpec("output_norm.weight", c.dim()));
        if (!c.tiedClassifier()) t.add(new TensorSpec("output.weight", c.dim(), c.vocabSize()));
        return t;
    }
}
