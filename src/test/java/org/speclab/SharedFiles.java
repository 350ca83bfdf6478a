package org.speclab;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Test material from ../shared (never copied into the repo). Missing material fails the test
 * under CI=true and skips it elsewhere.
 */
public final class SharedFiles {
    private SharedFiles() {}

    public static Path root() {
        String env = System.getenv("SPECLAB_SHARED");
        return Path.of(env != null && !env.isBlank() ? env : "../shared").toAbsolutePath().normalize();
    }

    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String msg = "test material missing: " + p;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg + " (CI=true: ../shared must be present)");
            Assumptions.abort(msg);
        }
        return p;
    }

    public static String read(String relative) throws java.io.IOException {
        return Files.readString(require(relative));
    }
}
