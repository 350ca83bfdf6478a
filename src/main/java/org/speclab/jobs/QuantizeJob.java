package org.speclab.jobs;

import java.nio.file.Files;
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
import org.speclab.quant.QuantPreset;
import org.speclab.quant.WeightType;

/**
 * {@code quantize}: a model → GGUF with quantized 2-D weights, choosing each tensor's type as
 * llama.cpp does (norms stay F32; the classifier gets Q6_K unless Q8_0 was asked; Q4_K_M's mix),
 * falling back to a type whose block fits when a row length is not a multiple of the block size,
 * then measuring how far the quantized model's predictions moved.
 */
public record QuantizeJob(Path input, Path output, QuantType type, boolean overwrite, boolean report) implements Job<QuantizeJob.Result> {
    public record Result(Path output, long bytes, List<TensorPlan> plan, QualityReport quality) {
        public List<TensorPlan> fallbacks() {
            return plan.stream().filter(TensorPlan::fellBack).toList();
        }
    }

    @Override
    public JobTexts.Title titleText() {
        return JobTexts.title("title.quantize", input.getFileName(), output.getFileName(), type);
    }

    @Override
    public Result run(JobContext ctx) throws Exception {
        OutputFiles.checkWritable(output, overwrite, input);
        ctx.progress(0, JobTexts.t("progress.reading", input.getFileName()));
        List<TensorPlan> plan;
        try (ModelFile m = ModelFiles.open(input, null)) {
            ModelConfig config = ModelConfig.from(m);
            plan = plan(m, config, type);
            for (TensorPlan p : plan) if (p.fellBack()) ctx.log(JobTexts.t("log.fellBack", p.name(), p.type(), p.fallbackReason()));
            Map<String, GgufValue> md = GgufExport.metadata(m, type.fileType, true);
            GgufExport.write(m, plan, md, output, ctx, "progress.quantizing");
        }
        QualityReport quality = null;
        if (report) {
            ctx.progress(1, JobTexts.t("progress.quality"));
            try {
                quality = QualityReport.measure(input, output, ctx);
                quality.save(QualityReport.pathFor(output));
            } catch (JobCancelledException e) {
                Files.deleteIfExists(output);
                throw e;
            }
        }
        ctx.progress(1, JobTexts.t("progress.wrote", output.getFileName()));
        return new Result(output, Files.size(output), plan, quality);
    }

    /** The type of every tensor, with the reason wherever it differs from the preset. */
    static List<TensorPlan> plan(ModelFile m, ModelConfig c, QuantType type) {
        List<TensorPlan> plan = new ArrayList<>();
        for (Tensor t : m.tensors().values()) {
            if (t.shape().length < 2) {
                plan.add(new TensorPlan(t.name(), t.shape(), t.type(), GgmlType.F32, null));
                continue;
            }
            long cols = t.shape()[0];
            GgmlType want = type.isMix() ? QuantPreset.kmTypeFor(type.base, t.name(), layerOf(t.name()), c.layers()) : type.base;
            boolean classifier = t.name().equals("output.weight") || (c.tiedClassifier() && t.name().equals("token_embd.weight"));
            if (classifier) {
                // llama.cpp gives the classifier more bits: Q6_K, or Q8_0 when asked for or when rows are not 256-multiples
                want = cols % GgmlType.Q6_K.blockSize != 0 || want == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
            }
            GgmlType got = want;
            String reason = null;
            if (cols % got.blockSize != 0) {
                got = WeightType.require(got).shortRows;
                if (cols % got.blockSize != 0) got = GgmlType.F16;
                reason = JobTexts.t("reason.rowLength", cols, want.blockSize);
            }
            plan.add(new TensorPlan(t.name(), t.shape(), t.type(), got, reason));
        }
        return plan;
    }

    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        try {
            return Integer.parseInt(name.substring(4, dot));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1; // not a layer tensor by llama.cpp's naming: quantized as one outside the blocks
        }
    }
}
