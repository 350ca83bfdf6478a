package org.speclab.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.jobs.Job;
import org.speclab.jobs.JobContext;
import org.speclab.jobs.JobFailedException;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;

/**
 * A grid of runs: every target (e.g. the same model in several weight types) × drafter × k ×
 * temperature × prompt, each beside the autoregressive baseline of the same target, temperature and
 * prompt, as experiment records: the seed's fifteen hand-run experiments in one job. Each cell runs
 * once untimed (warm-up), then {@code samples} times; its row holds the mean, as gpt-fast's
 * "Average tokens/sec" does. A cell whose models would not fit in the memory this machine has free
 * is not loaded: its row says "oom", as the seed's row 13 did, instead of a crash.
 */
public record Sweep(List<Path> targets, List<DrafterSpec> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                    List<String> prompts, int samples, int threads, long seed) implements Job<List<Experiment>> {

    /** One prompt, one sample. */
    public Sweep(List<Path> targets, List<DrafterSpec> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                 String prompt, int threads, long seed) {
        this(targets, drafters, ks, temperatures, newTokens, List.of(prompt), 1, threads, seed);
    }

    /** gpt-fast's speculate_k values in the seed's experiments. */
    public static final List<Integer> SEED_KS = List.of(1, 4, 5, 6, 8);

    /** A drafter to try: kind "draft" (a model file), "ngram" (n) or "layers" (L; 0: half the target's layers, rounded up). */
    public record DrafterSpec(String kind, int n, Path draft) {
        String describe() {
            return switch (kind) {
                case "draft" -> "draft " + draft.getFileName();
                case "ngram" -> "n-gram " + n;
                default -> n > 0 ? "early exit after " + n + " layers" : "early exit after half the layers";
            };
        }

        /** The early-exit layer count for a target of {@code layers} layers (at least one, fewer than all). */
        int layersOf(int layers) {
            int l = n > 0 ? n : (layers + 1) / 2;
            return Math.max(1, Math.min(l, layers - 1));
        }
    }

    @Override
    public String title() {
        return org.speclab.jobs.JobTexts.t("title.sweep", targets.size(), drafters.size(), ks, temperatures);
    }

    /** What a stop reason says of a cell that did not fit: no tokens/s, no speedup. */
    public static final String OUT_OF_MEMORY = "oom";

