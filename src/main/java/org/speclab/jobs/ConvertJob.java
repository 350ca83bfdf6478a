package org.speclab.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.WeightType;

/**
 * {@code convert}: any model SpecLab reads (llama2.c checkpoint + vocabulary, Hugging Face folder,
 * GGUF) → GGUF with 2-D weights in F32, F16 or BF16; norms stay F32, as llama.cpp's converters write.
 */
public record ConvertJob(Path source, Path tokenizer, Path output, GgmlType type, boolean overwrite) implements Job<ConvertJob.Result> {
    /** The types convert writes 2-D weights in: the table's float types (quantize makes the smaller ones). */
    public static final java.util.List<GgmlType> TYPES = WeightType.floats();

    public record Result(Path output, long bytes, int tensors) {}

    public ConvertJob {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("--type must be one of " + String.join(", ", TYPES.stream().map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).toList())
                    + " (found " + type.name().toLowerCase(java.util.Locale.ROOT) + "); use quantize for smaller types");
        }
    }

    @Override
    public JobTexts.Title titleText() {
        return JobTexts.title("title.convert", source.getFileName(), output.getFileName(), type);
    }

    @Override
    public Result run(JobContext ctx) throws Exception {
        OutputFiles.checkWritable(output, overwrite, source, tokenizer);
        ctx.progress(0, JobTexts.t("progress.reading", source.getFileName()));
        try (ModelFile m = ModelFiles.open(source, tokenizer)) {
            ModelConfig config = ModelConfig.from(m);
            GgufExport.requireVocabulary(m, source, config.vocabSize());
            List<TensorPlan> plan = new ArrayList<>();
            for (Tensor t : m.tensors().values()) {
                GgmlType target = t.shape().length >= 2 ? type : GgmlType.F32;
                plan.add(new TensorPlan(t.name(), t.shape(), t.type(), target, null));
            }
            Map<String, GgufValue> md = GgufExport.metadata(m, WeightType.require(type).fileType, false);
            md.put("llama.vocab_size", GgufValue.ofUInt32(config.vocabSize()));
            md.put("general.source.url", GgufValue.of(source.toAbsolutePath().toUri().toString()));
            GgufExport.write(m, plan, md, output, ctx, "progress.converting");
            ctx.progress(1, JobTexts.t("progress.wrote", output.getFileName()));
            return new Result(output, java.nio.file.Files.size(output), plan.size());
        }
    }
}
