package org.speclab.cli;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.speclab.engine.Backend;
import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.MemoryBandwidth;
import org.speclab.engine.DeviceGauges;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code speclab bench}: llama-bench's two tests — pp (prompt processing: p tokens in one pass)
 * and tg (text generation: n tokens one at a time) — as mean ± sd tokens/s over r repetitions,
 * with the bandwidth decode achieved beside what the machine can read; with {@code -d} both (and the
 * verify pass) run after that many positions already in the cache, as llama-bench's depth.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure prompt processing (pp) and text generation (tg) speed, llama-bench style.")
final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @picocli.CommandLine.Mixin
    EngineOptions.Model model;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "64", description = "prompt tokens for pp; 0 skips it (default: ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "64", description = "generated tokens for tg; 0 skips it (default: ${DEFAULT-VALUE})")
    int gen;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", description = "repetitions (default: ${DEFAULT-VALUE})")
    int reps;

    @picocli.CommandLine.Mixin
    EngineOptions.Threads threads;

    @picocli.CommandLine.Mixin
    EngineOptions.Cache cache;

    @Option(names = {"-d", "--n-depth"}, defaultValue = "0", description = "positions already in the cache when each test starts (a long conversation; default: ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--verify", defaultValue = "5", description = "positions of a speculative verify pass, timed after tg against one decode step; 0 skips it (default: ${DEFAULT-VALUE})")
    int verify;

    @picocli.CommandLine.Mixin
    EngineOptions.Device device;

    @Override
    public Integer call() {
        Path model = this.model.path();
        int t = threads.count();
        if (reps < 1 || prompt < 0 || gen < 0 || verify < 0 || depth < 0) throw new IllegalArgumentException("-r must be ≥ 1 and -p, -n, -d, --verify ≥ 0");
        Backend backend = device.backend(false, cli.err::println); // a device that is missing is an error here, not a fallback
        try (ModelFile f = ModelFiles.open(model, null); Transformer tr = backend.load(f, t, cache.type)) {
            DeviceGauges gpu = tr.gauges();
            String where = gpu != null ? tr.device() : Integer.toString(t);
            ModelConfig c = tr.config();
            String name = f.name() + " " + f.dominantType();
            String size = String.format("%.2f MiB", f.weightBytes() / (double) (1 << 20));
            cli.out.println("| model | size | " + (gpu != null ? "device" : "threads") + " | test | t/s | GB/s |");
            cli.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
            SplittableRandom rnd = new SplittableRandom(42);
            int positions = depth + Math.max(prompt, gen + verify);
            if (positions > c.contextLength()) { // as generate says it
                cli.err.printf("speclab: warning: %d positions exceed the model's declared context length %d; going on (as llama.cpp does)%n", positions, c.contextLength());
            }
            // the depth's positions, prefilled once; each test rolls the cache back to them (O(1)) before it runs
            KvCache cache = tr.newCache(Math.max(1, positions));
            org.speclab.decode.Generator.prefill(tr, cache, rnd.ints(depth, 0, c.vocabSize()).toArray());
            String at = depth > 0 ? " @ d" + depth : "";
            if (prompt > 0) {
                int[] tokens = rnd.ints(prompt, 0, c.vocabSize()).toArray();
                double[] r = measure(() -> {
                    cache.truncate(depth);
                    tr.forward(cache, tokens, depth, 1);
                }, prompt);
                cli.out.printf("| %s | %s | %s | pp%d%s | %.2f ± %.2f | |%n", name, size, where, prompt, at, r[0], r[1]);
            }
            if (gen > 0) {
                int[] tokens = rnd.ints(gen, 0, c.vocabSize()).toArray();
                double[] stepMillis = {0, 0};
                double[] r = measure(() -> {
                    cache.truncate(depth);
                    for (int i = 0; i < gen; i++) {
                        tr.forward(cache, new int[] {tokens[i]}, depth + i, 1);
                        if (gpu != null) {
                            stepMillis[0] += gpu.lastStepMillis();
                            stepMillis[1]++;
                        }
                    }
                }, gen);
                // each token reads every weight once, plus the keys and values of the positions before it
                double kvBytes = 2.0 * c.layers() * c.kvDim() * tr.cacheType().bytesPerValue() * (depth + (gen - 1) / 2.0);
                double gbs = (tr.weightBytes() + kvBytes) * r[0] / 1e9;
                cli.out.printf("| %s | %s | %s | tg%d%s | %.2f ± %.2f | %.2f |%n", name, size, where, gen, at, r[0], r[1], gbs);
                cli.out.flush();
                if (gpu == null) {
                    double peak = MemoryBandwidth.gbPerSecond(t, gbs);
                    cli.out.printf("%nDecode read %.2f GB/s; this machine reads %.2f GB/s with %s (%.0f%% of it).%n", gbs, peak, t == 1 ? "1 thread" : t + " threads", 100 * gbs / peak);
                    if (gbs > peak) cli.out.println("Decode read faster than the measured memory bandwidth: the weights fit in the CPU caches.");
                    cli.out.println("Kernels: " + tr.kernels() + ".");
                    String pages = tr.weightPages();
                    if (pages != null) cli.out.println("Weights: " + pages + ".");
                    cli.out.println("KV cache: " + (tr.cacheType() == org.speclab.engine.CacheType.F16 ? "float16 (2 bytes a value)." : "float32 (4 bytes a value)."));
                } else {
                    // the kernels' own time (CUDA events) apart from the host's, and the device's copy rate as the ceiling
                    double ms = stepMillis[0] / stepMillis[1];
                    double kernelGbs = (tr.weightBytes() + kvBytes) / (ms / 1e3) / 1e9;
                    double peak = gpu.copyBandwidthGBs();
                    long[] mem = gpu.memoryInfo();
                    cli.out.printf("%nDecode read %.2f GB/s (%.2f GB/s over device time: %.3f ms a step by CUDA events); %s copies %.2f GB/s (%.0f%% of it by device time)."
                                    + " Device memory used %.2f of %.2f GB.%n", gbs, kernelGbs, ms, tr.device(), peak, 100 * kernelGbs / peak,
                            (mem[1] - mem[0]) / 1e9, mem[1] / 1e9);
                    cli.out.println(gpu.longPromptPath() + ". " + gpu.decodePath() + ".");
                }
                if (verify > 0) {
                    // a verify pass after depth + gen positions of context, against a decode step at the same place
                    cache.truncate(depth);
                    tr.forward(cache, tokens, depth, 1);
                    int[] draft = rnd.ints(verify, 0, c.vocabSize()).toArray();
                    int place = depth + gen;
                    // until the JIT has compiled the batched path (thousands of calls on a small model)
                    for (long end = System.nanoTime() + 500_000_000L, i = 0; i < 3000 && System.nanoTime() < end; i++) {
                        tr.forward(cache, draft, place, verify);
                        tr.forward(cache, new int[] {draft[0]}, place, 1);
                    }
                    // decode steps and verify passes each in blocks of their own, the blocks alternated (VerifyTiming)
                    int[] one = {draft[0]};
                    VerifyTiming.Result v = VerifyTiming.measure(() -> {
                        long t0 = System.nanoTime();
                        tr.forward(cache, one, place, 1);
                        return System.nanoTime() - t0;
                    }, () -> {
                        long t0 = System.nanoTime();
                        tr.forward(cache, draft, place, verify);
                        return System.nanoTime() - t0;
                    }, Math.max(3, reps), 6, 300_000_000L);
                    double oneMs = v.decodeMillis(), batchMs = v.verifyMillis(), ratio = v.ratio();
                    cli.out.printf("Verify of %d positions%s: %.2f ms, %.2f× one decode step (%.2f ms); speculation pays only where this stays well below %d.%n",
                            verify, depth > 0 ? " after " + (depth + gen) + " positions" : "", batchMs, ratio, oneMs, verify);
                }
            }
        }
        return 0;
    }

    /**
     * Tokens/s, mean and sample standard deviation over the repetitions, after a warm-up of at least
     * one run and two seconds: the JIT compiles the engine's Java parts (attention, norms) only after
     * thousands of calls, and a prompt pass makes few; timed cold, pp64 measured the JIT.
     */
    private double[] measure(Runnable run, int tokens) {
        long warm = System.nanoTime() + 2_000_000_000L;
        for (int i = 0; i < 200 && (i == 0 || System.nanoTime() < warm); i++) run.run();
        double[] tps = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            run.run();
            tps[i] = tokens / ((System.nanoTime() - t0) / 1e9);
        }
        double mean = java.util.Arrays.stream(tps).average().orElse(0);
        double var = 0;
        for (double v : tps) var += (v - mean) * (v - mean);
        return new double[] {mean, reps > 1 ? Math.sqrt(var / (reps - 1)) : 0};
    }
}
