package org.speclab.jobs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.BlockCodec;
import org.speclab.quant.WeightType;

/**
 * {@code synth --widen}: a wider copy of a trained Llama that computes the same function
 * (Net2WiderNet, Chen et al. 2016), so a memory-bound target keeps a trained draft's agreement.
 * With repeat factors R (residual width, attention heads and kv heads; the head size stays, so RoPE
 * does) and F (feed-forward units): wide residual dimension i copies dimension ⌊i/R⌋, head j copies
 * head ⌊j/R⌋, unit u copies unit ⌊u/F⌋. A weight that writes a repeated quantity is copied (rows of
 * every matrix, embeddings, norms); one that reads a repeated quantity is copied and divided by its
 * repeat count (columns: by R for the residual and the heads, by F for the units). RMSNorm sees the
 * same mean square, each head the same scores, so the output is the original's up to float rounding
 * (exact divisions for powers of two). The classifier is written untied: a tied one would read the
 * copied embedding without the division and scale the logits by R.
 */
public record WidenJob(Path source, Path tokenizer, int factor, int ffnFactor, GgmlType type, Path output, boolean overwrite) implements Job<Path> {
    private static final int MAX_CHUNK_FLOATS = 1 << 22;

    @Override
    public JobTexts.Title titleText() {
        return JobTexts.title("title.widen", source.getFileName(), factor, ffnFactor, type, output.getFileName());
    }

    @Override
    public Path run(JobContext ctx) throws IOException {
        if (factor < 1 || ffnFactor < 1) throw new JobFailedException("--factor and --ffn-factor must be at least 1, found " + factor + " and " + ffnFactor);
        OutputFiles.checkWritable(output, overwrite, source, tokenizer);
        ctx.progress(0, JobTexts.t("progress.reading", source.getFileName()));
        try (ModelFile m = ModelFiles.open(source, tokenizer)) {
            ModelConfig c = ModelConfig.from(m);
            if (c.arch() != org.speclab.model.Architecture.LLAMA) {
                throw new JobFailedException(source + ": widening runs on llama models; this one is " + c.architecture());
            }
            GgufExport.requireVocabulary(m, source, c.vocabSize());
            int r = factor, f = ffnFactor, hs = c.headDim();
            IntUnaryOperator resid = i -> i / r, units = u -> u / f, same = i -> i;
            IntUnaryOperator heads = i -> (i / hs / r) * hs + i % hs; // row j·hs + k of the wide (kv) heads ← head ⌊j/R⌋
            List<GgufWriter.Entry> entries = new ArrayList<>();
            List<String> fellBack = new ArrayList<>();
            entries.add(matrix(m.tensor("token_embd.weight"), "token_embd.weight", c.vocabSize(), same, c.dim() * r, resid, 1, ctx, fellBack));
            for (int l = 0; l < c.layers(); l++) {
                String b = "blk." + l + ".";
                entries.add(vector(m.tensor(b + "attn_norm.weight"), c.dim() * r, resid));
                entries.add(matrix(m.tensor(b + "attn_q.weight"), b + "attn_q.weight", c.qDim() * r, heads, c.dim() * r, resid, r, ctx, fellBack));
                entries.add(matrix(m.tensor(b + "attn_k.weight"), b + "attn_k.weight", c.kvDim() * r, heads, c.dim() * r, resid, r, ctx, fellBack));
                entries.add(matrix(m.tensor(b + "attn_v.weight"), b + "attn_v.weight", c.kvDim() * r, heads, c.dim() * r, resid, r, ctx, fellBack));
                entries.add(matrix(m.tensor(b + "attn_output.weight"), b + "attn_output.weight", c.dim() * r, resid, c.qDim() * r, heads, r, ctx, fellBack));
                entries.add(vector(m.tensor(b + "ffn_norm.weight"), c.dim() * r, resid));
                entries.add(matrix(m.tensor(b + "ffn_gate.weight"), b + "ffn_gate.weight", c.hiddenDim() * f, units, c.dim() * r, resid, r, ctx, fellBack));
                entries.add(matrix(m.tensor(b + "ffn_down.weight"), b + "ffn_down.weight", c.dim() * r, resid, c.hiddenDim() * f, units, f, ctx, fellBack));
                entries.add(matrix(m.tensor(b + "ffn_up.weight"), b + "ffn_up.weight", c.hiddenDim() * f, units, c.dim() * r, resid, r, ctx, fellBack));
            }
            entries.add(vector(m.tensor("output_norm.weight"), c.dim() * r, resid));
            Tensor classifier = c.tiedClassifier() ? m.tensor("token_embd.weight") : m.tensor("output.weight");
            entries.add(matrix(classifier, "output.weight", c.vocabSize(), same, c.dim() * r, resid, r, ctx, fellBack));
            Tensor ropeFreqs = m.optionalTensor("rope_freqs.weight");
            if (ropeFreqs != null) entries.add(vector(ropeFreqs, Math.toIntExact(ropeFreqs.shape()[0]), same));

            Map<String, GgufValue> md = GgufExport.metadata(m, WeightType.require(type).fileType, type.isQuantized());
            md.put("general.name", GgufValue.of(m.name() + " ×" + r + (f != r ? "/" + f : "")));
            md.put("llama.embedding_length", GgufValue.ofUInt32(c.dim() * r));
            md.put("llama.feed_forward_length", GgufValue.ofUInt32(c.hiddenDim() * f));
            md.put("llama.attention.head_count", GgufValue.ofUInt32(c.heads() * r));
            md.put("llama.attention.head_count_kv", GgufValue.ofUInt32(c.kvHeads() * r));
            // the head size, and so the rotated dimensions, stay the original's
            md.put("llama.rope.dimension_count", GgufValue.ofUInt32(c.ropeDim()));
            md.put("llama.vocab_size", GgufValue.ofUInt32(c.vocabSize()));
            md.put("general.source.url", GgufValue.of(source.toAbsolutePath().toUri().toString()));
            for (String name : fellBack) ctx.log(JobTexts.t("log.fellBack", name, GgmlType.F16, type));
            GgufExport.writeEntries(entries, md, output, ctx, "progress.writing");
            ctx.progress(1, JobTexts.t("progress.wrote", output.getFileName()));
            return output;
        }
    }

