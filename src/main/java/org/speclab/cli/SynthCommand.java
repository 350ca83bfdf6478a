package org.speclab.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.SynthJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code speclab synth --preset 200m -o FILE.gguf [--type f16|q8_0|…]}. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a random-weight Llama of a real shape, to measure hardware without downloading a model.",
                "Presets: 200m (dim 1024, 12 layers, 16/4 heads, ffn 2816), llama2-7b, llama2-13b, llama2-70b, codellama-34b."})
final class SynthCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Option(names = "--preset", description = "a named shape")
    String preset;

    @Option(names = "--dim") Integer dim;
    @Option(names = "--layers") Integer layers;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--kv-heads") Integer kvHeads;
    @Option(names = "--ffn") Integer ffn;
    @Option(names = "--vocab-size") Integer vocabSize;

    @Option(names = "--vocab", description = "take the vocabulary from this tokenizer or model file (tokenizer.model, tokenizer.json, GGUF, …)")
    Path vocab;

    @Option(names = {"-o", "--output"}, required = true)
    Path output;

    @Option(names = "--type", defaultValue = "f16", description = "f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        SynthJob.Shape base = preset != null ? SynthJob.Shape.preset(preset) : SynthJob.Shape.preset("200m");
        if (preset == null && dim == null) throw new IllegalArgumentException("give --preset NAME or --dim/--layers/--heads/… (presets: " + String.join(", ", SynthJob.Shape.PRESETS.keySet()) + ")");
        SynthJob.Shape s = new SynthJob.Shape(preset != null ? preset : "custom", dim != null ? dim : base.dim(), layers != null ? layers : base.layers(),
                heads != null ? heads : base.heads(), kvHeads != null ? kvHeads : base.kvHeads(), ffn != null ? ffn : base.hidden(),
                vocabSize != null ? vocabSize : base.vocab(), base.context());
        GgmlType t;
        try {
            t = GgmlType.valueOf(type.toUpperCase(Locale.ROOT));
            org.speclab.quant.BlockCodec.of(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--type must be one of f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k, found '" + type + "'");
        }
        JobProgress.run(new SynthJob(s, t, vocab, output, seed, force), cli.err);
        cli.err.printf("Wrote %s: %s, %.1f M parameters, %s%n", output, s.name(), s.parameters() / 1e6, t);
        return 0;
    }
}
