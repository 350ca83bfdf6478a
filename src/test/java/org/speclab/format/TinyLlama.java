package org.speclab.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.quant.BlockCodec;

/**
 * One random Llama, written two ways from the very same bytes: as a GGUF with Q/K rows in GGUF's
 * interleaved order, and as a Hugging Face folder with Q/K rows in Hugging Face's rotate-half order
 * (the inverse of llama.cpp's {@code permute}). A correct importer makes the two indistinguishable.
 */
final class TinyLlama {
    record Shape(int dim, int hidden, int layers, int heads, int kvHeads, int headDim, int vocab) {
        static final Shape DEFAULT = new Shape(64, 96, 2, 4, 2, 16, 50);
    }

    /** A safetensors entry as the test writes it. */
    record Entry(String dtype, long[] shape, byte[] data) {}

    final Shape s;
    final GgmlType type;
    final boolean tied;
    /** GGUF name → bytes in GGUF order (rows of the GGUF shape's innermost dimension). */
    final Map<String, byte[]> bytes = new LinkedHashMap<>();
    /** GGUF name → GGUF shape (innermost first). */
    final Map<String, long[]> shapes = new LinkedHashMap<>();

    private TinyLlama(Shape s, GgmlType type, boolean tied) {
        this.s = s;
        this.type = type;
        this.tied = tied;
    }

