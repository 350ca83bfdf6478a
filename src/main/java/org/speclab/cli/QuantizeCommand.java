package org.speclab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.speclab.jobs.QualityReport;
import org.speclab.jobs.QuantType;
import org.speclab.jobs.QuantizeJob;
import org.speclab.jobs.TensorPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code speclab quantize IN.gguf -o OUT.gguf --type …}. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize a model to a smaller GGUF (gpt-fast's quantize.py step).",
                "Types: see --type; the _m types are llama.cpp's mixes (more bits where they matter most).",
                "gpt-fast's names map onto these: int8 = q8_0; int4.g32 (4-bit, groups of 32 with scale",
                "and offset) = q4_1; q4_k is the 4-bit K-quant (256-element super-blocks) llama.cpp prefers.",
                "Norms stay f32; the classifier gets q6_k (q8_0 when asked for), as llama.cpp does. Rows whose length",
                "is not a multiple of the block size fall back to a type that fits, and the command says which.",
                "Afterwards a quality report (top-1 agreement, KL divergence against the input) is printed and",
                "saved as OUT.gguf.quality.json."})
final class QuantizeCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Parameters(index = "0", description = "input model (GGUF, or anything convert reads that carries a vocabulary)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, description = "output GGUF file")
    Path output;

    @Option(names = "--type", required = true, completionCandidates = TypeChoices.Quant.class, converter = TypeChoices.QuantConverter.class,
            description = "${COMPLETION-CANDIDATES} (int8 = q8_0 and int4.g32 = q4_1, gpt-fast's names)")
    QuantType type;

    @Option(names = "--no-report", description = "skip the quality report")
    boolean noReport;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        QuantizeJob.Result r = JobProgress.run(new QuantizeJob(input, output, type, force, !noReport), cli.err);
        for (TensorPlan p : r.fallbacks()) {
            cli.err.printf("fallback: %s → %s (%s)%n", p.name(), p.type(), p.fallbackReason());
        }
        cli.err.printf("Wrote %s: %s, %.2f MB%n", r.output(), type, r.bytes() / 1e6);
        QualityReport q = r.quality();
        if (q != null) cli.err.println(q.summary() + " → " + QualityReport.pathFor(r.output()).getFileName());
        return 0;
    }
}
