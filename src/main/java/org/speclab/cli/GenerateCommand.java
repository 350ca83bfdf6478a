package org.speclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.speclab.Version;
import org.speclab.decode.DraftModel;
import org.speclab.decode.Drafter;
import org.speclab.decode.EarlyExit;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.Generator;
import org.speclab.decode.NGramLookup;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculationStats;
import org.speclab.decode.SpeculativeDecoder;
import org.speclab.decode.TokenKind;
import org.speclab.engine.Backend;
import org.speclab.lab.Experiment;
import org.speclab.lab.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code speclab generate}: stdout gets the prompt and the generated text exactly as llama2.c prints
 * them; stderr gets gpt-fast-style measurement lines (and, when speculating, what explains them).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text, optionally with speculative decoding, and report tokens/s, bandwidth and memory like gpt-fast.")
final class GenerateCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @picocli.CommandLine.Mixin
    EngineOptions.Model target;

    @picocli.CommandLine.Mixin
    EngineOptions.TokenizerFile vocabulary;

    @Option(names = {"-d", "--draft"}, description = "speculate with this draft model (same vocabulary)")
    Path draft;

    @Option(names = "--draft-ngram", description = "speculate draft-free: look up the last N tokens in prompt + output")
    Integer draftNgram;

    @Option(names = "--draft-layers", description = "speculate with the target's own first L layers (self-speculation)")
    Integer draftLayers;

    @Option(names = {"-k", "--speculate-k"}, defaultValue = "5", converter = SpeculateK.Converter.class,
            description = "draft tokens per step, 1..16, or 'auto' to choose k from measured α and c (default: ${DEFAULT-VALUE})")
    SpeculateK speculateK;

    @Option(names = {"-p", "--prompt"}, defaultValue = "", description = "prompt text; empty starts from BOS (default: empty)")
    String prompt;

    @Option(names = "--chat", description = {"wrap the prompt in the model's chat template (tokenizer.chat_template) as a user turn,",
            "the assistant's turn opened, as instruct models expect (transformers' apply_chat_template)"})
    boolean chat;

    @Option(names = "--system", description = "with --chat: a system turn before the prompt")
    String system;

    @Option(names = "--prompts", description = {"a file of prompts, one per line (# comments and blank lines skipped, \\n a newline):",
            "each is run as -p would run it, then a table compares acceptance and speedup per prompt (e.g. assets/prompts/speculation.txt)"})
    Path promptsFile;

    @Option(names = {"-n", "--max-new-tokens"}, defaultValue = "200", description = {
            "new tokens to generate after the prompt, fewer if an end-of-text token comes first (default: ${DEFAULT-VALUE});",
            "as gpt-fast's max_new_tokens and llama.cpp's -n (llama2.c's run -n S from BOS = speclab -n S)"})
    int maxNew;

    @Option(names = {"-t", "--temperature"}, defaultValue = "" + Sampler.DEFAULT_TEMPERATURE, description = "0 is greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "" + Sampler.DEFAULT_TOP_K, description = "sample among the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling threshold; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--seed", description = "random seed (default: from the clock, printed on stderr)")
    Long seed;

    @Option(names = {"-c", "--context"}, description = "context length (default: what prompt and new tokens need)")
    Integer context;

    @Option(names = "--num-samples", defaultValue = "1", description = "generations to measure; with more than one, an uncounted warm-up run comes first (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--no-baseline", description = "when speculating, skip the autoregressive run that measures the speedup")
    boolean noBaseline;

    @picocli.CommandLine.Mixin
    EngineOptions.Device device;

    @picocli.CommandLine.Mixin
    EngineOptions.Threads threads;

    @Option(names = "--json", description = "print one JSON experiment record per sample on stdout instead of the text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = cli.out, err = cli.err;
        Path model = target.path(), tokenizer = vocabulary.path();
        if (maxNew < 1) throw new IllegalArgumentException("-n must be ≥ 1 (new tokens to generate), found " + maxNew);
        if (samples < 1) throw new IllegalArgumentException("--num-samples must be ≥ 1, found " + samples);
        if (system != null && !chat) throw new IllegalArgumentException("--system needs --chat");
        int drafters = (draft != null ? 1 : 0) + (draftNgram != null ? 1 : 0) + (draftLayers != null ? 1 : 0);
        if (drafters > 1) throw new IllegalArgumentException("choose one drafter: -d, --draft-ngram or --draft-layers");
        new Sampler(temperature, topK, topP, 0); // -t, --top-k, --top-p checked by the sampler itself, before anything loads
        boolean adaptive = speculateK.auto();
        int k = speculateK.k();
        // CUDA missing: say why in one line and run on the CPU (bench, which measures a device, refuses instead)
        Backend backend = device.backend(true, err::println);
        int nThreads = threads.count();
        long baseSeed = seed != null ? seed : System.nanoTime();

        if (promptsFile != null && !prompt.isEmpty()) throw new IllegalArgumentException("give -p or --prompts, not both");
        if (draft != null) EngineOptions.existing(draft);
        java.util.List<String> prompts = promptsFile != null ? PromptFile.read(promptsFile) : java.util.List.of(prompt);
        try (LoadedModel m = LoadedModel.open(model, tokenizer, nThreads, backend)) {
            java.util.List<int[]> tokenized = new java.util.ArrayList<>();
            int longestPrompt = 0;
            for (String p : prompts) {
                int[] t = m.prompt(p, chat, system);
                tokenized.add(t);
                longestPrompt = Math.max(longestPrompt, t.length);
            }
            // the last new token is printed, never fed back: prompt + N - 1 positions are computed
            int need = longestPrompt + maxNew - 1;
            int ctx = context != null ? context : need;
            if (ctx < need) {
                throw new IllegalArgumentException("context " + ctx + " is too small for " + longestPrompt
                        + " prompt tokens + " + maxNew + " new tokens (needs " + need + ")");
            }
            int declared = m.transformer().config().contextLength();
            if (ctx > declared) {
                err.printf("speclab: warning: %d positions exceed the model's declared context length %d; going on (as llama.cpp does)%n", ctx, declared);
            }
            LoadedModel draftModel = draft != null ? LoadedModel.open(draft, tokenizer, nThreads, backend) : null;
            try {
                if (draftModel != null) Vocabularies.requireSame(model, m.tokenizer(), draft, draftModel.tokenizer());
                Drafter drafter = draftModel != null ? new DraftModel(draftModel.transformer(), draft.getFileName().toString(), need)
                        : draftNgram != null ? new NGramLookup(draftNgram)
                        : draftLayers != null ? new EarlyExit(m.transformer(), draftLayers, need) : null;
                // only once everything is accepted (options, files, prompts, context, drafter): no "Seed:" line before a refusal
                if (seed == null && temperature > 0) err.println("Seed: " + baseSeed);
                java.util.List<String[]> rows = new java.util.ArrayList<>();
                for (int i = 0; i < prompts.size(); i++) {
                    if (prompts.size() > 1) err.printf("---------- prompt %d of %d: %s%n", i + 1, prompts.size(), PromptFile.label(prompts.get(i)));
                    rows.add(run(m, draftModel, drafter, k, adaptive, prompts.get(i), tokenized.get(i), baseSeed, out, err));
                }
                if (prompts.size() > 1) PromptFile.printTable(err, rows, drafter != null);
            } finally {
                if (draftModel != null) draftModel.close();
            }
        }
        return 0;
    }

    /** One prompt's runs; returns its row of the per-prompt table (prompt, tokens/s, mean accepted, acceptance, speedup). */
    private String[] run(LoadedModel m, LoadedModel draftModel, Drafter drafter, int k, boolean adaptive, String prompt, int[] promptTokens,
                         long baseSeed, PrintStream out, PrintStream err) throws Exception {
        Generator plain = new Generator(m.transformer(), m.tokenizer());
        SpeculativeDecoder spec = drafter == null ? null : new SpeculativeDecoder(m.transformer(), m.tokenizer(), drafter, k, adaptive);
        // warm-up, not counted (JIT compilation would otherwise be billed to the first run), as gpt-fast does
        boolean baseline = spec != null && !noBaseline;
        if (samples > 1 || baseline) runOnce(plain, spec, promptTokens, baseSeed, GenerationListener.NONE);
        double baselineTps = Double.NaN, decodeSeconds = Double.NaN;
        if (baseline) {
            runOnce(plain, null, promptTokens, baseSeed, GenerationListener.NONE); // the baseline is warmed up too
            double best = 0;
            for (int i = 0; i < 3; i++) { // short runs are noisy: the best of three
                GenerationStats b = runOnce(plain, null, promptTokens, baseSeed, GenerationListener.NONE).stats();
                if (b.tokensPerSecond() > best) {
                    best = b.tokensPerSecond();
                    decodeSeconds = b.forwardPasses() > 0 ? b.decodeNanos() / 1e9 / b.forwardPasses() : Double.NaN;
                }
            }
            baselineTps = best;
        }
        double sumTps = 0, sumAccepted = 0, sumRate = 0, sumSpeedup = 0;
        ObjectMapper om = new ObjectMapper();
        for (int s = 0; s < samples; s++) {
            StringBuilder text = new StringBuilder();
            GenerationListener listener = new GenerationListener() {
                private long lastFlush = System.nanoTime();

                @Override
                public void token(int id, String piece, TokenKind kind) {
                    text.append(piece);
                    if (!json) {
                        out.print(piece);
                        // stream as it comes, but a write per token would cost more than a tiny model's token
                        long now = System.nanoTime();
                        if (now - lastFlush > 20_000_000L) {
                            out.flush();
                            lastFlush = now;
                        }
                    }
                }
            };
            SpeculativeDecoder.Result r = runOnce(plain, spec, promptTokens, baseSeed + s, listener);
            GenerationStats st = r.stats();
            SpeculationStats ss = r.speculation();
            if (ss != null && !Double.isNaN(decodeSeconds)) ss = ss.withDecodeSeconds(decodeSeconds);
            if (!json) out.println();
            double tps = st.tokensPerSecond();
            sumTps += tps;
            double gb = m.transformer().weightBytes() * tps / 1e9;
            err.printf("Time for inference %d: %.02f sec total, %.02f tokens/sec%n", s + 1, st.totalSeconds(), tps);
            err.printf("Bandwidth achieved: %.02f GB/s%n", gb);
            err.printf("Time to first token: %.3f sec%n", st.timeToFirstToken());
            if (ss != null) err.printf("Bytes read: %.02f GB/s (target verify passes and draft passes, as run; the line above is gpt-fast's target weights × tokens/sec)%n", st.bytesReadGBs());
            if (ss != null) {
                sumAccepted += ss.meanAccepted();
                sumRate += ss.acceptanceRate();
                sumSpeedup += tps / baselineTps;
                err.println("Acceptance probs: " + Arrays.toString(Arrays.stream(ss.acceptanceProbs()).map(p -> Math.round(p * 1e4) / 1e4).toArray()));
                err.printf("Mean Accepted: %.2f%n", ss.meanAccepted());
                explain(err, ss, tps, baselineTps);
            }
            if (json) {
                Experiment e = new Experiment(draftModel != null ? draftModel.file().name() : ss != null ? ss.drafter() : null,
                        draftModel != null ? draftModel.file().dominantType().name() : null, ss != null ? ss.k() : null,
                        m.file().name(), m.file().dominantType().name(), m.transformer().device(), 1, prompt, tps,
                        MemoryReading.peakResidentBytes() / 1e9, gb, ss != null ? ss.meanAccepted() : null, maxNew, samples, temperature,
                        Version.get(), ss != null ? ss.alpha() : null, ss != null ? ss.costRatio() : null,
                        ss != null ? ss.predictedSpeedup() : null, ss != null && !Double.isNaN(baselineTps) ? tps / baselineTps : null,
                        ss != null ? ss.acceptedCounts() : null, s + 1, baseSeed + s, topK, topP, st.newTokens(), st.stopReason(), text.toString());
                out.println(om.writeValueAsString(e));
            }
            out.flush();
        }
        err.println("==========");
        err.printf("Average tokens/sec: %.2f%n", sumTps / samples);
        err.printf("Memory used: %.02f GB%n", MemoryReading.peakResidentBytes() / 1e9);
        if (m.transformer().gauges() != null) {
            long[] mem = m.transformer().gauges().memoryInfo();
            err.printf("Device memory used: %.02f GB of %.02f GB on %s%n", (mem[1] - mem[0]) / 1e9, mem[1] / 1e9, m.transformer().device());
        }
        return new String[] {PromptFile.label(prompt), String.format("%.2f", sumTps / samples),
                spec == null ? "" : String.format("%.2f", sumAccepted / samples), spec == null ? "" : String.format("%.1f%%", 100 * sumRate / samples),
                spec == null || Double.isNaN(baselineTps) ? "" : String.format("%.2fx", sumSpeedup / samples)};
    }

    private SpeculativeDecoder.Result runOnce(Generator plain, SpeculativeDecoder spec, int[] prompt, long seedUsed, GenerationListener l) {
        Sampler sampler = new Sampler(temperature, topK, topP, seedUsed);
        // the decoders count positions after the prompt; the prediction at the last one is printed too
        int positions = maxNew - 1;
        if (spec != null) return spec.generate(prompt, positions, sampler, l);
        return new SpeculativeDecoder.Result(plain.generate(prompt, positions, sampler, l), null);
    }

    /** The line that answers the seed's question: why speculation helped, or why it did not. */
    private static void explain(PrintStream err, SpeculationStats ss, double tps, double baselineTps) {
        double predicted = ss.predictedSpeedup();
        err.printf("Speculation: %s, k %s, accepted %d/%d drafted (%.1f%%), α %.3f, c %.3f, verify pass %.2f× a decode pass"
                        + " → predicted speedup %.2fx", ss.drafter(), ss.adaptiveK() ? "auto (≤ " + ss.k() + ")" : Integer.toString(ss.k()),
                ss.accepted(), ss.drafted(), 100 * ss.acceptanceRate(), ss.alpha(), ss.costRatio(), ss.verifyCost(ss.k()), predicted);
        if (!Double.isNaN(baselineTps)) err.printf(", measured %.2fx (target alone %.2f tokens/sec)", tps / baselineTps, baselineTps);
        err.println();
        if (predicted < 1) {
            err.printf("Speculation is a loss here: each step costs %.2f decode passes (k·c + verify) but yields only %.2f tokens on average.%n",
                    ss.k() * ss.costRatio() + ss.verifyCost(ss.k()), org.speclab.decode.SpeedupModel.expectedTokensPerStep(Math.min(ss.alpha(), 0.999999), ss.k()));
        }
    }
}
