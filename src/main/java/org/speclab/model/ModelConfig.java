package org.speclab.model;

import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;

/**
 * Hyper-parameters of a model, read from the file's metadata and tensor shapes, never from
 * constants, so any model of a supported family ({@link Architecture}) runs unchanged.
 *
 * @param ropeDim      how many leading dimensions of each head are rotated (the rest pass through)
 * @param ropeScale    linear position scaling (1 = none): positions are divided by it
 * @param contextLength the context the file declares; running past it warns but works
 * @param attentionScale attention scores are divided by it (√head size, unless the family says otherwise)
 * @param attentionSoftcap scores s become c·tanh(s/c) (0: none; Gemma 2)
 * @param finalSoftcap     logits l become c·tanh(l/c) (0: none; Gemma 2)
 * @param slidingWindow    a query at position p sees only positions p − w + 1 .. p on the layers
 *                         {@link #windowed(int)} names (0: every layer sees all positions)
 */
public record ModelConfig(
        Architecture arch,
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        float ropeScale,
        boolean tiedClassifier,
        float attentionScale,
        float attentionSoftcap,
        float finalSoftcap,
        int slidingWindow) {

    /** The family's name, {@code general.architecture}. */
    public String architecture() { return arch.name(); }

    /** The same model cut to its first {@code keep} layers (an early-exit draft). */
    public ModelConfig withLayers(int keep) {
        return new ModelConfig(arch, dim, hiddenDim, keep, heads, kvHeads, headDim, vocabSize, contextLength, rmsEps, ropeTheta,
                ropeDim, ropeScale, tiedClassifier, attentionScale, attentionSoftcap, finalSoftcap, slidingWindow);
    }

    /** Whether layer {@code l} attends through the sliding window. */
    public boolean windowed(int l) { return slidingWindow > 0 && (!arch.alternateWindow() || l % 2 == 0); }

    public int kvDim() { return kvHeads * headDim; }

    public int qDim() { return heads * headDim; }

    public static ModelConfig from(ModelFile f) {
        String name = f.architecture();
        if (name == null) throw new ModelFormatException(f.path(), "general.architecture", "missing");
        Architecture arch = Architecture.named(name);
        if (arch == null) {
            throw new ModelFormatException(f.path(), "general.architecture",
                    "unsupported architecture '" + name + "' (SpecLab runs: " + Architecture.names() + ")");
        }
        String p = name + ".";
        int dim = positive(f, p + "embedding_length", f.requireLong(p + "embedding_length"));
        int layers = positive(f, p + "block_count", f.requireLong(p + "block_count"));
        int hidden = positive(f, p + "feed_forward_length", f.requireLong(p + "feed_forward_length"));
        int heads = positive(f, p + "attention.head_count", f.requireLong(p + "attention.head_count"));
        int kvHeads = positive(f, p + "attention.head_count_kv", f.getLong(p + "attention.head_count_kv", heads));
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(f.path(), p + "attention.head_count_kv",
                    "head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        int headDim = positive(f, p + "attention.key_length", f.getLong(p + "attention.key_length", dim / heads));
        int ctx = positive(f, p + "context_length", f.getLong(p + "context_length", 2048));
        float eps = (float) f.getDouble(p + "attention.layer_norm_rms_epsilon", 1e-5);
        float theta = (float) f.getDouble(p + "rope.freq_base", 10000.0);
        int ropeDim = positive(f, p + "rope.dimension_count", f.getLong(p + "rope.dimension_count", headDim));
        if (ropeDim > headDim || ropeDim % 2 != 0) {
            throw new ModelFormatException(f.path(), p + "rope.dimension_count", "must be even and at most the head size " + headDim + ", found " + ropeDim);
        }
        float scale = 1f;
        String scaling = f.getString(p + "rope.scaling.type", "none");
        if (scaling.equals("linear")) {
            scale = (float) f.getDouble(p + "rope.scaling.factor", 1.0);
        } else if (!scaling.equals("none")) {
            throw new ModelFormatException(f.path(), p + "rope.scaling.type", "unsupported RoPE scaling '" + scaling + "' (supported: none, linear)");
        }
        scale = (float) f.getDouble(p + "rope.scale_linear", scale);
        if (!(scale > 0)) throw new ModelFormatException(f.path(), p + "rope.scaling.factor", "must be positive, found " + scale);

        TensorInfo embd = f.tensor("token_embd.weight").info();
        if (embd.shape().length != 2 || embd.cols() != dim) {
            throw new ModelFormatException(f.path(), "tensor token_embd.weight", "expected shape [" + dim + ", vocab], found " + java.util.Arrays.toString(embd.shape()));
        }
        int vocab = Math.toIntExact(embd.rows());
        boolean tied = f.optionalTensor("output.weight") == null;
        // llama.cpp's query scale: 1/√head size; Gemma 2's 27B (46 layers) uses 1/√(dim/heads) instead
        float attnScale = (float) Math.sqrt(arch == Architecture.GEMMA2 && layers == 46 ? (double) dim / heads : headDim);
        float attnCap = (float) f.getDouble(p + "attn_logit_softcapping", 0.0);
        float finalCap = (float) f.getDouble(p + "final_logit_softcapping", 0.0);
        if (attnCap < 0 || finalCap < 0) throw new ModelFormatException(f.path(), p + "attn_logit_softcapping", "must not be negative");
        long window = arch.window() ? f.getLong(p + "attention.sliding_window", 0) : 0;
        if (window < 0 || window > Integer.MAX_VALUE) throw new ModelFormatException(f.path(), p + "attention.sliding_window", "out of range: " + window);
        ModelConfig c = new ModelConfig(arch, dim, hidden, layers, heads, kvHeads, headDim, vocab, ctx, eps, theta, ropeDim, scale, tied,
                attnScale, attnCap, finalCap, (int) window);
        c.checkShapes(f);
        return c;
    }

    private static int positive(ModelFile f, String key, long v) {
        if (v <= 0 || v > (1 << 26)) throw new ModelFormatException(f.path(), key, "out of range: " + v);
        return (int) v;
    }

    /** Every tensor the forward pass reads must exist with the shape the hyper-parameters imply. */
    private void checkShapes(ModelFile f) {
        for (int l = 0; l < layers; l++) {
            for (Architecture.TensorSpec t : arch.layerTensors(this, l)) expect(f, t.name(), t.shape());
        }
        for (Architecture.TensorSpec t : arch.outerTensors(this)) expect(f, t.name(), t.shape());
    }

    private static void expect(ModelFile f, String name, long... shape) {
        TensorInfo t = f.tensor(name).info();
        long[] s = t.shape();
        boolean ok = s.length == shape.length;
        for (int i = 0; ok && i < s.length; i++) ok = s[i] == shape[i];
        if (!ok) {
            throw new ModelFormatException(f.path(), "tensor " + name, "expected shape " + java.util.Arrays.toString(shape)
                    + ", found " + java.util.Arrays.toString(s));
        }
    }

    public long parameterCount() {
        long n = 0;
        for (int l = 0; l < layers; l++) for (Architecture.TensorSpec t : arch.layerTensors(this, l)) n += t.elements();
        for (Architecture.TensorSpec t : arch.outerTensors(this)) n += t.elements();
        return n;
    }
}
