package org.speclab.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.ConvertJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code speclab convert SRC -o OUT.gguf [--type f32|f16|bf16]}. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a model to GGUF (the seed's convert_hf_checkpoint step).",
                "SRC: a Hugging Face folder (config.json + safetensors + tokenizer), a llama2.c checkpoint (.bin, with --tokenizer), or a GGUF file."})
final class ConvertCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Parameters(index = "0", description = "source model")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, description = "output GGUF file")
    Path output;

    @Option(names = "--type", defaultValue = "f16", description = "f32, f16 or bf16 for 2-D weights; norms stay f32 (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--tokenizer", description = "vocabulary for checkpoints that carry none (tokenizer.model, tokenizer.json, llama2.c tokenizer .bin)")
    Path tokenizer;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        GgmlType t = switch (type.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            default -> throw new IllegalArgumentException("--type must be f32, f16 or bf16, found '" + type + "'");
        };
        ConvertJob.Result r = JobProgress.run(new ConvertJob(source, tokenizer, output, t, force), cli.err);
        cli.err.printf("Wrote %s: %d tensors, %.2f MB%n", r.output(), r.tensors(), r.bytes() / 1e6);
        return 0;
    }
}
