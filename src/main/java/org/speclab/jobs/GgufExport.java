package org.speclab.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.BlockCodec;

/**
 * Writes a model as GGUF with a chosen type per tensor, converting as it streams: each tensor is
 * read from the mapped source a chunk of rows at a time, dequantized to float32 and re-encoded, so
 * memory stays small whatever the model size. Same-type tensors are copied byte for byte.
 */
final class GgufExport {
    /** Rows converted per chunk, bounded so a chunk holds at most ~4 M floats. */
    private static final int MAX_CHUNK_FLOATS = 1 << 22;

    private GgufExport() {}

    static void write(ModelFile source, List<TensorPlan> plan, Map<String, GgufValue> metadata, Path output, JobContext ctx,
                      String progressKey) throws IOException {
        List<GgufWriter.Entry> entries = new ArrayList<>();
        for (TensorPlan p : plan) {
            Tensor t = source.tensor(p.name());
            entries.add(new GgufWriter.Entry(p.name(), p.shape(), p.type(), out -> convert(t, p.type(), out, ctx)));
        }
        writeEntries(entries, metadata, output, ctx, progressKey);
    }

    /**
     * Writes {@code entries} as GGUF after checking the disk has room, reporting progress with
     * {@code progressKey} (done, of); a failure leaves nothing behind and says where and why
     * (e.g. "No space left on device").
     */
    static void writeEntries(List<GgufWriter.Entry> entries, Map<String, GgufValue> metadata, Path output, JobContext ctx,
                             String progressKey) {
        OutputFiles.checkFreeSpace(output, GgufWriter.dataBytes(entries, 32));
        ctx.progress(0, JobTexts.t(progressKey, 0, entries.size()));
        try {
            GgufWriter.write(output, metadata, entries, (done, bytes, all) ->
                    ctx.progress(all == 0 ? 1 : (double) bytes / all, JobTexts.t(progressKey, done, entries.size())));
        } catch (IOException e) {
            throw new JobFailedException(output + ": cannot write: " + e.getMessage() + "; nothing was written", e);
        }
    }

    /** Streams tensor {@code t} re-encoded as {@code target}; rows of a chunk are converted in parallel. */
    static void convert(Tensor t, GgmlType target, OutputStream out, JobContext ctx) throws IOException {
        ctx.checkCancelled();
        MemorySegment src = t.data();
        if (t.type() == target && t.rowOrder() == null) {
            GgufWriter.Data.of(src).writeTo(out);
            return;
        }
        BlockCodec from = BlockCodec.of(t.type()), to = BlockCodec.of(target);
        int cols = Math.toIntExact(t.shape()[0]);
        long rows = t.info().rows();
        int chunkRows = (int) Math.max(1, Math.min(rows, MAX_CHUNK_FLOATS / cols));
        long dstRowBytes = target.byteSize(cols);
        float[] floats = new float[chunkRows * cols];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(chunkRows * dstRowBytes);
            byte[] bytes = new byte[(int) (chunkRows * dstRowBytes)];
            for (long r = 0; r < rows; r += chunkRows) {
                ctx.checkCancelled();
                int n = (int) Math.min(chunkRows, rows - r);
                long first = r;
                java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                    from.dequantize(src, t.rowOffset(first + i), floats, i * cols, cols);
                    to.quantize(floats, i * cols, cols, buf, i * dstRowBytes);
                });
                int len = (int) (n * dstRowBytes);
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, len);
                out.write(bytes, 0, len);
            }
        }
    }

    /**
     * A model read for writing must carry its vocabulary (a llama2.c checkpoint takes it from
     * --tokenizer), no larger than its embedding; returns the number of tokens.
     */
    static int requireVocabulary(ModelFile m, java.nio.file.Path source, int embeddingRows) {
        if (!m.has("tokenizer.ggml.model")) {
            throw new JobFailedException(source + ": carries no vocabulary; pass its tokenizer with --tokenizer (tokenizer.model, tokenizer.json or llama2.c tokenizer .bin)");
        }
        int pieces = m.metadata().get("tokenizer.ggml.tokens").arrayLength();
        if (pieces > embeddingRows) {
            throw new JobFailedException(source + ": the vocabulary has " + pieces + " tokens but the model's embedding only "
                    + embeddingRows + " rows; is --tokenizer the model's own?");
        }
        return pieces;
    }

    /** Source metadata with the keys every written file sets anew. */
    static Map<String, GgufValue> metadata(ModelFile source, int fileType, boolean quantized) {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.of(source.architecture()));
        md.put("general.name", GgufValue.of(source.name()));
        source.metadata().forEach((k, v) -> {
            if (!k.equals("general.alignment") && !k.equals("general.file_type") && !k.equals("general.quantization_version")) md.putIfAbsent(k, v);
        });
        md.put("general.file_type", GgufValue.ofUInt32(fileType));
        if (quantized) md.put("general.quantization_version", GgufValue.ofUInt32(2));
        return md;
    }
}
