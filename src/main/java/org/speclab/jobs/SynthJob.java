package org.speclab.jobs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.speclab.format.ModelFiles;
import org.speclab.format.TokenizerFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.model.ModelFile;
import org.speclab.quant.BlockCodec;
import org.speclab.quant.WeightType;

/**
 * {@code synth}: a random-weight Llama of a real shape, written as GGUF in any type, so hardware can
 * be measured without downloading a model. Weights are drawn from N(0, 0.02²) row by row as they
 * are written (nothing is held in memory); the vocabulary comes from a real tokenizer file.
 */
public record SynthJob(Shape shape, GgmlType type, Path vocab, Path output, long seed, boolean overwrite) implements Job<Path> {
    /** A model shape; presets are the shapes of real models. */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int hidden, int vocab, int context) {
        public static final Map<String, Shape> PRESETS = new LinkedHashMap<>();

        static {
            for (Shape s : List.of(
                    new Shape("200m", 1024, 12, 16, 4, 2816, 32000, 2048),
                    new Shape("llama2-7b", 4096, 32, 32, 32, 11008, 32000, 4096),
                    new Shape("llama2-13b", 5120, 40, 40, 40, 13824, 32000, 4096),
                    new Shape("llama2-70b", 8192, 80, 64, 8, 28672, 32000, 4096),
                    new Shape("codellama-34b", 8192, 48, 64, 8, 22016, 32016, 16384))) {
                PRESETS.put(s.name, s);
            }
        }

        public static Shape preset(String name) {
            Shape s = PRESETS.get(name.toLowerCase(Locale.ROOT));
            if (s == null) throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + String.join(", ", PRESETS.keySet()) + ")");
            return s;
        }

        public long parameters() {
            long kv = (long) dim / heads * kvHeads;
            return 2L * vocab * dim + layers * (2L * dim * dim + 2L * dim * kv + 3L * dim * hidden + 2L * dim) + dim;
        }
    }

    @Override
    public JobTexts.Title titleText() {
        return JobTexts.title("title.synth", shape.name, type, output.getFileName());
    }

    @Override
    public Path run(JobContext ctx) throws IOException {
        OutputFiles.checkWritable(output, overwrite, vocab);
        if (shape.dim % shape.heads != 0 || shape.heads % shape.kvHeads != 0) {
            throw new JobFailedException("shape " + shape + ": heads must divide dim, and kv heads divide heads");
        }
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.of("llama"));
        md.put("general.name", GgufValue.of("synthetic-" + shape.name));
        md.put("general.file_type", GgufValue.ofUInt32(WeightType.require(type).fileType));
        if (type.isQuantized()) md.put("general.quantization_version", GgufValue.ofUInt32(2));
        md.put("llama.context_length", GgufValue.ofUInt32(shape.context));
        md.put("llama.embedding_length", GgufValue.ofUInt32(shape.dim));
        md.put("llama.block_count", GgufValue.ofUInt32(shape.layers));
        md.put("llama.feed_forward_length", GgufValue.ofUInt32(shape.hidden));
        md.put("llama.attention.head_count", GgufValue.ofUInt32(shape.heads));
        md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(shape.kvHeads));
        md.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat(1e-5f));
        md.put("llama.rope.dimension_count", GgufValue.ofUInt32(shape.dim / shape.heads));
        md.put("llama.rope.freq_base", GgufValue.ofFloat(10000f));
        md.put("llama.vocab_size", GgufValue.ofUInt32(shape.vocab));
        md.putAll(vocabulary());
        int kv = shape.dim / shape.heads * shape.kvHeads;
        List<GgufWriter.Entry> t = new ArrayList<>();
        t.add(matrix("token_embd.weight", shape.dim, shape.vocab, ctx));
        for (int l = 0; l < shape.layers; l++) {
            String b = "blk." + l + ".";
            t.add(ones(b + "attn_norm.weight", shape.dim));
            t.add(matrix(b + "attn_q.weight", shape.dim, shape.dim, ctx));
            t.add(matrix(b + "attn_k.weight", shape.dim, kv, ctx));
            t.add(matrix(b + "attn_v.weight", shape.dim, kv, ctx));
            t.add(matrix(b + "attn_output.weight", shape.dim, shape.dim, ctx));
            t.add(ones(b + "ffn_norm.weight", shape.dim));
            t.add(matrix(b + "ffn_gate.weight", shape.dim, shape.hidden, ctx));
            t.add(matrix(b + "ffn_down.weight", shape.hidden, shape.dim, ctx));
            t.add(matrix(b + "ffn_up.weight", shape.dim, shape.hidden, ctx));
        }
        t.add(ones("output_norm.weight", shape.dim));
        t.add(matrix("output.weight", shape.dim, shape.vocab, ctx));
        GgufExport.writeEntries(t, md, output, ctx, "progress.writing");
        return output;
    }

    /** The vocabulary's tokenizer.ggml.* keys; without a file, a byte-fallback vocabulary that spells any text. */
    private Map<String, GgufValue> vocabulary() {
        if (vocab == null) return byteVocabulary(shape.vocab);
        Map<String, GgufValue> v = vocabularyKeys(vocab);
        int tokens = v.get("tokenizer.ggml.tokens").arrayLength();
        if (tokens != shape.vocab) {
            throw new JobFailedException(vocab + ": its " + tokens + " tokens and the " + shape.vocab + " embedding rows of " + shape.name
                    + " differ (leave out --vocab-size to take the vocabulary's size)");
        }
        return v;
    }

    /** The number of tokens in a vocabulary file (tokenizer.model, tokenizer.json, GGUF, …). */
    public static int vocabularySize(Path vocab) {
        return vocabularyKeys(vocab).get("tokenizer.ggml.tokens").arrayLength();
    }

    /** The tokenizer.* keys of a vocabulary file (a GGUF's, or a tokenizer file read as such); refused without tokens. */
    private static Map<String, GgufValue> vocabularyKeys(Path vocab) {
        Map<String, GgufValue> src;
        if (org.speclab.format.FileKind.of(vocab) == org.speclab.format.FileKind.GGUF) {
            try (ModelFile f = ModelFiles.openGguf(vocab)) {
                src = new LinkedHashMap<>(f.metadata());
            }
        } else {
            src = TokenizerFiles.read(vocab, -1);
        }
        Map<String, GgufValue> v = new LinkedHashMap<>();
        src.forEach((k, val) -> {
            if (k.startsWith("tokenizer.") || k.startsWith("speclab.tokenizer.")) v.put(k, val);
        });
        if (v.get("tokenizer.ggml.tokens") == null) throw new JobFailedException(vocab + ": has no vocabulary (tokenizer.ggml.tokens)");
        return v;
    }

    /** {@code <unk> <s> </s>}, the 256 byte tokens, then unused filler: SentencePiece byte fallback covers all text. */
    static Map<String, GgufValue> byteVocabulary(int n) {
        if (n < 259) throw new JobFailedException("a vocabulary of " + n + " cannot hold the 259 tokens every text needs; pass --vocab");
        String[] tokens = new String[n];
        int[] types = new int[n];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = TokenizerFiles.UNKNOWN;
        types[1] = types[2] = TokenizerFiles.CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = TokenizerFiles.BYTE;
        }
        for (int i = 259; i < n; i++) {
            tokens[i] = "[UNUSED_" + i + "]";
            types[i] = TokenizerFiles.UNUSED;
        }
        Map<String, GgufValue> v = new LinkedHashMap<>();
        v.put("tokenizer.ggml.model", GgufValue.of("llama"));
        v.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
        v.put("tokenizer.ggml.scores", GgufValue.ofFloats(new float[n]));
        v.put("tokenizer.ggml.token_type", GgufValue.ofInts(types));
        v.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(1));
        v.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(2));
        v.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(0));
        return v;
    }

    private static GgufWriter.Entry ones(String name, int n) {
        byte[] b = new byte[4 * n];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(filled(n));
        return new GgufWriter.Entry(name, new long[] {n}, GgmlType.F32, GgufWriter.Data.of(b));
    }

    private static float[] filled(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return f;
    }

    /**
     * A rows × cols matrix of N(0, 0.02²) values, generated and encoded a chunk of rows at a time.
     * Each tensor's values depend only on the seed and its name, so two shapes with the same seed
     * share the tensors they have in common (a shallower copy is an early-exit draft of a deeper one).
     */
    private GgufWriter.Entry matrix(String name, int cols, int rows, JobContext ctx) {
        long tensorSeed = new SplittableRandom(seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L)).nextLong();
        return new GgufWriter.Entry(name, new long[] {cols, rows}, type, out -> {
            BlockCodec codec = BlockCodec.of(type);
            int chunk = Math.max(1, (1 << 20) / cols);
            long rowBytes = type.byteSize(cols);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment buf = arena.allocate(chunk * rowBytes);
                float[] floats = new float[chunk * cols];
                byte[] bytes = new byte[(int) (chunk * rowBytes)];
                for (int r = 0; r < rows; r += chunk) {
                    ctx.checkCancelled();
                    int n = Math.min(chunk, rows - r);
                    int first = r;
                    java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                        SplittableRandom rnd = new SplittableRandom(tensorSeed * 31 + first + i);
                        for (int j = 0; j < cols; j++) floats[i * cols + j] = (float) (rnd.nextGaussian() * 0.02);
                        codec.quantize(floats, i * cols, cols, buf, i * rowBytes);
                    });
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) (n * rowBytes));
                    out.write(bytes, 0, (int) (n * rowBytes));
                }
            }
        });
    }

}
