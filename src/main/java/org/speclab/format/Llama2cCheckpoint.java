package org.speclab.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/**
 * llama2.c checkpoints ({@code run.c}'s float32 format): the legacy "v0" layout (7 int32 header,
 * negative vocab_size meaning a separate classifier) and export version 1 ("ak42" magic, 256-byte
 * header). Weights are mapped, not copied, and exposed under GGUF tensor names with
 * {@code llama.*} metadata, so the rest of SpecLab treats them like any GGUF model.
 */
public final class Llama2cCheckpoint {
    static final int MAGIC_AK42 = 0x616b3432;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cCheckpoint() {}

    /** Header fields as run.c names them. */
    record Header(int version, int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                  int seqLen, boolean sharedClassifier, long weightsOffset) {
        int headSize() { return dim / heads; }

        int kvDim() { return kvHeads * headSize(); }
    }

    /**
     * Whether {@code head}, a file's first bytes (little-endian), is a plausible llama2.c header (see
     * {@link FileKind}). Whether the weights fit is {@link #open}'s to say: a truncated download is
     * a checkpoint that is refused with the bytes it lacks, not an unknown file.
     */
    static boolean looksLike(java.nio.ByteBuffer head) {
        if (head.remaining() < 28) return false;
        try {
            return parseHeader(null, head, false) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static ModelFile open(Path path, Map<String, GgufValue> tokenizerMetadata) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                if (ch.size() < 28) throw new ModelFormatException(path, "header", "file is truncated (" + ch.size() + " bytes; a llama2.c header needs 28)");
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            var buf = seg.asSlice(0, Math.min(seg.byteSize(), 40)).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            Header h = parseHeader(path, buf, true);
            long need = expectedBytes(h);
            if (seg.byteSize() < need) {
                throw new ModelFormatException(path, "weights", "file is truncated: the header (dim " + h.dim + ", " + h.layers
                        + " layers, vocab " + h.vocabSize + ") needs " + need + " bytes, the file has " + seg.byteSize());
            }
            List<Tensor> tensors = h.version == 0 ? layoutV0(h, seg) : layoutV1(h, seg);
            Map<String, GgufValue> md = metadata(path, h);
            if (tokenizerMetadata != null) md.putAll(tokenizerMetadata);
            return new ModelFile(path, "llama2c", md, tensors, seg.byteSize(), arena::close);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(path, null, "file not found");
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path, null, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Returns null instead of throwing when {@code strict} is false and the header is implausible. */
    private static Header parseHeader(Path path, java.nio.ByteBuffer b, boolean strict) {
        int version = 0;
        long weightsOffset = 28;
        if (b.getInt(0) == MAGIC_AK42) {
            version = b.getInt(4);
            if (version != 1) {
                if (!strict) return null;
                throw new ModelFormatException(path, "version", "llama2.c export version " + version
                        + " is not supported (supported: legacy v0 and v1 float32; re-export with version 1 or convert to GGUF)");
            }
            b.position(8);
            weightsOffset = 256;
        } else {
            b.position(0);
        }
        int dim = b.getInt(), hidden = b.getInt(), layers = b.getInt(), heads = b.getInt(), kvHeads = b.getInt();
        int vocab = b.getInt(), seqLen = b.getInt();
        boolean shared;
        if (version == 0) {
            shared = vocab > 0;
            vocab = Math.abs(vocab);
        } else {
            shared = b.get() != 0;
        }
        String problem = null;
        if (dim <= 0 || dim > 65536) problem = "dim " + dim + " out of range";
        else if (hidden <= 0 || hidden > 1 << 20) problem = "hidden_dim " + hidden + " out of range";
        else if (layers <= 0 || layers > 1024) problem = "n_layers " + layers + " out of range";
        else if (heads <= 0 || dim % heads != 0) problem = "n_heads " + heads + " does not divide dim " + dim;
        else if (kvHeads <= 0 || heads % kvHeads != 0) problem = "n_kv_heads " + kvHeads + " does not divide n_heads " + heads;
        else if (vocab <= 0 || vocab > 1 << 22) problem = "vocab_size " + vocab + " out of range";
        else if (seqLen <= 0 || seqLen > 1 << 24) problem = "seq_len " + seqLen + " out of range";
        else if ((dim / heads) % 2 != 0) problem = "head size " + dim / heads + " is odd";
        if (problem != null) {
            if (!strict) return null;
            throw new ModelFormatException(path, "header", "not a llama2.c checkpoint: " + problem);
        }
        return new Header(version, dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared, weightsOffset);
    }

    private static long expectedBytes(Header h) {
        long d = h.dim, kv = h.kvDim(), hd = h.hiddenDim, L = h.layers, v = h.vocabSize;
        long floats = v * d + L * (2 * d + 2 * d * d + 2 * kv * d + 3 * d * hd) + d;
        if (h.version == 0) floats += (long) h.seqLen * h.headSize(); // freq_cis_real + freq_cis_imag, unused
        if (!h.sharedClassifier) floats += v * d;
        return h.weightsOffset + 4 * floats;
    }

    /** Sequential views in file order; each call takes the next {@code rows × cols} floats. */
    private static final class Walker {
        final MemorySegment seg;
        long pos;
        final List<Tensor> out = new ArrayList<>();

        Walker(MemorySegment seg, long pos) {
            this.seg = seg;
            this.pos = pos;
        }

        void take(String name, long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            out.add(new Tensor(new TensorInfo(name, shape, GgmlType.F32, pos), seg.asSlice(pos, 4 * n)));
            pos += 4 * n;
        }

        void skip(long floats) { pos += 4 * floats; }
    }

    private static List<Tensor> layoutV0(Header h, MemorySegment seg) {
        Walker w = new Walker(seg, h.weightsOffset);
        int d = h.dim, kv = h.kvDim(), hd = h.hiddenDim;
        w.take("token_embd.weight", d, h.vocabSize);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_norm"), d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_q"), d, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_k"), d, kv);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_v"), d, kv);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_output"), d, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_norm"), d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_gate"), d, hd);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_down"), hd, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_up"), d, hd);
        w.take("output_norm.weight", d);
        w.skip((long) h.seqLen * h.headSize()); // freq_cis_real, freq_cis_imag: run.c computes RoPE itself
        if (!h.sharedClassifier) w.take("output.weight", d, h.vocabSize);
        return w.out;
    }

    private static List<Tensor> layoutV1(Header h, MemorySegment seg) {
        Walker w = new Walker(seg, h.weightsOffset);
        int d = h.dim, kv = h.kvDim(), hd = h.hiddenDim;
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_norm"), d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_norm"), d);
        w.take("output_norm.weight", d);
        w.take("token_embd.weight", d, h.vocabSize);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_q"), d, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_k"), d, kv);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_v"), d, kv);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "attn_output"), d, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_gate"), d, hd);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_down"), hd, d);
        for (int l = 0; l < h.layers; l++) w.take(blk(l, "ffn_up"), d, hd);
        if (!h.sharedClassifier) w.take("output.weight", d, h.vocabSize);
        return w.out;
    }

    private static String blk(int layer, String name) {
        return "blk." + layer + "." + name + ".weight";
    }

    private static Map<String, GgufValue> metadata(Path path, Header h) {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        String stem = path.getFileName().toString().replaceFirst("\\.bin$", "");
        md.put("general.architecture", GgufValue.of("llama"));
        md.put("general.name", GgufValue.of(stem));
        md.put("general.source", GgufValue.of("llama2.c checkpoint v" + h.version));
        md.put("llama.context_length", GgufValue.ofUInt32(h.seqLen));
        md.put("llama.embedding_length", GgufValue.ofUInt32(h.dim));
        md.put("llama.block_count", GgufValue.ofUInt32(h.layers));
        md.put("llama.feed_forward_length", GgufValue.ofUInt32(h.hiddenDim));
        md.put("llama.attention.head_count", GgufValue.ofUInt32(h.heads));
        md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(h.kvHeads));
        md.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat(1e-5f));
        md.put("llama.rope.dimension_count", GgufValue.ofUInt32(h.headSize()));
        md.put("llama.rope.freq_base", GgufValue.ofFloat(10000f));
        return md;
    }
}
