package org.speclab.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.speclab.format.FileKind;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * Finds models under a folder: GGUF files, llama2.c checkpoints and Hugging Face folders
 * ({@code config.json} beside {@code *.safetensors}). Reads only headers and metadata.
 */
public final class ModelLibrary {
    /** How deep below a library folder models are looked for. */
    public static final int MAX_DEPTH = 5;

    private ModelLibrary() {}

    /** The folder the lab opens by default: $SPECLAB_MODELS, else ~/SpecLab/models. */
    public static Path defaultFolder() {
        String env = System.getenv("SPECLAB_MODELS");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), "SpecLab", "models");
    }

    /** Where other tools keep models, when they exist here: the Hugging Face cache and LM Studio's folders. */
    public static List<Path> knownFolders() {
        Path home = Path.of(System.getProperty("user.home"));
        List<Path> out = new ArrayList<>();
        String hf = System.getenv("HF_HOME");
        for (Path p : List.of(hf != null ? Path.of(hf, "hub") : home.resolve(".cache/huggingface/hub"),
                home.resolve(".lmstudio/models"), home.resolve(".cache/lm-studio/models"))) {
            if (Files.isDirectory(p)) out.add(p);
        }
        return out;
    }

    /** The library's folders until the user changes them: the SpecLab folder (demo models go there), then {@link #knownFolders()}. */
    public static List<Path> defaultFolders() {
        List<Path> out = new ArrayList<>(List.of(defaultFolder()));
        out.addAll(knownFolders());
        return out;
    }

    /** Every model under any of {@code folders}, each listed once. */
    public static List<ModelEntry> scan(List<Path> folders) throws IOException {
        return scan(folders, WorkspaceSettings.NONE);
    }

    /** Every model under any of {@code folders}, each listed once, with the tokenizers chosen in {@code settings}. */
    public static List<ModelEntry> scan(List<Path> folders, WorkspaceSettings settings) throws IOException {
        java.util.Map<Path, ModelEntry> all = new java.util.LinkedHashMap<>();
        for (Path f : folders) for (ModelEntry e : scan(f)) all.putIfAbsent(e.path().toAbsolutePath().normalize(), e);
        List<ModelEntry> out = new ArrayList<>();
        for (ModelEntry e : all.values()) out.add(e.format().equals(FileKind.LLAMA2C_CHECKPOINT.label) ? e.withTokenizer(tokenizerFor(e.path(), settings)) : e);
        return out;
    }

    /**
     * The vocabulary a model that carries none (a llama2.c checkpoint) runs with: the file chosen for
     * it in {@code settings} while that still exists, else one found beside it, else null. The one
     * place the lab answers this: Run, convert and widen all ask here.
     */
    public static Path tokenizerFor(Path model, WorkspaceSettings settings) {
        Path chosen = settings.tokenizerFor(model);
        if (chosen != null && Files.isRegularFile(chosen)) return chosen;
        return tokenizerBeside(model);
    }

    /**
     * A llama2.c checkpoint's vocabulary in its folder, as llama2.c ships them ({@code tok512.bin},
     * {@code tokenizer.bin}, {@code tokenizer.model}, {@code tok512.model}), or null; null too for
     * files that carry their own (GGUF, Hugging Face folders).
     */
    public static Path tokenizerBeside(Path model) {
        if (FileKind.of(model) != FileKind.LLAMA2C_CHECKPOINT) return null;
        Path dir = model.toAbsolutePath().getParent();
        if (dir == null) return null;
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("tok") && (n.endsWith(".bin") || n.endsWith(".model")) && Files.isRegularFile(p)
                        && FileKind.of(p) != FileKind.LLAMA2C_CHECKPOINT;
            }).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    public static List<ModelEntry> scan(Path folder) throws IOException {
        List<ModelEntry> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) return out;
        try (Stream<Path> s = Files.walk(folder, MAX_DEPTH)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isDirectory(p)) {
                    if (FileKind.of(p) == FileKind.HUGGING_FACE_FOLDER) out.add(huggingFace(p));
                } else if (isModelFile(p)) {
                    out.add(identify(p));
                }
            }
        }
        out.sort(Comparator.comparing(e -> e.path().toString()));
        return out;
    }

    private static boolean isModelFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".gguf")) return true;
        return n.endsWith(".bin") && FileKind.of(p) == FileKind.LLAMA2C_CHECKPOINT;
    }

    /** Reads one model file's metadata; unreadable files are listed with the reason. */
    public static ModelEntry identify(Path p) {
        long size = sizeOf(p);
        FileKind kind = FileKind.of(p);
        String format = kind.model ? kind.label : FileKind.GGUF.label; // a .gguf that is not one: GGUF's reader says why
        String fileName = p.getFileName().toString();
        String stem = ModelFile.stem(p);
        try (ModelFile f = ModelFiles.open(p, null)) {
            String arch = f.architecture();
            int ctx = 0, vocab = 0;
            try {
                ModelConfig c = ModelConfig.from(f);
                ctx = c.contextLength();
                vocab = c.vocabSize();
            } catch (RuntimeException e) {
                return new ModelEntry(p, format, stem, arch, f.parameterCount(), f.dominantType().name(), size, 0, 0, e.getMessage(), false, null);
            }
            // files are named by their file name: converters often write a generic general.name such as "llama"
            return new ModelEntry(p, format, stem, arch, f.parameterCount(), f.dominantType().name(), size, ctx, vocab, null,
                    f.has(org.speclab.chat.ChatTemplate.KEY), kind == FileKind.LLAMA2C_CHECKPOINT ? tokenizerBeside(p) : null);
        } catch (RuntimeException e) {
            return new ModelEntry(p, format, stem, "", 0, "", size, 0, 0, e.getMessage(), false, null);
        }
    }

    private static ModelEntry huggingFace(Path dir) {
        long size = 0;
        try (Stream<Path> s = Files.list(dir)) {
            size = s.filter(q -> q.toString().endsWith(".safetensors")).mapToLong(ModelLibrary::sizeOf).sum();
        } catch (IOException e) {
            // size stays 0
        }
        try {
            JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            String arch = c.path("architectures").path(0).asText(c.path("model_type").asText(""));
            String dtype = c.path("torch_dtype").asText(c.path("dtype").asText(""));
            return new ModelEntry(dir, "huggingface", dir.getFileName().toString(), arch, 0, dtype.toUpperCase(java.util.Locale.ROOT),
                    size, c.path("max_position_embeddings").asInt(0), c.path("vocab_size").asInt(0),
                    size == 0 ? "no .safetensors weights beside config.json" : null, hasChatTemplate(dir), null);
        } catch (IOException e) {
            return new ModelEntry(dir, "huggingface", dir.getFileName().toString(), "", 0, "", size, 0, 0,
                    dir.resolve("config.json") + ": " + e.getMessage().replace('\n', ' '), false, null);
        }
    }

    /** Whether a Hugging Face folder carries a chat template (what conversion copies into the GGUF). */
    private static boolean hasChatTemplate(Path dir) {
        if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) return true;
        for (String name : new String[] {"tokenizer_config.json", "chat_template.json"}) {
            try {
                Path f = dir.resolve(name);
                if (Files.isRegularFile(f) && new ObjectMapper().readTree(f.toFile()).hasNonNull("chat_template")) return true;
            } catch (IOException e) {
                // unreadable: conversion will say so
            }
        }
        return false;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
