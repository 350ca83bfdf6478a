package org.speclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.speclab.decode.Drafter;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.Sampler;
import org.speclab.decode.SpeculationStats;
import org.speclab.decode.TokenKind;
import org.speclab.engine.Backend;
import org.speclab.lab.DrafterChoice;
import org.speclab.lab.Explanation;
import org.speclab.lab.LoadedModel;
import org.speclab.lab.MemoryCheck;
import org.speclab.lab.Protocol;
import org.speclab.lab.Spread;
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

    @Option(names = "--draft-layers", description = "speculate with the target's own first L layers (self-speculation; 0: half its layers)")
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

    @picocli.CommandLine.Mixin
    EngineOptions.Cache cache;

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
        try (LoadedModel m = LoadedModel.open(model, tokenizer, nThreads, backend, cache.type)) {
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
            LoadedModel draftModel = draft != null ? LoadedModel.open(draft, tokenizer, nThreads, backend, cache.type) : null;
            try {
                if (draftModel != null) LoadedModel.requireSameVocabulary(m, draftModel);
                DrafterChoice choice = draft != null ? new DrafterChoice.DraftFile(draft) : draftNgram != null ? new DrafterChoice.NGram(draftNgram)
                        : draftLayers != null ? new DrafterChoice.EarlyExitLayers(draftLayers) : null;
                Drafter drafter = choice == null ? null : choice.build(m.transformer(), draftModel == null ? null : draftModel.transformer(), need);
                // only once everything is accepted (options, files, prompts, context, drafter): no "Seed:" line before a refusal
                if (seed == null && temperature > 0) err.println("Seed: " + baseSeed);
                var who = new Protocol.Subject(org.speclab.model.ModelFile.stem(model), m.file().dominantType().name(), choice == null ? null : choice.labelFor(m.transformer()),
                        draftModel != null ? draftModel.file().dominantType().name() : null, m.transformer().device(),
                        MemoryCheck.runBytes(m.transformer(), draftModel == null ? null : draftModel.transformer(), need + 1),
                        m.transformer().weightBytes());
                java.util.List<String[]> rows = new java.util.ArrayList<>();
                for (int i = 0; i < prompts.size(); i++) {
                    if (prompts.size() > 1) err.printf("---------- prompt %d of %d: %s%n", i + 1, prompts.size(), PromptFile.label(prompts.get(i)));
                    rows.add(run(m, who, drafter, k, adaptive, prompts.get(i), tokenized.get(i), baseSeed, out, err));
                }
                if (prompts.size() > 1) PromptFile.printTable(err, rows, drafter != null);
            } finally {
                if (draftModel != null) draftModel.close();
            }
        }
        return 0;
    }

    /**
     * One prompt's runs, measured by the lab's {@link Protocol}: an uncounted warm-up (with more than
     * one sample or a baseline), then the samples, each speculative one beside a run of the target
     * alone (at least three pairs, so the speedup has a median and a range; the text and JSON of only
     * the first {@code --num-samples} are printed, the timing lines of every run). Returns its row of the per-prompt table (prompt, tokens/s,
     * mean accepted, acceptance, speedup).
     */
    private String[] run(LoadedModel m, Protocol.Subject who, Drafter drafter, int k, boolean adaptive, String prompt, int[] promptTokens,
                         long baseSeed, PrintStream out, PrintStream err) throws Exception {
        boolean baseline = drafter != null && !noBaseline;
        int repeats = baseline ? Math.max(samples, MIN_PAIRS) : samples;
        var setup = new Protocol.Setup(promptTokens, maxNew, temperature, topK, topP, baseSeed, repeats, baseline, samples > 1 || baseline);
        ObjectMapper om = new ObjectMapper();
        double[] sums = new double[3]; // tokens/s, mean accepted, acceptance rate over the measured runs
        StringBuilder text = new StringBuilder();
        Protocol.Outcome o = Protocol.run(m.transformer(), m.tokenizer(), drafter, k, adaptive, setup, new Protocol.Observer() {
            @Override
            public GenerationListener listener(int sample) {
                text.setLength(0);
                if (sample >= samples) return GenerationListener.NONE;
                return new GenerationListener() {
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
            }

            @Override
            public void sampleDone(int sample, Protocol.Sample s) {
                // every measured run gets its lines (a baseline adds runs whose text is not printed again)
                GenerationStats st = s.stats();
                SpeculationStats ss = s.speculation();
                if (!json && sample < samples) out.println();
                double tps = st.tokensPerSecond();
                sums[0] += tps;
                err.printf("Time for inference %d: %.02f sec total, %.02f tokens/sec%n", sample + 1, st.totalSeconds(), tps);
                err.printf("Bandwidth achieved: %.02f GB/s%n", m.transformer().weightBytes() * tps / 1e9);
                err.printf("Time to first token: %.3f sec%n", st.timeToFirstToken());
                if (ss != null) {
                    err.printf("Bytes read: %.02f GB/s (target verify passes and draft passes, as run; the line above is gpt-fast's target weights × tokens/sec)%n", st.bytesReadGBs());
                    sums[1] += ss.meanAccepted();
                    sums[2] += ss.acceptanceRate();
                    err.println("Acceptance probs: " + Arrays.toString(Arrays.stream(ss.acceptanceProbs()).map(p -> Math.round(p * 1e4) / 1e4).toArray()));
                    err.printf("Mean Accepted: %.2f%n", ss.meanAccepted());
                }
                if (json && sample < samples) {
                    try {
                        out.println(om.writeValueAsString(Protocol.record(who, setup, s, sample, k, prompt, text.toString())));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
                out.flush();
            }
        });
        Spread speedup = o.speedup();
        Explanation why = Explanation.of(o, baseline);
        if (why != null) explain(err, why);
        err.println("==========");
        int measured = Math.max(1, o.samples().size());
        err.printf("Average tokens/sec: %.2f%n", sums[0] / measured);
        err.printf("Memory used: %.02f GB%n", MemoryReading.peakResidentBytes() / 1e9);
        if (m.transformer().gauges() != null) {
            long[] mem = m.transformer().gauges().memoryInfo();
            err.printf("Device memory used: %.02f GB of %.02f GB on %s%n", (mem[1] - mem[0]) / 1e9, mem[1] / 1e9, m.transformer().device());
        }
        return new String[] {PromptFile.label(prompt), String.format("%.2f", sums[0] / measured),
                drafter == null ? "" : String.format("%.2f", sums[1] / measured), drafter == null ? "" : String.format("%.1f%%", 100 * sums[2] / measured),
                drafter == null || !speedup.present() ? "" : String.format("%.2fx", speedup.median())};
    }

    /** Speculative runs measured beside the target alone, at least: a speedup needs a median and a range to be trusted. */
    static final int MIN_PAIRS = 3;

    /** The lines that answer the seed's question: why speculation helped, or why it did not. */
    private static void explain(PrintStream err, Explanation e) {
        err.printf("Speculation: %s, k %s, accepted %d/%d drafted (%.1f%%), α %.3f, c %.3f, verify pass %.2f× a decode pass"
                        + " → predicted speedup %.2fx", e.drafter(), e.adaptiveK() ? "auto (≤ " + e.k() + ")" : Integer.toString(e.k()),
                e.accepted(), e.drafted(), 100 * e.acceptanceRate(), e.alpha(), e.costRatio(), e.verifyCost(), e.predicted());
        Spread speedup = e.speedup();
        if (speedup.present()) {
            err.printf(", measured %.2fx", speedup.median());
            if (speedup.n() > 1) err.printf(" (%.2f–%.2fx over %d runs, each beside the target alone)", speedup.min(), speedup.max(), speedup.n());
            err.printf(" (target alone %.2f tokens/sec)", e.baseline().median());
        }
        err.println();
        if (!Double.isNaN(e.tooShortSeconds())) {
            err.printf("No measured speedup: a run takes %.2f sec, too short to time (under %.1f sec); generate more tokens (-n)%n",
                    e.tooShortSeconds(), Protocol.minTimedSeconds());
        }
        if (e.loss()) {
            err.printf("Speculation is a loss here: each step costs %.2f decode passes (k·c + verify) but yields only %.2f tokens on average.%n",
                    e.stepCost(), e.stepYield());
        }
    }
}
