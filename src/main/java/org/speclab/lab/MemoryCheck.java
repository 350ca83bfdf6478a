package org.speclab.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * Whether a run fits before anything is loaded: a model's weights plus its key/value cache against
 * the memory this machine has available now (Linux: MemAvailable of /proc/meminfo, which counts the
 * page cache that can be given back; elsewhere the free physical memory the JVM reports). The
 * property {@code speclab.memory.available} (bytes) overrides the reading, for tests.
 */
public final class MemoryCheck {
    private MemoryCheck() {}

    /** Bytes a model needs to run with {@code context} positions: weights and a float32 key/value cache. */
    public static long bytesToRun(Path model, Path tokenizer, int context) {
        try (ModelFile f = ModelFiles.open(model, tokenizer)) {
            ModelConfig c = ModelConfig.from(f);
            return f.weightBytes() + 2L * c.layers() * c.kvDim() * 4L * context;
        }
    }

    /** The memory available to a new run now, in bytes. */
    public static long available() {
        String forced = System.getProperty("speclab.memory.available");
        if (forced != null) return Long.parseLong(forced);
        Path meminfo = Path.of("/proc/meminfo");
        if (Files.isReadable(meminfo)) {
            try {
                for (String line : Files.readAllLines(meminfo)) {
                    if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            } catch (IOException | NumberFormatException e) {
                // fall through to the JVM's figure
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os.getFreeMemorySize();
    }

    /** Whether {@code bytes} fit in what is available now. */
    public static boolean fits(long bytes) {
        return bytes <= available();
    }
}
