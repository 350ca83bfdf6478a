package org.speclab.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.speclab.SharedFiles;
import org.speclab.TempDirs;
import org.speclab.format.ModelFiles;
import org.speclab.format.TokenizerFiles;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizers;

/**
 * Every reader of files users download, as the broken-file tests drive it: the real file each starts
 * from (in ../shared), the name a copy must have, and what reading one means (open, parse the model's
 * shape, build its tokenizer). A reader may refuse a file only with the project's one-line
 * {@link ModelFormatException}; {@link #check} says whether an outcome is allowed.
 */
enum FileReaders {
    GGUF("gguf", "reference/arch/llama-Q4_K_M.gguf", "m.gguf"),
    LLAMA2C_CHECKPOINT("llama2c-checkpoint", "models/stories260K/stories260K.bin", "m.bin"),
    LLAMA2C_TOKENIZER("llama2c-tokenizer", "models/stories260K/tok512.bin", "tok.bin"),
    SENTENCEPIECE("sentencepiece", "models/stories260K/tok512.model", "tokenizer.model"),
    TOKENIZER_JSON("tokenizer-json", "models/hf-real/tiny_tokenizer.json", "tokenizer.json"),
    SAFETENSORS("safetensors", "models/hf-real/qwen3-tiny/model.safetensors", "model.safetensors"),
    HF_CONFIG("hf-config", "models/hf-real/qwen3-tiny/config.json", "config.json"),
    /** GPT-2's encoder.json, the real merges beside it; the seed is the first 512 pieces of Llama-3.2's (6 MB whole). */
    GPT2_ENCODER("gpt2-encoder", "tokenizers/llama3.2-bpe/encoder.json", "encoder.json"),
    GPT2_MERGES("gpt2-merges", "tokenizers/llama3.2-bpe/vocab.bpe", "vocab.bpe"),
    /** The lab's own stores: made by the lab's own writers, read as the lab reads them at start. */
    SETTINGS_JSON("settings-json", null, "settings.json"),
    EXPERIMENTS_JSON("experiments-json", null, "experiments.json"),
    JOBS_JSON("jobs-json", null, "jobs.json");

    /** Pieces kept of Llama-3.2's vocabulary for the GPT-2 seeds: 256 bytes and the first 256 merges' results. */
    static final int GPT2_PIECES = 512;

    final String id, seed, fileName;

    FileReaders(String id, String seed, String fileName) {
        this.id = id;
        this.seed = seed;
        this.fileName = fileName;
    }

    static FileReaders byId(String id) {
        for (FileReaders r : values()) if (r.id.equals(id)) return r;
        throw new IllegalArgumentException("no reader '" + id + "'");
    }