    /** A 1-D tensor (a norm) of {@code n} values, value i copying source value map(i); always F32. */
    private static GgufWriter.Entry vector(Tensor t, int n, IntUnaryOperator map) {
        int srcN = Math.toIntExact(t.shape()[0]);
        float[] src = new float[srcN];
        BlockCodec.of(t.type()).dequantize(t.data(), 0, src, 0, srcN);
        byte[] bytes = new byte[4 * n];
        var buf = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) buf.putFloat(4 * i, src[map.applyAsInt(i)]);
        return new GgufWriter.Entry(t.name(), new long[] {n}, GgmlType.F32, GgufWriter.Data.of(bytes));
    }

    /**
     * The wide {@code rows × cols} matrix: row i is source row rowMap(i), its column j source column
     * colMap(j) divided by {@code div}; streamed a chunk of rows at a time, encoded as the job's type
     * (F16 where the row length is no multiple of the type's block).
     */
    private GgufWriter.Entry matrix(Tensor t, String name, int rows, IntUnaryOperator rowMap, int cols, IntUnaryOperator colMap, int div,
                                    JobContext ctx, List<String> fellBack) {
        GgmlType target = cols % type.blockSize == 0 ? type : GgmlType.F16;
        if (target != type) fellBack.add(name);
        int srcCols = Math.toIntExact(t.shape()[0]);
        int[] columns = new int[cols];
        for (int j = 0; j < cols; j++) columns[j] = colMap.applyAsInt(j);
        BlockCodec from = BlockCodec.of(t.type()), to = BlockCodec.of(target);
        float scale = 1f / div;
        boolean exactDivision = Integer.bitCount(div) == 1;
        return new GgufWriter.Entry(name, new long[] {cols, rows}, target, out -> {
            int chunk = Math.max(1, Math.min(rows, MAX_CHUNK_FLOATS / cols));
            long rowBytes = target.byteSize(cols);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment buf = arena.allocate(chunk * rowBytes);
                byte[] bytes = new byte[(int) (chunk * rowBytes)];
                for (int r0 = 0; r0 < rows; r0 += chunk) {
                    ctx.checkCancelled();
                    int n = Math.min(chunk, rows - r0), first = r0;
                    java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                        float[] src = new float[srcCols], wide = new float[cols];
                        from.dequantize(t.data(), t.rowOffset(rowMap.applyAsInt(first + i)), src, 0, srcCols);
                        // a power of two divides exactly as a multiplication by its inverse; other counts divide
                        for (int j = 0; j < cols; j++) wide[j] = exactDivision ? src[columns[j]] * scale : src[columns[j]] / div;
                        to.quantize(wide, 0, cols, buf, i * rowBytes);
                    });
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) (n * rowBytes));
                    out.write(bytes, 0, (int) (n * rowBytes));
                }
            }
        });
    }
}
