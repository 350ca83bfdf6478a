package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packed weights' memory: 2 MiB-aligned chunks advised for huge pages, matrices placed inside, all unmapped on close. */
class PackedArenaTest {
    private static final long MIB = 1L << 20;

    @Test
    void matricesLieApartInAlignedChunksAndGoWithTheArena() {
        NativeKernels k = NativeKernelsTest.kernels();
        PackedArena a = new PackedArena(k);
        List<MemorySegment> segs = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < 50; i++) { // 1.6 MB each, as a 2,816 × 1,024 Q4_K matrix packs: several chunks
            long size = 1_622_016 + 64L * i;
            MemorySegment s = a.allocate(size, 64);
            assertEquals(size, s.byteSize());
            assertEquals(0, s.address() % 64);
            assertEquals(0, s.get(ValueLayout.JAVA_LONG, size - 8), "fresh memory reads zero");
            s.fill((byte) i);
            segs.add(s);
            sum += size;
        }
        MemorySegment big = a.allocate(40 * MIB + 3, 64); // more than a chunk: a chunk of its own
        big.set(ValueLayout.JAVA_BYTE, big.byteSize() - 1, (byte) 7);
        sum += big.byteSize();
        for (int i = 0; i < segs.size(); i++) assertEquals((byte) i, segs.get(i).get(ValueLayout.JAVA_BYTE, 0), "matrix " + i + " was overwritten");
        for (int i = 0; i + 1 < segs.size(); i++)
            for (int j = i + 1; j < segs.size(); j++) {
                MemorySegment x = segs.get(i), y = segs.get(j);
                assertTrue(x.address() + x.byteSize() <= y.address() || y.address() + y.byteSize() <= x.address(), i + " and " + j + " overlap");
            }
        assertEquals(sum, a.placed());
        long mapped = 0;
        for (long[] c : a.chunks()) {
            assertEquals(0, c[0] % NativeKernels.HUGE_PAGE, "chunk at " + Long.toHexString(c[0]));
            assertTrue(c[1] >= PackedArena.CHUNK && c[1] % NativeKernels.HUGE_PAGE == 0, c[1] + " bytes");
            mapped += c[1];
        }
        assertEquals(mapped, a.mappedAndAdvised()[0]);
        assertTrue(a.chunks().size() >= 4, a.chunks().size() + " chunks for " + sum + " bytes");
        assertTrue(a.chunks().stream().anyMatch(c -> c[1] == 42 * MIB), "the 40 MiB matrix's chunk");
        String mode = PackedArena.thpMode();
        if ("madvise".equals(mode) || "always".equals(mode)) assertEquals(mapped, a.mappedAndAdvised()[1], "the system takes the advice where THP is " + mode);
        assertTrue(a.pages().startsWith(String.format(java.util.Locale.ROOT, "packed weights %.1f MiB", sum / 1048576.0)), a.pages());
        a.close();
        assertFalse(segs.get(0).scope().isAlive());
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** A model with a classifier of its own reads its embedding a row at a time: every matrix but the embedding is packed. */
    @Test
    void anUntiedEmbeddingHasNoPackedCopy() {
        NativeKernels k = NativeKernelsTest.kernels();
        try (org.speclab.model.ModelFile f = org.speclab.format.ModelFiles.open(org.speclab.SharedFiles.require("reference/arch/llama-Q4_0.gguf"), null);
             CpuTransformer t = new CpuTransformer(f, 1, k, org.speclab.engine.CacheType.F32)) {
            assertTrue(f.optionalTensor("output.weight") != null, "the reference file has a classifier of its own");
            long expected = 0;
            for (var e : f.tensors().entrySet()) {
                var info = e.getValue().info();
                if (e.getKey().equals("token_embd.weight") || info.shape().length < 2 || !k.packs(info.type()) || info.rows() < NativeKernels.PACK_ROWS) continue;
                expected += k.packedBytes(info.type(), info.type().byteSize(info.shape()[0]), Math.toIntExact(info.rows()));
            }
            assertTrue(expected > 0);
            assertEquals(expected, t.packedBytes());
        }
    }

    @Test
    void turnedOffItGivesPlainMemoryAndSaysSo() {
        try (PackedArena a = new PackedArena(NativeKernelsTest.kernels(), false)) {
            MemorySegment s = a.allocate(3 * MIB, 64);
            s.fill((byte) 1);
            assertEquals(0, s.address() % 64);
            assertEquals(3 * MIB, a.placed());
            assertTrue(a.chunks().isEmpty());
            assertEquals("packed weights 3.0 MiB in the system's default pages (-Dspeclab.native.hugepages=off)", a.pages());
        }
    }

    @Test
    void hugePagesAreCountedInTheChunksMappingsOnly() {
        String smaps = """
                7f0000000000-7f0002000000 rw-p 00000000 00:00 0
                Size:              32768 kB
                AnonHugePages:     30720 kB
                7f0002000000-7f0002400000 rw-p 00000000 00:00 0
                AnonHugePages:      4096 kB
                7f0010000000-7f0012000000 rw-p 00000000 00:00 0 \s
                AnonHugePages:      2048 kB
                """;
        List<long[]> chunks = List.of(new long[] {0x7f0000000000L, 32 * MIB}, new long[] {0x7f0010000000L, 32 * MIB});
        assertEquals(32 * MIB, PackedArena.hugeBacked(smaps, chunks));
        assertEquals(0, PackedArena.hugeBacked(smaps, List.of(new long[] {0x7f0020000000L, 32 * MIB})));
        assertEquals(-1, PackedArena.hugeBacked(null, chunks));
    }

    @Test
    void theSentenceSaysWhereTheWeightsLie() {
        assertEquals("packed weights 120.0 MiB, all in 2 MiB pages, 61 of them (transparent huge pages: madvise)",
                PackedArena.pages(120 * MIB, 128 * MIB, 122 * MIB, "madvise", true));
        assertEquals("packed weights 120.0 MiB, 60.0 MiB of it in 2 MiB pages, the rest in 4 KiB pages (transparent huge pages: always)",
                PackedArena.pages(120 * MIB, 128 * MIB, 60 * MIB, "always", true));
        assertEquals("packed weights 120.0 MiB in 4 KiB pages: transparent huge pages are off on this system (never in "
                + "/sys/kernel/mm/transparent_hugepage/enabled); madvise or always would let SpecLab place them in 2 MiB pages",
                PackedArena.pages(120 * MIB, 128 * MIB, 0, "never", true));
        assertEquals("packed weights 120.0 MiB in 4 KiB pages: the system gave no 2 MiB pages (transparent huge pages: madvise)",
                PackedArena.pages(120 * MIB, 128 * MIB, 0, "madvise", true));
        assertEquals("packed weights 120.0 MiB in the system's default pages (-Dspeclab.native.hugepages=off)",
                PackedArena.pages(120 * MIB, 0, 0, null, false));
    }
}
