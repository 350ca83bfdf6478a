package org.speclab.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.speclab.lab.DrafterChoice;
import org.speclab.lab.Experiment;
import org.speclab.lab.ExperimentExport;
import org.speclab.lab.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The experiment table in one command: targets × drafters × k × temperature × prompt, each cell
 * beside its target alone, with gpt-fast's columns (and α, c, predicted and measured speedup); the
 * lab's Sweep, from the command line. {@code --preset seed-table} fixes what gpt-fast's experiments
 * varied: speculate_k 1, 4, 5, 6, 8, 200 new tokens, greedy, plus the n-gram and early-exit drafters.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a grid of speculative-decoding experiments and print their table.",
                "Its columns: gpt-fast's, then α, c, predicted and measured speedup. A cell whose models do not fit in free "
                        + "memory is recorded as oom."})
final class SweepCommand implements Callable<Integer> {
    @ParentCommand
    Cli cli;

    @Option(names = {"-m", "--model"}, required = true, description = "a target model; repeat for several (e.g. one model in F16, Q8_0, Q4_1)")
    List<Path> targets;

    @Option(names = {"-d", "--draft"}, description = "a draft model; repeat for several (e.g. one draft in F32, Q8_0, Q4_1)")
    List<Path> drafts = new ArrayList<>();

    @Option(names = "--draft-ngram", description = "also the n-gram lookup drafter with this n")
    Integer ngram;

    @Option(names = "--draft-layers", description = "also the early-exit drafter with this many of the target's layers")
    Integer layers;

    @Option(names = "--preset", description = {"seed-table: speculate_k 1,4,5,6,8, -n 200, -t 0, and the n-gram (n 3) and early-exit",
            "(half the target's layers) drafters unless given, as gpt-fast's experiments"})
    String preset;

    @Option(names = "-k", split = ",", description = "speculate_k values (default: 1,2,4,8; seed-table: 1,4,5,6,8)")
    List<Integer> ks;

    @Option(names = {"-t", "--temperature"}, split = ",", description = "temperatures (default: 0)")
    List<Float> temperatures;

    @Option(names = {"-n", "--max-new-tokens"}, description = "new tokens per run (default: 200)")
    Integer newTokens;

    @Option(names = "--num-samples", defaultValue = "1", description = {"timed runs per cell after an untimed warm-up, each beside a run of the target alone;",
            "the row holds their median and range (default: ${DEFAULT-VALUE})"})
    int samples;

    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time", description = "the prompt (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--prompts", description = "a file of prompts, one per line (as generate --prompts): every cell runs each prompt")
    Path promptsFile;

    @picocli.CommandLine.Mixin
    EngineOptions.Threads threads;

    @picocli.CommandLine.Mixin
    EngineOptions.Cache cache;

    @picocli.CommandLine.Mixin
    EngineOptions.Device device;

    @Option(names = "--seed", defaultValue = "1234", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, description = "also write the table to FILE: .csv, .md or .json by its extension; repeatable")
    List<Path> outputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        boolean seedTable = preset != null;
        if (seedTable && !preset.equalsIgnoreCase("seed-table")) throw new IllegalArgumentException("--preset: unknown preset '" + preset + "' (known: seed-table)");
        for (Path o : outputs) format(o);
        // -m repeats here (a list, unlike EngineOptions.Model), but is checked as every command checks it
        for (Path m : targets) EngineOptions.existing(m);
        for (Path d : drafts) EngineOptions.existing(d);
        List<DrafterChoice> drafters = new ArrayList<>();
        for (Path d : drafts) drafters.add(new DrafterChoice.DraftFile(d));
        Integer ng = ngram != null ? ngram : seedTable ? Integer.valueOf(3) : null;
        if (ng != null) drafters.add(new DrafterChoice.NGram(ng));
        if (layers != null || seedTable) drafters.add(new DrafterChoice.EarlyExitLayers(layers != null ? layers : 0));
        if (drafters.isEmpty()) throw new IllegalArgumentException("give a drafter: -d DRAFT, --draft-ngram N, --draft-layers L or --preset seed-table");
        List<Integer> kList = ks != null ? ks : seedTable ? Sweep.SEED_KS : List.of(1, 2, 4, 8);
        for (int k : kList) if (k < 1 || k > 16) throw new IllegalArgumentException("-k values must be between 1 and 16, found " + k);
        List<Float> temps = temperatures != null ? temperatures : List.of(0f);
        int n = newTokens != null ? newTokens : 200;
        if (n < 1) throw new IllegalArgumentException("-n must be ≥ 1, found " + n);
        if (samples < 1) throw new IllegalArgumentException("--num-samples must be ≥ 1, found " + samples);
        List<String> prompts = promptsFile != null ? PromptFile.read(promptsFile) : List.of(prompt);
        // CUDA asked for and missing is an error here: a sweep measures a device
        device.backend(false, cli.err::println);
        Sweep sweep = new Sweep(targets, drafters, kList, temps, n, prompts, samples, threads.count(), seed, device.device, java.util.Map.of(), cache.type);
        List<Experiment> rows = JobProgress.run(sweep, cli.err);
        String md = ExperimentExport.markdown(rows);
        cli.out.print(md);
        cli.out.flush();
        for (Path o : outputs) {
            String text = switch (format(o)) {
                case "csv" -> ExperimentExport.csv(rows);
                case "md" -> md;
                default -> new com.fasterxml.jackson.databind.ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(rows);
            };
            Path dir = o.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + o.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, o, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            cli.err.println("Wrote " + rows.size() + " experiments to " + o);
        }
        return 0;
    }

    private static String format(Path o) {
        String name = o.getFileName().toString().toLowerCase(Locale.ROOT);
        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
        if (!ext.equals("csv") && !ext.equals("md") && !ext.equals("json")) {
            throw new IllegalArgumentException("-o " + o + ": the file name must end in .csv, .md or .json");
        }
        return ext;
    }
}
