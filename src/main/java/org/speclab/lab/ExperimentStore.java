package org.speclab.lab;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** Experiment records kept as JSON in the workspace, so the table survives a restart. */
public final class ExperimentStore {
    private final Path file;
    private final ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ExperimentStore(Path file) {
        this.file = file;
    }

    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".speclab", "experiments.json");
    }

    public synchronized List<Experiment> load() {
        if (!Files.isRegularFile(file)) return new ArrayList<>();
        try {
            return new ArrayList<>(om.readValue(file.toFile(), new TypeReference<List<Experiment>>() {}));
        } catch (IOException e) {
            throw new IllegalStateException(file + ": cannot read the experiment records: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** Writes all records (to a temporary file, then renamed, so a crash never leaves half a file). */
    public synchronized void save(List<Experiment> all) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        om.writeValue(tmp.toFile(), all);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
