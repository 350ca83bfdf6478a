package org.speclab.library;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the lab remembers between starts, as {@code settings.json} in the workspace (~/.speclab):
 * the library folders, the window's place and size, the language, the folder last exported to,
 * the tokenizer chosen for each model that carries none (by the model's absolute path), and the Run
 * view's target and settings of the last run started. A null field
 * means "never set":
 * the lab then uses its default (for folders: {@link ModelLibrary#defaultFolders()}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkspaceSettings(List<String> folders, Window window, String language, String exportFolder, Map<String, String> tokenizers,
                                String lastTarget, Run run) {
    /** The window's last bounds, in screen coordinates. */
    public record Window(double x, double y, double width, double height, boolean maximized) {
        /** Whether these bounds can be put back: finite, and at least 200 × 150. */
        public boolean usable() {
            return Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(width) && Double.isFinite(height)
                    && width >= 200 && height >= 150 && width < 1e6 && height < 1e6;
        }
    }

    /**
     * The Run view's settings of the last run started (its target is {@link #lastTarget}): the drafter (0 none, 1 a
     * draft model, 2 n-gram lookup, 3 early exit) and each one's setting, sampling, length, threads, the baseline and
     * repeats, the prompt, chat, the KV cache ("f32", "f16") and the device ("cpu", "cuda:0", …; picked again only where
     * the lab finds it). Null fields were never set; values out of a control's range are brought into it by the view.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Run(Integer drafter, String draft, Integer ngram, Integer layers, Integer k, Boolean adaptive, Double temperature, Integer topK,
                      Double topP, Integer maxTokens, Integer threads, Boolean baseline, Integer repeats, String prompt, Boolean chat, String kvCache,
                      String device) {
        /** The draft model's file, or null. */
        public Path draftPath() {
            return path(draft);
        }
    }

    public static final WorkspaceSettings NONE = new WorkspaceSettings(null, null, null, null, null, null, null);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static Path file(Path workspace) {
        return workspace.resolve("settings.json");
    }

    /**
     * The settings in {@code file}, or {@link #NONE} when there is no such file, or when it cannot be
     * read (then it is set aside and the warning says so: {@link org.speclab.JsonStore}).
     */
    public static org.speclab.JsonStore.Read<WorkspaceSettings> load(Path file) {
        return org.speclab.JsonStore.read(file, new com.fasterxml.jackson.core.type.TypeReference<WorkspaceSettings>() {}, NONE);
    }

    /** Writes the settings, whole or not at all. */
    public void save(Path file) throws IOException {
        org.speclab.JsonStore.write(file, this);
    }

    public WorkspaceSettings withFolders(List<Path> f) {
        return new WorkspaceSettings(f.stream().map(Path::toString).toList(), window, language, exportFolder, tokenizers, lastTarget, run);
    }

    public WorkspaceSettings withWindow(Window w) {
        return new WorkspaceSettings(folders, w, language, exportFolder, tokenizers, lastTarget, run);
    }

    public WorkspaceSettings withLanguage(String l) {
        return new WorkspaceSettings(folders, window, l, exportFolder, tokenizers, lastTarget, run);
    }

    public WorkspaceSettings withExportFolder(Path f) {
        return new WorkspaceSettings(folders, window, language, f.toString(), tokenizers, lastTarget, run);
    }

    /** Remembers {@code tokenizer} as the vocabulary {@code model} runs with. */
    public WorkspaceSettings withTokenizer(Path model, Path tokenizer) {
        Map<String, String> t = new TreeMap<>(tokenizers == null ? Map.of() : tokenizers);
        t.put(key(model), tokenizer.toAbsolutePath().normalize().toString());
        return new WorkspaceSettings(folders, window, language, exportFolder, t, lastTarget, run);
    }

    /** Remembers the target of the last run started, the Run view's default next time. */
    public WorkspaceSettings withLastTarget(Path model) {
        return new WorkspaceSettings(folders, window, language, exportFolder, tokenizers, key(model), run);
    }

    /** Remembers the Run view's settings of the run being started. */
    public WorkspaceSettings withRun(Run r) {
        return new WorkspaceSettings(folders, window, language, exportFolder, tokenizers, lastTarget, r);
    }

    /** The target of the last run started, or null. */
    public Path lastTargetPath() {
        return path(lastTarget);
    }

    /** The folder last exported to, or null. */
    public Path exportFolderPath() {
        return path(exportFolder);
    }

    /** A path written in the file, or null when it is none or not one this system can name (an edited or damaged file). */
    private static Path path(String p) {
        if (p == null) return null;
        try {
            return Path.of(p);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** The tokenizer chosen for {@code model}, or null when none was. */
    public Path tokenizerFor(Path model) {
        return path(tokenizers == null ? null : tokenizers.get(key(model)));
    }

    private static String key(Path model) {
        return model.toAbsolutePath().normalize().toString();
    }

    /** The folders as paths (entries that name no path left out), or null when they were never chosen. */
    public List<Path> folderPaths() {
        return folders == null ? null : folders.stream().map(WorkspaceSettings::path).filter(java.util.Objects::nonNull).toList();
    }
}
