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
 * temperature, each beside the autoregressive baseline of the same target and temperature, as
 * experiment records — the seed's fifteen hand-run experiments in one job.
 */
public record Sweep(List<Path> targets, List<DrafterSpec> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                    String prompt, int threads, long seed) implements Job<List<Experiment>> {

    /** A drafter to try: kind "draft" (a model file), "ngram" (n) or "layers" (L). */
    public record DrafterSpec(String kind, int n, Path draft) {
        String describe() {
            return switch (kind) {
                case "draft" -> "draft " + draft.getFileName();
                case "ngram" -> "n-gram " + n;
                default -> "early exit " + n;
            };
        }
    }

    @Override
    public String title() {
        return org.speclab.jobs.JobTexts.t("title.sweep", targets.size(), drafters.size(), ks, temperatures);
    }

    @Override
    public List<Experiment> run(JobContext ctx) {
        if (targets.isEmpty() || drafters.isEmpty() || ks.isEmpty() || temperatures.isEmpty()) throw new JobFailedException("the sweep has nothing to run");
        int total = targets.size() * temperatures.size() * (1 + drafters.size() * ks.size()), done = 0;
        List<Experiment> out = new ArrayList<>();
        for (Path target : targets) {
            try (LoadedModel m = LoadedModel.open(target, null, threads)) {
                ModelFile f = m.file();
                Transformer t = m.transformer();
                Tokenizer tok = m.tokenizer();
                int[] ids = m.prompt(prompt, false, null);
                int positions = newTokens - 1;
                for (float temperature : temperatures) {
                    ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.baseline", target.getFileName(), temperature));
                    Generator plain = new Generator(t, tok);
                    plain.generate(ids, positions, sampler(temperature), GenerationListener.NONE); // warm-up
                    GenerationStats base = null;
                    for (int i = 0; i < 3; i++) { // short runs are noisy: the best of three
                        GenerationStats b = plain.generate(ids, positions, sampler(temperature), GenerationListener.NONE);
                        if (base == null || b.tokensPerSecond() > base.tokensPerSecond()) base = b;
                    }
                    double baseTps = base.tokensPerSecond();
                    double decodeSeconds = base.forwardPasses() > 0 ? base.decodeNanos() / 1e9 / base.forwardPasses() : Double.NaN;
                    out.add(record(target, f, t, null, null, null, null, base, null, temperature, Double.NaN));
                    done++;
                    for (DrafterSpec d : drafters) {
                        for (int k : ks) {
                            ctx.checkCancelled();
                            ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.sweepRun", target.getFileName(), d.describe(), k, temperature));
                            try (ModelFile df = d.kind().equals("draft") ? ModelFiles.open(d.draft(), null) : null;
                                 Transformer dt = df != null ? new CpuBackend().load(df, 1) : null) {
                                SpeculativeDecoder.Result r = null;
                                Drafter drafter = null;
                                for (int i = 0; i < 2; i++) { // the first run also warms the code up: keep the better
                                    Drafter dr = switch (d.kind()) {
                                        case "draft" -> new DraftModel(dt, stem(d.draft()), ids.length + newTokens);
                                        case "ngram" -> new NGramLookup(d.n());
                                        default -> new EarlyExit(t, Math.min(d.n(), t.config().layers() - 1), ids.length + newTokens);
                                    };
                                    var run = new SpeculativeDecoder(t, tok, dr, k, false).generate(ids, positions, sampler(temperature), GenerationListener.NONE);
                                    if (r == null || run.stats().tokensPerSecond() > r.stats().tokensPerSecond()) {
                                        r = run;
                                        drafter = dr;
                                    }
                                }
                                SpeculationStats ss = Double.isNaN(decodeSeconds) ? r.speculation() : r.speculation().withDecodeSeconds(decodeSeconds);
                                out.add(record(target, f, t, d.draft(), df, drafter, ss, r.stats(), k, temperature, r.stats().tokensPerSecond() / baseTps));
                            }
                            done++;
                        }
                    }
                }
            }
        }
        ctx.progress(1, org.speclab.jobs.JobTexts.t("progress.experiments", out.size()));
        return out;
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
                              GenerationStats st, Integer k, float temperature, double measured) {
        double tps = st.tokensPerSecond();
        return new Experiment(d == null ? null : draft != null ? stem(draftPath) : d.describe(), draft == null ? null : draft.dominantType().name(),
                k, stem(targetPath), f.dominantType().name(), t.device(), 1, prompt, tps, 0, t.weightBytes() * tps / 1e9,
                ss == null ? null : ss.meanAccepted(), newTokens, 1, temperature, Version.get(), ss == null ? null : ss.alpha(),
                ss == null ? null : ss.costRatio(), ss == null ? null : ss.predictedSpeedup(), Double.isNaN(measured) ? null : measured,
                ss == null ? null : ss.acceptedCounts(), 1, seed, 40, 1.0, st.newTokens(), st.stopReason(), null);
    }
}
