package org.speclab.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.speclab.Version;
import org.speclab.engine.Backend;
import org.speclab.engine.Transformer;
import org.speclab.jobs.Job;
import org.speclab.jobs.JobContext;
import org.speclab.jobs.JobFailedException;

/**
 * A grid of runs: every target (e.g. the same model in several weight types) × drafter × k ×
 * temperature × prompt, as experiment records: the seed's fifteen hand-run experiments in one job.
 * Every cell is measured by the lab's {@link Protocol}: a warm-up, then {@code samples} speculative
 * runs, each beside a run of the target alone; its row holds the medians and ranges. Each target also
 * gets a row of its own (no drafter) per temperature and prompt. A cell whose models would not fit in
 * the memory this machine has free is not loaded: its row says "oom", as the seed's row 13 did,
 * instead of a crash. Drafts load on the same device as the targets.
 */
public record Sweep(List<Path> targets, List<DrafterChoice> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                    List<String> prompts, int samples, int threads, long seed, String device, Map<Path, Path> tokenizers,
                    org.speclab.engine.CacheType cache)
        implements Job<List<Experiment>> {

    /**
     * @param tokenizers the tokenizer file of a model (target or draft) that needs one not found beside it (a llama2.c checkpoint whose tokenizer the user chose)
     * @param cache how every model's KV cache holds keys and values
     */
    public Sweep {
        tokenizers = tokenizers == null ? Map.of() : Map.copyOf(tokenizers);
        if (cache == null) cache = org.speclab.engine.CacheType.F32;
    }

    /** With float32 KV caches. */
    public Sweep(List<Path> targets, List<DrafterChoice> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                 List<String> prompts, int samples, int threads, long seed, String device, Map<Path, Path> tokenizers) {
        this(targets, drafters, ks, temperatures, newTokens, prompts, samples, threads, seed, device, tokenizers, org.speclab.engine.CacheType.F32);
    }

    /** Every model finds its own tokenizer. */
    public Sweep(List<Path> targets, List<DrafterChoice> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                 List<String> prompts, int samples, int threads, long seed, String device) {
        this(targets, drafters, ks, temperatures, newTokens, prompts, samples, threads, seed, device, Map.of());
    }

    /** On the CPU. */
    public Sweep(List<Path> targets, List<DrafterChoice> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                 List<String> prompts, int samples, int threads, long seed) {
        this(targets, drafters, ks, temperatures, newTokens, prompts, samples, threads, seed, "cpu");
    }

    /** One prompt, one sample, on the CPU. */
    public Sweep(List<Path> targets, List<DrafterChoice> drafters, List<Integer> ks, List<Float> temperatures, int newTokens,
                 String prompt, int threads, long seed) {
        this(targets, drafters, ks, temperatures, newTokens, List.of(prompt), 1, threads, seed, "cpu");
    }

    /** gpt-fast's speculate_k values in the seed's experiments. */
    public static final List<Integer> SEED_KS = List.of(1, 4, 5, 6, 8);

    /** The sampling top-k of every cell (the CLI's default). */
    static final int TOP_K = org.speclab.decode.Sampler.DEFAULT_TOP_K;

    @Override
    public org.speclab.jobs.JobTexts.Title titleText() {
        return org.speclab.jobs.JobTexts.title("title.sweep", targets.size(), drafters.size(), ks, temperatures);
    }

    /** What a stop reason says of a cell that did not fit: no tokens/s, no speedup. */
    public static final String OUT_OF_MEMORY = "oom";

    @Override
    public List<Experiment> run(JobContext ctx) {
        if (targets.isEmpty() || drafters.isEmpty() || ks.isEmpty() || temperatures.isEmpty() || prompts.isEmpty()) {
            throw new JobFailedException("the sweep has nothing to run");
        }
        if (samples < 1) throw new JobFailedException("the sweep needs at least one sample per cell, found " + samples);
        if (newTokens < 1) throw new JobFailedException("the sweep needs at least one new token per run, found " + newTokens);
        int perTarget = temperatures.size() * prompts.size() * (1 + drafters.size() * ks.size());
        int total = targets.size() * perTarget, done = 0;
        List<Experiment> out = new ArrayList<>();
        // CUDA asked for and gone: one warning line in the job's progress, and the CPU
        Backend backend = DeviceChoice.choose(device, true, w -> ctx.progress(0, w));
        Protocol.Observer cancellable = new Protocol.Observer() {
            @Override
            public boolean cancelled() { return ctx.cancelled(); }
        };
        for (Path target : targets) {
            long targetBytes = MemoryCheck.bytesToRun(target, tokenizers.get(target), newTokens + 512, cache);
            if (!MemoryCheck.fits(targetBytes)) {
                // the seed's row 13: recorded, never a crash
                for (float temperature : temperatures) {
                    for (String prompt : prompts) {
                        out.add(oom(target, null, null, temperature, prompt, targetBytes));
                        for (DrafterChoice d : drafters) for (int k : ks) out.add(oom(target, d, k, temperature, prompt, targetBytes));
                    }
                }
                done += perTarget;
                continue;
            }
            try (LoadedModel m = LoadedModel.open(target, tokenizers.get(target), threads, backend, cache)) {
                Transformer t = m.transformer();
                for (String prompt : prompts) {
                    int[] ids = m.prompt(prompt, false, null);
                    int positions = ids.length + newTokens;
                    for (float temperature : temperatures) {
                        ctx.checkCancelled();
                        ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.baseline", target.getFileName(), temperature));
                        var alone = new Protocol.Setup(ids, newTokens, temperature, TOP_K, 1f, seed, samples, false, true);
                        Protocol.Outcome base = Protocol.run(t, m.tokenizer(), null, 1, false, alone, cancellable);
                        ctx.checkCancelled();
                        out.add(Protocol.record(subject(target, m, null, null, positions), alone, base, null, prompt));
                        done++;
                        for (DrafterChoice d : drafters) {
                            long need = d.file() != null ? targetBytes + MemoryCheck.bytesToRun(d.file(), tokenizers.get(d.file()), newTokens + 512, cache) : targetBytes;
                            if (!MemoryCheck.fits(need)) {
                                for (int k : ks) out.add(oom(target, d, k, temperature, prompt, need));
                                done += ks.size();
                                continue;
                            }
                            try (LoadedModel dm = d.file() != null ? LoadedModel.open(d.file(), tokenizers.get(d.file()), 1, backend, cache) : null) {
                                if (dm != null) LoadedModel.requireSameVocabulary(m, dm);
                                var who = subject(target, m, d, dm, positions);
                                for (int k : ks) {
                                    ctx.checkCancelled();
                                    ctx.progress((double) done / total, org.speclab.jobs.JobTexts.t("progress.sweepRun", target.getFileName(), d.label(), k, temperature));
                                    var setup = new Protocol.Setup(ids, newTokens, temperature, TOP_K, 1f, seed, samples, true, true);
                                    var drafter = d.build(t, dm == null ? null : dm.transformer(), positions);
                                    Protocol.Outcome o = Protocol.run(t, m.tokenizer(), drafter, k, false, setup, cancellable);
                                    ctx.checkCancelled();
                                    out.add(Protocol.record(who, setup, o, k, prompt));
                                    done++;
                                }
                            }
                        }
                    }
                }
            }
        }
        ctx.progress(1, org.speclab.jobs.JobTexts.t("progress.experiments", out.size()));
        return out;
    }

    private static Protocol.Subject subject(Path target, LoadedModel m, DrafterChoice d, LoadedModel draft, int positions) {
        return new Protocol.Subject(org.speclab.model.ModelFile.stem(target), m.file().dominantType().name(), d == null ? null : d.labelFor(m.transformer()),
                draft == null ? null : draft.file().dominantType().name(), m.transformer().device(),
                MemoryCheck.runBytes(m.transformer(), draft == null ? null : draft.transformer(), positions), m.transformer().weightBytes());
    }

    private Experiment oom(Path target, DrafterChoice d, Integer k, float temperature, String prompt, long bytes) {
        return new Experiment(d == null ? null : d.label(), null, k, org.speclab.model.ModelFile.stem(target), null, device, 1, prompt, 0, bytes / 1e9, 0,
                null, newTokens, samples, temperature, Version.get(), null, null, null, null, null, 1, seed, TOP_K, 1.0, 0, OUT_OF_MEMORY, null);
    }
}
