package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryBandwidthTest {
    @TempDir
    Path dir;

    @Test
    void aCachedFigureIsReusedUnlessSomethingReadFasterThanIt() throws Exception {
        Path cache = dir.resolve("bandwidth.json");
        Files.writeString(cache, "{\"threads-1\":1234.5}");
        assertEquals(1234.5, MemoryBandwidth.gbPerSecond(1, 10, cache));

        // a figure spoiled by a busy machine: decode was just seen reading faster, so measure again
        Files.writeString(cache, "{\"threads-1\":0.001}");
        double fresh = MemoryBandwidth.gbPerSecond(1, 0.5, cache);
        assertTrue(fresh > 0.5, "re-measured " + fresh + " GB/s");
        assertTrue(Files.readString(cache).contains(Double.toString(fresh)), Files.readString(cache));

        // a measurement never lowers the best figure seen: an unreachable demand keeps the cached value
        Files.writeString(cache, "{\"threads-1\":" + fresh + "}");
        double again = MemoryBandwidth.gbPerSecond(1, 1e9, cache);
        assertTrue(again >= fresh, again + " < " + fresh);
    }
}
