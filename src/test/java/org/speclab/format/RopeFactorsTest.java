package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufWriter;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelFile;

/** Long-context RoPE factors (Phi-3 128k) are refused in one line, never run as if absent. */
class RopeFactorsTest {
    @TempDir
    Path dir;

    @Test
    void longRopeFactorsAreRefused() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        byte[] ones = new byte[4 * 8];
        java.nio.ByteBuffer.wrap(ones).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(new float[] {1, 1, 1, 1, 1, 1, 1, 1});
        Path file = m.writeGguf(dir.resolve("long.gguf"), Map.of(),
                List.of(new GgufWriter.Entry("rope_factors_long.weight", new long[] {8}, GgmlType.F32, GgufWriter.Data.of(ones))));
        try (ModelFile f = ModelFiles.open(file, null)) {
            var e = assertThrows(ModelFormatException.class, () -> new CpuBackend().load(f, 1).close());
            assertTrue(e.getMessage().contains("rope_factors_long.weight") && e.getMessage().contains("not supported yet"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }
}