    static TinyLlama random(Shape s, GgmlType type, boolean tied, long seed) {
        TinyLlama m = new TinyLlama(s, type, tied);
        Random rnd = new Random(seed);
        int q = s.heads() * s.headDim(), kv = s.kvHeads() * s.headDim();
        m.matrix("token_embd.weight", rnd, 1f, s.dim(), s.vocab());
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            m.norm(b + "attn_norm.weight", rnd, s.dim());
            m.matrix(b + "attn_q.weight", rnd, 0.3f, s.dim(), q);
            m.matrix(b + "attn_k.weight", rnd, 0.3f, s.dim(), kv);
            m.matrix(b + "attn_v.weight", rnd, 0.3f, s.dim(), kv);
            m.matrix(b + "attn_output.weight", rnd, 0.3f, q, s.dim());
            m.norm(b + "ffn_norm.weight", rnd, s.dim());
            m.matrix(b + "ffn_gate.weight", rnd, 0.3f, s.dim(), s.hidden());
            m.matrix(b + "ffn_up.weight", rnd, 0.3f, s.dim(), s.hidden());
            m.matrix(b + "ffn_down.weight", rnd, 0.3f, s.hidden(), s.dim());
        }
        m.norm("output_norm.weight", rnd, s.dim());
        if (!tied) m.matrix("output.weight", rnd, 0.3f, s.dim(), s.vocab());
        return m;
    }

    private void norm(String name, Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.8f + 0.4f * rnd.nextFloat();
        put(name, v, n);
    }

    private void matrix(String name, Random rnd, float scale, int cols, int rows) {
        float[] v = new float[cols * rows];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * scale;
        put(name, v, cols, rows);
    }

    /** Rounded once to the model's type: both files then hold exactly these bytes. */
    private void put(String name, float[] v, long... shape) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(type.byteSize(v.length));
            BlockCodec.of(type).quantize(v, 0, v.length, seg, 0);
            bytes.put(name, seg.toArray(ValueLayout.JAVA_BYTE));
        }
        shapes.put(name, shape);
    }

    // ---- the GGUF ----

    Path writeGguf(Path file, Map<String, GgufValue> extraMetadata, List<GgufWriter.Entry> extraTensors) throws Exception {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.of("llama"));
        md.put("general.name", GgufValue.of("tiny"));
        md.put("llama.context_length", GgufValue.ofUInt32(64));
        md.put("llama.embedding_length", GgufValue.ofUInt32(s.dim()));
        md.put("llama.block_count", GgufValue.ofUInt32(s.layers()));
        md.put("llama.feed_forward_length", GgufValue.ofUInt32(s.hidden()));
        md.put("llama.attention.head_count", GgufValue.ofUInt32(s.heads()));
        md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(s.kvHeads()));
        md.put("llama.attention.key_length", GgufValue.ofUInt32(s.headDim()));
        md.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat(1e-5f));
        md.put("llama.rope.freq_base", GgufValue.ofFloat(10000f));
        md.putAll(extraMetadata);
        List<GgufWriter.Entry> t = new ArrayList<>();
        for (var e : bytes.entrySet()) t.add(new GgufWriter.Entry(e.getKey(), shapes.get(e.getKey()), type, GgufWriter.Data.of(e.getValue())));
        t.addAll(extraTensors);
        GgufWriter.write(file, md, t);
        return file;
    }

    Path writeGguf(Path file) throws Exception {
        return writeGguf(file, Map.of(), List.of());
    }

    // ---- the Hugging Face folder ----

    /** The config.json of this model; tests edit it before {@link #writeHf}. */
    ObjectNode config() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama").put("hidden_act", "silu");
        c.put("hidden_size", s.dim()).put("intermediate_size", s.hidden()).put("num_hidden_layers", s.layers())
                .put("num_attention_heads", s.heads()).put("num_key_value_heads", s.kvHeads()).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("max_position_embeddings", 64).put("vocab_size", s.vocab())
                .put("tie_word_embeddings", tied).put("bos_token_id", 1).put("eos_token_id", 2);
        if (s.headDim() != s.dim() / s.heads()) c.put("head_dim", s.headDim());
        return c;
    }

    /** Hugging Face name → safetensors entry, Q/K permuted back to rotate-half unless {@code permute} is false. */
    Map<String, Entry> hfEntries(boolean permute) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (var e : bytes.entrySet()) {
            long[] g = shapes.get(e.getKey());
            long[] shape = new long[g.length];
            for (int i = 0; i < g.length; i++) shape[i] = g[g.length - 1 - i];
            byte[] b = e.getValue();
            if (permute && e.getKey().endsWith("attn_q.weight")) b = rotateHalf(b, s.heads(), s.headDim());
            if (permute && e.getKey().endsWith("attn_k.weight")) b = rotateHalf(b, s.kvHeads(), s.headDim());
            out.put(hfName(e.getKey()), new Entry(dtype(type), shape, b));
        }
        return out;
    }

    /** Writes config.json and the weights in {@code shards} files (with an index when more than one). */
    Path writeHf(Path folder, ObjectNode config, int shards) throws Exception {
        Files.createDirectories(folder);
        new ObjectMapper().writeValue(folder.resolve("config.json").toFile(), config);
        writeWeights(folder, hfEntries(true), shards);
        return folder;
    }

    static void writeWeights(Path folder, Map<String, Entry> entries, int shards) throws Exception {
        List<String> names = List.copyOf(entries.keySet());
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", entries.values().stream().mapToLong(e -> e.data().length).sum());
        ObjectNode map = index.putObject("weight_map");
        for (int k = 0; k < shards; k++) {
            Map<String, Entry> part = new LinkedHashMap<>();
            for (int i = k; i < names.size(); i += shards) part.put(names.get(i), entries.get(names.get(i)));
            String file = shards == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", k + 1, shards);
            writeSafetensors(folder.resolve(file), part);
            for (String n : part.keySet()) map.put(n, file);
        }
        if (shards > 1) new ObjectMapper().writeValue(folder.resolve("model.safetensors.index.json").toFile(), index);
    }

    /** The safetensors layout: u64 little-endian header length, the JSON header, the data. */
    static void writeSafetensors(Path file, Map<String, Entry> entries) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : entries.entrySet()) {
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", e.getValue().dtype());
            var shape = n.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            n.putArray("data_offsets").add(data.size()).add(data.size() + e.getValue().data().length);
            data.writeBytes(e.getValue().data());
        }
        // the reference writer pads the header so data starts 8-byte aligned; starting it 2 bytes off
        // instead checks that nothing relies on alignment the format does not promise
        byte[] json = om.writeValueAsBytes(header);
        byte[] h = Arrays.copyOf(json, json.length + Math.floorMod(2 - 8 - json.length, 8));
        Arrays.fill(h, json.length, h.length, (byte) ' ');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data.toByteArray());
        Files.write(file, out.toByteArray());
    }

    /**
     * GGUF (interleaved) → Hugging Face (rotate-half) row order: Hugging Face row h·hd + s·hd/2 + i is
     * GGUF row h·hd + 2i + s, the inverse of llama.cpp's permute.
     */
    static byte[] rotateHalf(byte[] b, int heads, int headDim) {
        int rowBytes = b.length / (heads * headDim);
        byte[] out = new byte[b.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < headDim / 2; i++) {
                for (int s = 0; s < 2; s++) {
                    System.arraycopy(b, (h * headDim + 2 * i + s) * rowBytes, out, (h * headDim + s * (headDim / 2) + i) * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    static String dtype(GgmlType t) {
        return switch (t) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    /** GGUF name → Hugging Face name. */
    static String hfName(String g) {
        if (g.equals("token_embd.weight")) return "model.embed_tokens.weight";
        if (g.equals("output_norm.weight")) return "model.norm.weight";
        if (g.equals("output.weight")) return "lm_head.weight";
        String[] p = g.split("\\.");
        return "model.layers." + p[1] + "." + switch (p[2]) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "ffn_norm" -> "post_attention_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> throw new IllegalArgumentException(g);
        } + ".weight";
    }
}
