package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.SharedFiles;
import org.speclab.engine.CacheType;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;

/**
 * The fused blocks of short passes against the unfused way, the same logits bit for bit, for decode steps and verify
 * passes, at one thread and at two: the FFN of verify passes (each thread multiplies its rows of gate and up, applies
 * the activation and quantizes them for the down projection) and the attention block (each thread takes a key head through q, k, v,
 * RoPE, the cache, attention and the quantization of its heads' outputs), each alone and both.
 */
class FusedPassesTest {
    @TempDir
    Path dir;

    @AfterEach
    void fuseAgain() {
        FusedBlocks.fuseFfn = true;
        FusedBlocks.fuseAttention = true;
    }

    private static final int[] TOKENS = {1, 17, 5, 42, 9, 33, 2, 60, 7, 101, 250, 3, 77, 18, 199, 64, 12};

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void fusedAndUnfusedGiveTheSameBits(GgmlType type) throws Exception {
        check(type);
    }

    /**
     * Matrices left unpacked (every type packs, but {@code -Dspeclab.native.pack=off} keeps the row kernels): a
     * nine-position pass runs unfused, since the row kernels read a transposed copy the fused blocks do not make.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q6_K"})
    void unpackedRowsLeaveANinePositionPassUnfused(GgmlType type) throws Exception {
        boolean was = NativeKernels.packing;
        NativeKernels.packing = false;
        try {
            check(type);
        } finally {
            NativeKernels.packing = was;
        }
    }

    private void check(GgmlType type) throws Exception {
        NativeKernelsTest.kernels(); // the native kernels, or skipped where they cannot load
        boolean packed = NativeKernels.packing;
        // hidden 768: 24 blocks, so two threads' pieces end inside the gate and up rows
        int hidden = type.blockSize == 256 ? 512 : 768;
        // eight heads of 32 on four key heads (two a key head), and on two (four: Attention's runs of four); packed Q6_K, Q3_K
        // and Q2_K also eight heads of 64 on two key heads, whose 256 output values a key head are a whole span of blocks
        // sharing one scale (QuantizedActivations.span), so each piece quantizes its own, where with fewer the calling
        // thread does
        int[][] shapes = QuantizedActivations.superBlockScale(type) && packed ? new int[][] {{256, 4}, {256, 2}, {512, 2}} : new int[][] {{256, 4}, {256, 2}};
        for (int[] dimAndKvHeads : shapes) {
            int dim = dimAndKvHeads[0], kvHeads = dimAndKvHeads[1];
            var shape = new RandomModels.Shape(dim, hidden, 2, 8, kvHeads, 300, false, type, 10000f);
            Path file = RandomModels.write(dir.resolve(type + "-" + dim + "-" + kvHeads + ".gguf"), shape, 11);
            for (int threads : new int[] {1, 2}) {
                for (CacheType cacheType : CacheType.values()) {
                    try (ModelFile f = ModelFiles.open(file, null); Transformer t = new CpuBackend().load(f, threads, cacheType)) {
                        String what = type + (packed ? "" : " unpacked") + ", dim " + dim + ", " + kvHeads + " key heads, threads " + threads + ", " + cacheType + " cache";
                        CpuTransformer cpu = (CpuTransformer) t;
                        assertEquals(true, !cpu.fusesFfn(1) && cpu.fusesAttention(1), what + ": a decode step runs attention fused, the FFN not");
                        assertEquals(true, cpu.fusesFfn(5) && cpu.fusesAttention(5), what + ": a five-position pass runs fused");
                        // F16 takes no transposed copy: fused unpacked too (AVX2 keeps F16 unpacked)
                        assertEquals(packed || type == GgmlType.F16, cpu.fusesFfn(9) && cpu.fusesAttention(9), what + ": a nine-position pass");
                        assertSameBits(t, what);
                    }
                }
            }
        }
    }

    /**
     * The reference pack's families (../shared/reference/arch): Qwen 2's q, k and v biases, Gemma 2's GELU, soft-capping
     * and sliding window, Phi 3's fused q, k, v and gate, up tensors, on the native kernels at two threads.
     */
    @Test
    void everyFamilyOfTheReferencePackGivesTheSameBits() throws Exception {
        NativeKernelsTest.kernels();
        for (String stem : new String[] {"llama-Q4_K_M", "qwen2-Q4_0", "qwen2-Q6_K", "phi3-F16", "gemma2-F16"}) {
            try (ModelFile f = ModelFiles.open(SharedFiles.require("reference/arch/" + stem + ".gguf"), null); Transformer t = new CpuBackend().load(f, 2)) {
                assertEquals(true, ((CpuTransformer) t).fusesAttention(9) && ((CpuTransformer) t).fusesFfn(9), stem + " runs a nine-position pass fused");
                assertSameBits(t, stem);
            }
        }
    }

    /** Fused (both blocks, each alone) against unfused: the same logits. */
    private static void assertSameBits(Transformer t, String what) {
        FusedBlocks.fuseFfn = false;
        FusedBlocks.fuseAttention = false;
        float[][][] unfused = passes(t);
        for (int mode = 1; mode <= 3; mode++) {
            FusedBlocks.fuseFfn = (mode & 1) != 0;
            FusedBlocks.fuseAttention = (mode & 2) != 0;
            float[][][] fused = passes(t);
            for (int i = 0; i < fused.length; i++) {
                for (int p = 0; p < fused[i].length; p++) {
                    assertArrayEquals(unfused[i][p], fused[i][p], what + ", FFN " + (mode & 1) + " attention " + (mode >> 1) + ", pass " + i + ", position " + p + " must be bit-identical");
                }
            }
        }
    }

    /** Three decode steps, then passes of 5 and 9 positions (verify passes of k = 4 and k = 8). */
    private static float[][][] passes(Transformer t) {
        KvCache kv = t.newCache(TOKENS.length);
        float[][][] out = new float[5][][];
        for (int p = 0; p < 3; p++) out[p] = t.forward(kv, new int[] {TOKENS[p]}, p, 1);
        out[3] = t.forward(kv, java.util.Arrays.copyOfRange(TOKENS, 3, 8), 3, 5);
        out[4] = t.forward(kv, java.util.Arrays.copyOfRange(TOKENS, 8, 17), 8, 9);
        return out;
    }
}
