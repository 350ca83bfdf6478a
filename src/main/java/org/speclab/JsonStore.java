package org.speclab;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * How the lab keeps its own JSON files (settings, experiments, job history, the bandwidth cache):
 * written whole or not at all (a temporary file, forced to disk, then renamed over the old one), and
 * read forgivingly: a truncated or corrupt file is set aside as {@code NAME.corrupt-<time>} with a
 * warning, and the lab starts with the empty value instead of failing.
 */
public final class JsonStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private JsonStore() {}

    /** A value read, and what the reader should be told (null when all was well). */
    public record Read<T>(T value, String warning) {}

    /** The value in {@code file}; {@code empty} when there is none, or when it could not be read (then set aside). */
    public static <T> Read<T> read(Path file, TypeReference<T> type, T empty) {
        if (!Files.isRegularFile(file)) return new Read<>(empty, null);
        try {
            T v = JSON.readValue(file.toFile(), type);
            return new Read<>(v == null ? empty : v, null);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + LocalDateTime.now().format(STAMP));
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                return new Read<>(empty, file + " could not be read (" + why + "); it was set aside as " + aside.getFileName() + " and a new one started");
            } catch (IOException moveFailed) {
                return new Read<>(empty, file + " could not be read (" + why + ") nor set aside (" + moveFailed.getMessage() + "); starting without it");
            }
        }
    }

    /** Writes {@code value} to {@code file} atomically: temporary file, fsync, rename. */
    public static void write(Path file, Object value) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(value));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
