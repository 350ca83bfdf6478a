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

    public ExperimentStore(Path file) {
        this.file = file;
    }

    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".speclab", "experiments.json");
    }

    /** The records, and a warning when the file was unreadable and has been set aside ({@link org.speclab.JsonStore}). */
    public synchronized org.speclab.JsonStore.Read<List<Experiment>> load() {
        var r = org.speclab.JsonStore.read(file, new TypeReference<List<Experiment>>() {}, List.<Experiment>of());
        // an entry that is not a record (null in an edited file) is left out, not shown as an empty row
        return new org.speclab.JsonStore.Read<>(new ArrayList<>(r.value().stream().filter(java.util.Objects::nonNull).toList()), r.warning());
    }

    /** Writes all records, whole or not at all. */
    public synchronized void save(List<Experiment> all) throws IOException {
        org.speclab.JsonStore.write(file, all);
    }
}
