package org.speclab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.SynthJob;
import org.speclab.jobs.WidenJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code speclab synth --preset 200m -o FILE.gguf [--type f16|q8_0|…]}, or {@code synth --widen MODEL --factor R [--ffn-factor F]}. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a random-weight Llama of a real shape, or a widened copy of a trained model.",
                "The random one measures hardware without downloading a model; --widen writes a wider copy of a trained model "
                        + "that computes the same function (a memory-bound stand-in that keeps its drafts' agreement).",
                "Presets: 200m (dim 1024, 12 layers, 16/4 heads, ffn 2816), llama2-7b, llama2-13b, llama2-70b, codellama-34b."})
final class SynthCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Option(names = "--preset", description = "a named shape")
    String preset;

    @Option(names = "--dim", description = "residual width (the sizes not given are the preset's, else 200m's)") Integer dim;
    @Option(names = "--layers", description = "transformer layers") Integer layers;
    @Option(names = "--heads", description = "attention heads (a divisor of --dim)") Integer heads;
    @Option(names = "--kv-heads", description = "key/value heads (a divisor of --heads)") Integer kvHeads;
    @Option(names = "--ffn", description = "feed-forward width") Integer ffn;
    @Option(names = "--vocab-size", description = "embedding rows (default: the --vocab file's tokens, else the preset's)") Integer vocabSize;

    @Option(names = "--vocab", description = "take the vocabulary from this tokenizer or model file (tokenizer.model, tokenizer.json, GGUF, …)")
    Path vocab;

    @Option(names = "--widen", paramLabel = "MODEL", description = "widen this Llama (GGUF, or a llama2.c checkpoint with --tokenizer) instead of drawing random weights")
    Path widen;

    @Option(names = "--factor", paramLabel = "R", defaultValue = "1", description = "--widen: repeat the residual width and the heads R times")
    int factor;

    @Option(names = "--ffn-factor", paramLabel = "F", description = "--widen: repeat the feed-forward units F times (default: R)")
    Integer ffnFactor;

    @picocli.CommandLine.Mixin
    EngineOptions.TokenizerFile tokenizer; // --widen: the vocabulary of a llama2.c checkpoint

    @Option(names = {"-o", "--output"}, required = true, description = "the GGUF file to write")
    Path output;

    @Option(names = "--type", defaultValue = "f16", completionCandidates = TypeChoices.Synth.class, converter = TypeChoices.SynthConverter.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    GgmlType type;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        GgmlType t = type;
        if (widen != null) {
            int f = ffnFactor != null ? ffnFactor : factor;
            JobProgress.run(new WidenJob(widen, tokenizer.path(), factor, f, t, output, force), cli.err);
            try (org.speclab.model.ModelFile m = org.speclab.format.ModelFiles.open(output, null)) {
                var c = org.speclab.model.ModelConfig.from(m);
                cli.err.printf("Wrote %s: %s widened %d× (feed-forward %d×): dim %d, %d/%d heads, ffn %d, %d layers, %.1f M parameters, %s%n",
                        output, widen.getFileName(), factor, f, c.dim(), c.heads(), c.kvHeads(), c.hiddenDim(), c.layers(), m.parameterCount() / 1e6, t);
            }
            return 0;
        }
        SynthJob.Shape base = preset != null ? SynthJob.Shape.preset(preset) : SynthJob.Shape.preset("200m");
        if (preset == null && dim == null) throw new IllegalArgumentException("give --preset NAME or --dim/--layers/--heads/… (presets: " + String.join(", ", SynthJob.Shape.PRESETS.keySet()) + ")");
        SynthJob.Shape s = new SynthJob.Shape(preset != null ? preset : "custom", dim != null ? dim : base.dim(), layers != null ? layers : base.layers(),
                heads != null ? heads : base.heads(), kvHeads != null ? kvHeads : base.kvHeads(), ffn != null ? ffn : base.hidden(),
                vocabSize != null ? vocabSize : vocab != null ? SynthJob.vocabularySize(vocab) : base.vocab(), base.context());
        JobProgress.run(new SynthJob(s, t, vocab, output, seed, force), cli.err);
        cli.err.printf("Wrote %s: %s, %.1f M parameters, %s%n", output, s.name(), s.parameters() / 1e6, t);
        return 0;
    }
}
