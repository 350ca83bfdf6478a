package org.speclab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Temporary folders for tests that cannot take JUnit's {@code @TempDir} (a TestFX application's static set-up, a
 * fuzz target run in a child JVM): each is deleted, with everything in it, when the JVM that made it exits, so a
 * test run leaves nothing in the system's temporary folder.
 */
public final class TempDirs {
    private static final List<Path> MADE = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MADE.forEach(TempDirs::deleteTree), "speclab-test-temp-dirs"));
    }

    private TempDirs() {}

    /** A new folder in the system's temporary folder, its name starting with {@code prefix}. */
    public static Path create(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        MADE.add(dir);
        return dir;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete test folder " + root + ": " + e.getMessage());
        }
    }

    /** For {@code TempDirsTest}: makes a folder with a file and a subfolder in it, prints its path and exits. */
    public static void main(String[] args) throws IOException {
        Path dir = create("speclab-tempdirs-test");
        Files.writeString(dir.resolve("a.txt"), "a");
        Files.createDirectories(dir.resolve("sub")).resolve("b.bin").toFile().createNewFile();
        System.out.println(dir);
    }
}
