package org.speclab.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;

/** Random-weight Llama GGUFs of any shape, for tests that need more than the shared models. */
public final class RandomModels {
    private RandomModels() {}

    public record Shape(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, boolean tied, GgmlType type, float ropeTheta) {}

    public static Path write(Path file, Shape s, long seed) throws Exception {
        return write(file, s, seed, Map.of(), List.of());
    }

    /** The same, with more metadata and tensors (RoPE factors, say). */
    public static Path write(Path file, Shape s, long seed, Map<String, GgufValue> extraMetadata, List<GgufWriter.Entry> extraTensors) throws Exception {
        Random rnd = new Random(seed);
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.of("llama"));
        md.put("general.name", GgufValue.of("random"));
        md.put("llama.context_length", GgufValue.ofUInt32(64));
        md.put("llama.embedding_length", GgufValue.ofUInt32(s.dim()));
        md.put("llama.block_count", GgufValue.ofUInt32(s.layers()));
        md.put("llama.feed_forward_length", GgufValue.ofUInt32(s.hidden()));
        md.put("llama.attention.head_count", GgufValue.ofUInt32(s.heads()));
        md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(s.kvHeads()));
        md.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat(1e-5f));
        md.put("llama.rope.freq_base", GgufValue.ofFloat(s.ropeTheta()));
        int kv = s.dim() / s.heads() * s.kvHeads();
        List<GgufWriter.Entry> t = new ArrayList<>();
        t.add(tensor("token_embd.weight", s.type(), rnd, 1f, s.dim(), s.vocab()));
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            t.add(norm(b + "attn_norm.weight", rnd, s.dim()));
            t.add(tensor(b + "attn_q.weight", s.type(), rnd, 0.3f, s.dim(), s.dim()));
            t.add(tensor(b + "attn_k.weight", s.type(), rnd, 0.3f, s.dim(), kv));
            t.add(tensor(b + "attn_v.weight", s.type(), rnd, 0.3f, s.dim(), kv));
            t.add(tensor(b + "attn_output.weight", s.type(), rnd, 0.3f, s.dim(), s.dim()));
            t.add(norm(b + "ffn_norm.weight", rnd, s.dim()));
            t.add(tensor(b + "ffn_gate.weight", s.type(), rnd, 0.3f, s.dim(), s.hidden()));
            t.add(tensor(b + "ffn_down.weight", s.type(), rnd, 0.3f, s.hidden(), s.dim()));
            t.add(tensor(b + "ffn_up.weight", s.type(), rnd, 0.3f, s.dim(), s.hidden()));
        }
        t.add(norm("output_norm.weight", rnd, s.dim()));
        if (!s.tied()) t.add(tensor("output.weight", s.type(), rnd, 0.3f, s.dim(), s.vocab()));
        md.putAll(extraMetadata);
        t.addAll(extraTensors);
        GgufWriter.write(file, md, t);
        return file;
    }

    private static GgufWriter.Entry norm(String name, Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.8f + 0.4f * rnd.nextFloat();
        return new GgufWriter.Entry(name, new long[] {n}, GgmlType.F32, GgufWriter.Data.of(encode(v, GgmlType.F32)));
    }

    private static GgufWriter.Entry tensor(String name, GgmlType type, Random rnd, float scale, int cols, int rows) {
        float[] v = new float[cols * rows];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * scale;
        return new GgufWriter.Entry(name, new long[] {cols, rows}, type, GgufWriter.Data.of(encode(v, type)));
    }

    /** Rows of {@code v} encoded as {@code type} by SpecLab's codecs (rows must fit the block size). */
    static byte[] encode(float[] v, GgmlType type) {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment s = a.allocate(type.byteSize(v.length));
            org.speclab.quant.BlockCodec.of(type).quantize(v, 0, v.length, s, 0);
            return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }
}