    /** The file a reader's fuzzing and mutations start from: a real one from ../shared, or one the lab writes. */
    Path seedFile() {
        try {
            return switch (this) {
                case GPT2_ENCODER, GPT2_MERGES -> smallGpt2().resolve(fileName);
                case SETTINGS_JSON, EXPERIMENTS_JSON, JOBS_JSON -> labStore();
                default -> SharedFiles.require(seed);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path seeds;

    private static synchronized Path seedFolder() throws IOException {
        if (seeds == null) {
            seeds = TempDirs.create("speclab-seeds");
        }
        return seeds;
    }

    /**
     * encoder.json and vocab.bpe cut to {@link #GPT2_PIECES} pieces and the merges that make them (in
     * Llama-3.2's files piece 256 + i is merge i's result), so one input reads in milliseconds.
     */
    private static Path smallGpt2() throws IOException {
        Path dir = seedFolder().resolve("gpt2");
        if (Files.isRegularFile(dir.resolve("vocab.bpe"))) return dir;
        Files.createDirectories(dir);
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var enc = om.readTree(SharedFiles.require("tokenizers/llama3.2-bpe/encoder.json").toFile());
        var small = om.createObjectNode();
        enc.fields().forEachRemaining(e -> { if (e.getValue().asInt() < GPT2_PIECES) small.set(e.getKey(), e.getValue()); });
        List<String> lines = Files.readAllLines(SharedFiles.require("tokenizers/llama3.2-bpe/vocab.bpe"));
        boolean header = !lines.isEmpty() && lines.getFirst().startsWith("#version");
        List<String> merges = lines.subList(0, (header ? 1 : 0) + GPT2_PIECES - 256);
        Files.writeString(dir.resolve("encoder.json"), om.writeValueAsString(small));
        Files.write(dir.resolve("vocab.bpe"), merges);
        return dir;
    }

    /** The lab's store written by the lab: settings with folders, window and a tokenizer; two experiments; two jobs. */
    private Path labStore() throws IOException {
        Path f = seedFolder().resolve(fileName);
        if (Files.isRegularFile(f)) return f;
        switch (this) {
            case SETTINGS_JSON -> org.speclab.library.WorkspaceSettings.NONE.withFolders(List.of(Path.of("/models"), Path.of("/data/hf")))
                    .withWindow(new org.speclab.library.WorkspaceSettings.Window(10, 20, 1280, 800, false)).withLanguage("zh-CN")
                    .withExportFolder(Path.of("/tmp")).withTokenizer(Path.of("/models/m.bin"), Path.of("/models/tok512.bin"))
                    .withLastTarget(Path.of("/models/m.gguf"))
                    .withRun(new org.speclab.library.WorkspaceSettings.Run(1, "/models/draft.gguf", 3, 2, 4, false, 0.8, 200, 1.0, 200, 2, true, 3,
                            "Once upon a time", false, "f16", "cuda:0")).save(f);
            case EXPERIMENTS_JSON -> new org.speclab.lab.ExperimentStore(f).save(List.of(
                    new org.speclab.lab.Experiment(null, null, null, "stories260K", "F32", "cpu (2 threads)", 1, "Once upon a time", 3000, 0.01,
                            3.0, null, 200, 3, 0, "0.1.0", null, null, null, null, null, 1, 7, 40, 1, 200, "length", null),
                    new org.speclab.lab.Experiment("draft.gguf", "F32", 4, "stories260K", "F32", "cpu (2 threads)", 1, "Once upon a time", 2500,
                            0.01, 2.5, 2.6, 200, 3, 0, "0.1.0", 0.84, 0.3, 0.5, 0.8, new long[] {1, 2, 3, 4, 5}, 1, 7, 40, 1, 200, "cancelled",
                            null, 3, 2400.0, 2600.0, 3000.0, 0.75, 0.85)));
            default -> org.speclab.ui.LabStores.writeJobsSample(f);
        }
        return f;
    }

    /**
     * Where a broken copy goes under {@code dir}: a Hugging Face folder's safetensors and config.json
     * each need the other, real, beside them.
     */
    Path target(Path dir) {
        try {
            if (this == GPT2_ENCODER || this == GPT2_MERGES) {
                Path gpt2 = Files.createDirectories(dir.resolve("gpt2"));
                String other = this == GPT2_ENCODER ? "vocab.bpe" : "encoder.json";
                if (!Files.exists(gpt2.resolve(other))) Files.copy(seedFile().resolveSibling(other), gpt2.resolve(other));
                return gpt2.resolve(fileName);
            }
            if (this != SAFETENSORS && this != HF_CONFIG) return dir.resolve(fileName);
            Path hf = Files.createDirectories(dir.resolve("hf"));
            String other = this == SAFETENSORS ? "config.json" : "model.safetensors";
            if (!Files.exists(hf.resolve(other))) Files.copy(seedFile().resolveSibling(other), hf.resolve(other));
            return hf.resolve(fileName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the file at {@code p} as this reader's users do. */
    void read(Path p) {
        switch (this) {
            case GGUF -> {
                try (ModelFile f = ModelFiles.open(p, null)) {
                    ModelConfig.from(f);
                    Tokenizers.fromMetadata(p, f.metadata());
                }
            }
            case LLAMA2C_CHECKPOINT -> {
                try (ModelFile f = ModelFiles.open(p, SharedFiles.require("models/stories260K/tok512.bin"))) {
                    ModelConfig.from(f);
                }
            }
            case SAFETENSORS, HF_CONFIG -> {
                try (ModelFile f = ModelFiles.open(p.getParent(), null)) {
                    ModelConfig.from(f);
                }
            }
            case GPT2_ENCODER, GPT2_MERGES -> {
                Path encoder = p.resolveSibling("encoder.json");
                Tokenizers.fromMetadata(encoder, TokenizerFiles.read(encoder, -1)).encode("Once upon a time, 1234 ✓", true, false);
            }
            case SETTINGS_JSON -> {
                // what the lab asks of its settings as it starts
                var s = org.speclab.library.WorkspaceSettings.load(p).value();
                s.folderPaths();
                s.lastTargetPath();
                if (s.run() != null) s.run().draftPath();
                s.exportFolderPath();
                s.tokenizerFor(Path.of("/models/m.bin"));
                if (s.window() != null) s.window().usable();
                if (s.language() != null) java.util.Locale.forLanguageTag(s.language());
            }
            case EXPERIMENTS_JSON -> {
                // the records, as the Experiments view tabulates, groups and exports them
                var rows = new org.speclab.lab.ExperimentStore(p).load().value();
                org.speclab.lab.ExperimentExport.csv(rows);
                org.speclab.lab.ExperimentExport.markdown(rows);
                for (var g : org.speclab.lab.RepeatedRuns.of(rows)) {
                    g.median();
                    g.min();
                    g.max();
                    g.predictedTokensPerSec();
                }
                for (var e : rows) org.speclab.lab.DrafterLabel.of(e);
            }
            case JOBS_JSON -> org.speclab.ui.LabStores.readJobs(p);
            default -> Tokenizers.fromMetadata(p, TokenizerFiles.read(p, -1));
        }
    }

    /**
     * Reads the file and returns normally when the outcome is allowed: a clean read, or a one-line
     * format error. Anything else (another exception, an error, a message over several lines) is thrown.
     */
    void check(Path p) {
        try {
            read(p);
        } catch (ModelFormatException e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) throw new AssertionError(id + ": not one line: " + e.getMessage(), e);
        }
    }
}
