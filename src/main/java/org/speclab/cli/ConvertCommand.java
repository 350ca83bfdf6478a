package org.speclab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.ConvertJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code speclab convert SRC -o OUT.gguf [--type f32|f16|bf16]}. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a model to GGUF (gpt-fast's convert_hf_checkpoint.py step).",
                "SRC: a Hugging Face folder (config.json + safetensors + tokenizer), a llama2.c checkpoint (.bin, with --tokenizer), or a GGUF file."})
final class ConvertCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Parameters(index = "0", description = "source model")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, description = "output GGUF file")
    Path output;

    @Option(names = "--type", defaultValue = "f16", completionCandidates = TypeChoices.Convert.class, converter = TypeChoices.ConvertConverter.class,
            description = "${COMPLETION-CANDIDATES} for 2-D weights; norms stay f32 (default: ${DEFAULT-VALUE})")
    GgmlType type;

    @picocli.CommandLine.Mixin
    EngineOptions.TokenizerFile tokenizer;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        ConvertJob.Result r = JobProgress.run(new ConvertJob(source, tokenizer.path(), output, type, force), cli.err);
        cli.err.printf("Wrote %s: %d tensors, %.2f MB%n", r.output(), r.tensors(), r.bytes() / 1e6);
        return 0;
    }
}
