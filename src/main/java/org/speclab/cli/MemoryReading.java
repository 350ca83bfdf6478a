package org.speclab.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory as the OS counts it (peak resident set, mapped weights included). */
final class MemoryReading {
    private MemoryReading() {}

    static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux: fall through to the JVM's own figure
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
