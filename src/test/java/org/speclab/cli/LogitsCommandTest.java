package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;

/** {@code speclab logits} writes what llama.cpp's reference pack holds, in its layout. */
class LogitsCommandTest {
    private static final String IDS = "1,403,407,261,378,432,383,286,261,376,298,315,421,395,317,426";

    @Test
    void writesEveryPositionsLogitsInTheReferenceLayout(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("qwen2.f32");
        CliRun r = CliRun.of("logits", "-m", SharedFiles.require("reference/arch/qwen2-F32.gguf").toString(), "--ids", IDS, "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("16 positions × 512 tokens"), r.err());
        byte[] want = Files.readAllBytes(SharedFiles.require("reference/arch/qwen2-F32.logits.f32"));
        byte[] got = Files.readAllBytes(out);
        assertEquals(want.length, got.length);
        ByteBuffer w = ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN), g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
        double largest = 0, worst = 0;
        for (int i = 0; i < want.length / 4; i++) {
            largest = Math.max(largest, Math.abs(w.getFloat(4 * i)));
            worst = Math.max(worst, Math.abs(w.getFloat(4 * i) - g.getFloat(4 * i)));
        }
        assertTrue(worst < 1e-5 * largest, "largest difference " + worst + " of " + largest);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left beside the output");
        }
    }

    @Test
    void anIdOutsideTheVocabularyIsOneLineAndWritesNothing(@TempDir Path dir) {
        Path out = dir.resolve("x.f32");
        CliRun r = CliRun.of("logits", "-m", SharedFiles.require("reference/arch/llama-F32.gguf").toString(), "--ids", "1,512", "-o", out.toString());
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: --ids: id 512 (number 2) is outside llama-F32.gguf's vocabulary 0..511", r.err().strip());
        assertFalse(Files.exists(out));
    }

    /** -c sets the context the cache is made for (Phi-3's long or short RoPE factors); smaller than the ids, one line. */
    @Test
    void contextOption(@TempDir Path dir) throws Exception {
        String m = SharedFiles.require("reference/arch/phi3-F32.gguf").toString();
        Path a = dir.resolve("a.f32"), b = dir.resolve("b.f32");
        assertEquals(0, CliRun.of("logits", "-m", m, "--ids", "1,403,407", "-o", a.toString()).exitCode());
        assertEquals(0, CliRun.of("logits", "-m", m, "--ids", "1,403,407", "-c", "64", "-o", b.toString()).exitCode());
        // no RoPE factors in this file: the context changes nothing
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        CliRun small = CliRun.of("logits", "-m", m, "--ids", "1,403,407", "-c", "2", "-o", dir.resolve("c.f32").toString());
        assertEquals(1, small.exitCode());
        assertEquals("speclab: error: -c 2 is smaller than the 3 ids", small.err().strip());
        assertFalse(Files.exists(dir.resolve("c.f32")));
    }
}
