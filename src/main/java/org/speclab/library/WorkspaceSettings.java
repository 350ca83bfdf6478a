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

/**
 * What the lab remembers between starts, as {@code settings.json} in the workspace (~/.speclab):
 * the library folders, the window's place and size, the language, the folder last exported to. A
 * null field means "never set":
 * the lab then uses its default (for folders: {@link ModelLibrary#defaultFolders()}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkspaceSettings(List<String> folders, Window window, String language, String exportFolder) {
    /** The window's last bounds, in screen coordinates. */
    public record Window(double x, double y, double width, double height, boolean maximized) {}

    public static final WorkspaceSettings NONE = new WorkspaceSettings(null, null, null, null);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static Path file(Path workspace) {
        return workspace.resolve("settings.json");
    }

    /** The settings in {@code file}, or {@link #NONE} when there is no such file. */
    public static WorkspaceSettings load(Path file) {
        if (!Files.isRegularFile(file)) return NONE;
        try {
            return JSON.readValue(file.toFile(), WorkspaceSettings.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the lab's settings: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** Writes to a temporary file, then renames it, so a crash never leaves half a file. */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public WorkspaceSettings withFolders(List<Path> f) {
        return new WorkspaceSettings(f.stream().map(Path::toString).toList(), window, language, exportFolder);
    }

    public WorkspaceSettings withWindow(Window w) {
        return new WorkspaceSettings(folders, w, language, exportFolder);
    }

    public WorkspaceSettings withLanguage(String l) {
        return new WorkspaceSettings(folders, window, l, exportFolder);
    }

    public WorkspaceSettings withExportFolder(Path f) {
        return new WorkspaceSettings(folders, window, language, f.toString());
    }

    /** The folders as paths, or null when they were never chosen. */
    public List<Path> folderPaths() {
        return folders == null ? null : folders.stream().map(Path::of).toList();
    }
}