    @Override
    public List<Experiment> run(JobContext ctx) {
        if (targets.isEmpty() || drafters.isEmpty() || ks.isEmpty() || temperatures.isEmpty() || prompts.isEmpty()) {
            throw new JobFailedException("the sweep has nothing to run");
        }
        if (samples < 1) throw new JobFailedException("the sweep needs at least one sample per cell, found " + samples);
        int perTarget = temperatures.size() * prompts.size() * (1 + drafters.size() * ks.size());
        int total = targets.size() * perTarget, done = 0;
        List<Experiment> out = new ArrayList<>();
        for (Path target : targets) {
            long targetBytes = MemoryCheck.bytesToRun(target, null, newTokens + 512);
            if (!MemoryCheck.fits(targetBytes)) {
                // the seed's row 13: recorded, never a crash
                for (float temperature : temperatures) {
                    for (String prompt : prompts) {
                        out.add(oom(target, null, null, null, temperature, prompt, targetBytes));
                        for (DrafterSpec d : drafters) for (int k : ks) out.add(oom(target, d, draftName(d), k, temperature, prompt, targetBytes));
                    }
                }
                done += perTarget;
                continue;
            }
            try (LoadedModel m = LoadedModel.open(target, null, threads)) {
                ModelFile f = m.file();
                Transformer t = m.transformer();
                Tokenizer tok = m.tokenizer();
                for (String prompt : prompts) {
                    int[] ids = m.prompt(prompt, false, null);
                    int positions = newTokens - 1;
                    for (float temperature : temperatures) {
                        ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.baseline", target.getFileName(), temperature));
                        Generator plain = new Generator(t, tok);
                        plain.generate(ids, positions, sampler(temperature), GenerationListener.NONE); // warm-up
                        List<GenerationStats> base = new ArrayList<>();
                        for (int i = 0; i < samples; i++) base.add(plain.generate(ids, positions, sampler(temperature), GenerationListener.NONE));
                        double baseTps = meanTps(base);
                        GenerationStats last = base.getLast();
                        double decodeSeconds = last.forwardPasses() > 0 ? last.decodeNanos() / 1e9 / last.forwardPasses() : Double.NaN;
                        out.add(record(target, f, t, null, null, null, null, last, baseTps, null, temperature, prompt, Double.NaN, targetBytes));
                        done++;
                        boolean firstDrafter = true;
                        for (DrafterSpec d : drafters) {
                            // the machine's speed drifts over minutes: measure the target alone again before each
                            // drafter's cells, so each speedup is against a baseline taken beside it
                            if (!firstDrafter) {
                                List<GenerationStats> again = new ArrayList<>();
                                for (int i = 0; i < samples; i++) again.add(plain.generate(ids, positions, sampler(temperature), GenerationListener.NONE));
                                baseTps = meanTps(again);
                                GenerationStats g = again.getLast();
                                if (g.forwardPasses() > 0) decodeSeconds = g.decodeNanos() / 1e9 / g.forwardPasses();
                            }
                            firstDrafter = false;
                            long need = d.kind().equals("draft") ? targetBytes + MemoryCheck.bytesToRun(d.draft(), null, newTokens + 512) : targetBytes;
                            for (int k : ks) {
                                ctx.checkCancelled();
                                ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.sweepRun", target.getFileName(), d.describe(), k, temperature));
                                if (!MemoryCheck.fits(need)) {
                                    out.add(oom(target, d, draftName(d), k, temperature, prompt, need));
                                    done++;
                                    continue;
                                }
                                try (ModelFile df = d.kind().equals("draft") ? ModelFiles.open(d.draft(), null) : null;
                                     Transformer dt = df != null ? new CpuBackend().load(df, 1) : null) {
                                    List<GenerationStats> runs = new ArrayList<>();
                                    SpeculativeDecoder.Result r = null;
                                    Drafter drafter = null;
                                    for (int i = 0; i <= samples; i++) { // the first run warms the code up and is not counted
                                        Drafter dr = switch (d.kind()) {
                                            case "draft" -> new DraftModel(dt, stem(d.draft()), ids.length + newTokens);
                                            case "ngram" -> new NGramLookup(d.n());
                                            default -> new EarlyExit(t, d.layersOf(t.config().layers()), ids.length + newTokens);
                                        };
                                        r = new SpeculativeDecoder(t, tok, dr, k, false).generate(ids, positions, sampler(temperature), GenerationListener.NONE);
                                        drafter = dr;
                                        if (i > 0) runs.add(r.stats());
                                    }
                                    double tps = meanTps(runs);
                                    SpeculationStats ss = Double.isNaN(decodeSeconds) ? r.speculation() : r.speculation().withDecodeSeconds(decodeSeconds);
                                    out.add(record(target, f, t, d.draft(), df, drafter, ss, r.stats(), tps, k, temperature, prompt, tps / baseTps, need));
                                }
                                done++;
                            }
                        }
                    }
                }
            }
        }
        ctx.progress(1, org.speclab.jobs.JobTexts.t("progress.experiments", out.size()));
        return out;
    }

    private static double meanTps(List<GenerationStats> runs) {
        return runs.stream().mapToDouble(GenerationStats::tokensPerSecond).average().orElse(Double.NaN);
    }

    private static String draftName(DrafterSpec d) {
        return d.kind().equals("draft") ? stem(d.draft()) : d.describe();
    }

    private Experiment oom(Path target, DrafterSpec d, String draftName, Integer k, float temperature, String prompt, long bytes) {
        return new Experiment(d == null ? null : draftName, null, k, stem(target), null, "cpu", 1, prompt, 0, bytes / 1e9, 0,
                null, newTokens, samples, temperature, Version.get(), null, null, null, null, null, 1, seed, 40, 1.0, 0, OUT_OF_MEMORY, null);
    }

    private Sampler sampler(float temperature) {
        return new Sampler(temperature, 40, 1f, seed);
    }

    /** Files are named by their file name: converters often write a generic general.name such as "llama". */
    static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n;
    }

    private Experiment record(Path targetPath, ModelFile f, Transformer t, Path draftPath, ModelFile draft, Drafter d, SpeculationStats ss,
                              GenerationStats st, double tps, Integer k, float temperature, String prompt, double measured, long bytes) {
        return new Experiment(d == null ? null : draft != null ? stem(draftPath) : d.describe(), draft == null ? null : draft.dominantType().name(),
                k, stem(targetPath), f.dominantType().name(), t.device(), 1, prompt, tps, bytes / 1e9, t.weightBytes() * tps / 1e9,
                ss == null ? null : ss.meanAccepted(), newTokens, samples, temperature, Version.get(), ss == null ? null : ss.alpha(),
                ss == null ? null : ss.costRatio(), ss == null ? null : ss.predictedSpeedup(), Double.isNaN(measured) ? null : measured,
                ss == null ? null : ss.acceptedCounts(), 1, seed, 40, 1.0, st.newTokens(), st.stopReason(), null);
    }
}
