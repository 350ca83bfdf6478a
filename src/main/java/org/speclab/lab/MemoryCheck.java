package org.speclab.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.speclab.engine.CacheType;
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
    public static long bytesToRun(Path model, Path tokenizer, int context) { return bytesToRun(model, tokenizer, context, CacheType.F32); }

    /** The same with a key/value cache of {@code cache}. */
    public static long bytesToRun(Path model, Path tokenizer, int context, CacheType cache) {
        try (ModelFile f = ModelFiles.open(model, tokenizer)) {
            ModelConfig c = ModelConfig.from(f);
            return f.weightBytes() + kvBytes(c, context, cache);
        }
    }

    /** A key/value cache of {@code positions} positions holding keys and values as {@code cache}. */
    public static long kvBytes(ModelConfig c, int positions, CacheType cache) {
        return 2L * c.layers() * c.kvDim() * cache.bytesPerValue() * positions;
    }

    /**
     * What a loaded run holds: the target's weights and cache, and the draft model's ({@code draft},
     * or null) for {@code positions} positions. An early-exit draft shares the target's weights; its
     * own cache of its first layers is left out. This is the {@code memory_gb} of experiment records.
     */
    public static long runBytes(org.speclab.engine.Transformer target, org.speclab.engine.Transformer draft, int positions) {
        long b = target.weightBytes() + kvBytes(target.config(), positions, target.cacheType());
        if (draft != null) b += draft.weightBytes() + kvBytes(draft.config(), positions, draft.cacheType());
        return b;
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
