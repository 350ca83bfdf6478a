package org.speclab.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.SharedFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufFile;

/** The type table against what it describes: the codecs' blocks, llama.cpp's files, and the lists made from it. */
class WeightTypeTest {
    @Test
    void oneRowPerTypeInGgmlOrderEachWithItsOwnCodec() {
        int lastId = -1;
        for (WeightType w : WeightType.values()) {
            assertEquals(w.ggml.name(), w.name());
            assertEquals(w.ggml, w.codec.type(), w + "'s codec");
            assertTrue(w.ggml.id > lastId, w + " out of GgmlType's order");
            lastId = w.ggml.id;
            assertEquals(w, WeightType.of(w.ggml));
        }
    }

    /**
     * Each codec's blocks are the row's: n = 2 blocks fit exactly 2 · typeSize bytes (a larger block
     * writes or reads past them), and the second block alone, at byte typeSize, is what the pair holds
     * from value blockSize on (a different block size or stride would move it).
     */
    @ParameterizedTest
    @EnumSource(WeightType.class)
    void codecBlocksHaveTheRowsLayout(WeightType w) {
        int bs = w.ggml.blockSize, ts = w.ggml.typeSize;
        Random rnd = new Random(w.ordinal());
        float[] x = new float[2 * bs];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pair = a.allocate(2L * ts), second = a.allocate(ts);
            if (w.writes()) {
                w.codec.quantize(x, 0, 2 * bs, pair, 0);
                w.codec.quantize(x, bs, bs, second, 0);
                assertArrayEquals(second.toArray(ValueLayout.JAVA_BYTE), pair.asSlice(ts, ts).toArray(ValueLayout.JAVA_BYTE), w + ": second block's bytes");
            } else {
                byte[] random = new byte[2 * ts];
                rnd.nextBytes(random);
                MemorySegment.copy(random, 0, pair, ValueLayout.JAVA_BYTE, 0, random.length);
            }
            float[] both = new float[2 * bs], alone = new float[bs];
            w.codec.dequantize(pair, 0, both, 0, 2 * bs);
            w.codec.dequantize(pair, ts, alone, 0, bs);
            assertArrayEquals(alone, java.util.Arrays.copyOfRange(both, bs, 2 * bs), w + ": second block's values");
        }
    }

    /** llama.cpp's own files (../shared/reference/arch, made by llama-quantize) carry the row's file-type number. */
    @Test
    void fileTypesAreTheOnesLlamaCppWrites() throws Exception {
        Path dir = SharedFiles.require("reference/arch");
        int checked = 0;
        for (WeightType w : WeightType.values()) {
            Path file = dir.resolve("llama-" + w.name() + ".gguf");
            if (!Files.exists(file)) continue; // the single K types Q3_K, Q4_K, Q5_K have no llama.cpp file of their own
            try (GgufFile f = GgufFile.open(file)) {
                assertEquals(w.fileType, f.metadata().get("general.file_type").asLong(), file.getFileName().toString());
            }
            checked++;
        }
        assertTrue(checked >= 11, checked + " files checked");
        Set<Integer> seen = new HashSet<>();
        for (WeightType w : WeightType.values()) assertTrue(seen.add(w.fileType), w + " repeats file type " + w.fileType);
    }

    /** What quantize writes for short rows is a type it writes, with a smaller block (the F16 last resort aside). */
    @Test
    void shortRowsFallBackToSmallerBlocksSpecLabWrites() {
        for (WeightType w : WeightType.values()) {
            if (!w.writes()) continue;
            WeightType to = WeightType.of(w.shortRows);
            assertTrue(to != null && to.writes(), w + " falls back to " + w.shortRows + ", which SpecLab does not write");
            assertTrue(w.shortRows == w.ggml ? w.ggml.blockSize <= 32 : w.shortRows.blockSize < w.ggml.blockSize, w + " → " + w.shortRows);
        }
        assertEquals(GgmlType.Q5_0, WeightType.Q4_K.shortRows); // llama.cpp's convert_incompatible_tensor
        assertEquals(GgmlType.Q5_1, WeightType.Q5_K.shortRows);
        assertEquals(GgmlType.Q8_0, WeightType.Q6_K.shortRows);
    }

    @Test
    void theListsAreTheTables() {
        assertEquals(Stream.of(WeightType.values()).map(w -> w.ggml).toList(), WeightType.readable());
        assertEquals(java.util.List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16), WeightType.floats());
        assertTrue(!WeightType.writable().contains(GgmlType.IQ4_NL) && WeightType.writable().contains(GgmlType.Q2_K));
        String names = String.join(", ", Stream.of(WeightType.values()).map(Enum::name).toList());
        var e = assertThrows(IllegalArgumentException.class, () -> BlockCodec.of(GgmlType.IQ2_XXS));
        assertEquals("no codec for tensor type IQ2_XXS (SpecLab reads " + names + ")", e.getMessage());
        assertEquals(GgmlType.Q8_0.typeSize * 8.0 / GgmlType.Q8_0.blockSize, WeightType.Q8_0.bitsPerWeight());
    }
}
