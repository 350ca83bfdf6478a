package org.speclab.model;

import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;

/**
 * Hyper-parameters of a Llama-family model, read from the file's metadata and tensor shapes,
 * never from constants, so any model of the family runs unchanged.
 *
 * @param ropeDim      how many leading dimensions of each head are rotated (the rest pass through)
 * @param ropeScale    linear position scaling (1 = none): positions are divided by it
 * @param contextLength the context the file declares; running past it warns but works
 */
public record ModelConfig(
        String architecture,
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
        boolean tiedClassifier) {

    /** Architectures whose GGUF layout and forward pass SpecLab implements. */
    public static final java.util.List<String> SUPPORTED = java.util.List.of("llama");

    public int kvDim() { return kvHeads * headDim; }

    public int qDim() { return heads * headDim; }

    public static ModelConfig from(ModelFile f) {
        String arch = f.architecture();
        if (arch == null) throw new ModelFormatException(f.path(), "general.architecture", "missing");
        if (!SUPPORTED.contains(arch)) {
            throw new ModelFormatException(f.path(), "general.architecture",
                    "unsupported architecture '" + arch + "' (SpecLab runs Llama-family models: " + String.join(", ", SUPPORTED) + ")");
        }
        String p = arch + ".";
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
        ModelConfig c = new ModelConfig(arch, dim, hidden, layers, heads, kvHeads, headDim, vocab, ctx, eps, theta, ropeDim, scale, tied);
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
            String b = "blk." + l + ".";
            expect(f, b + "attn_norm.weight", dim);
            expect(f, b + "attn_q.weight", dim, qDim());
            expect(f, b + "attn_k.weight", dim, kvDim());
            expect(f, b + "attn_v.weight", dim, kvDim());
            expect(f, b + "attn_output.weight", qDim(), dim);
            expect(f, b + "ffn_norm.weight", dim);
            expect(f, b + "ffn_gate.weight", dim, hiddenDim);
            expect(f, b + "ffn_down.weight", hiddenDim, dim);
            expect(f, b + "ffn_up.weight", dim, hiddenDim);
        }
        expect(f, "output_norm.weight", dim);
        if (!tiedClassifier) expect(f, "output.weight", dim, vocabSize);
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
        long perLayer = 2L * dim + (long) dim * qDim() * 2 + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        return (long) vocabSize * dim * (tiedClassifier ? 1 : 2) + layers * perLayer + dim;
    }
}
