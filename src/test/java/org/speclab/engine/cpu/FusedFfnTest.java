package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;

/**
 * The fused FFN of short passes (each thread multiplies its rows of gate and up, applies the activation to them and
 * quantizes them for the down projection) against the unfused way (the calling thread applies the activation and
 * quantizes everything): the same logits, bit for bit, for decode steps and verify passes, at one thread and at two.
 */
class FusedFfnTest {
    @TempDir
    Path dir;

    @AfterEach
    void fuseAgain() { CpuTransformer.fuseFfn = true; }

    private static final int[] TOKENS = {1, 17, 5, 42, 9, 33, 2, 60, 7, 101, 250, 3, 77, 18, 199, 64, 12};

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K", "Q5_0"})
    void fusedAndUnfusedGiveTheSameBits(GgmlType type) throws Exception {
        NativeKernelsTest.kernels(); // the native kernels, or skipped where they cannot load
        // hidden 768: 24 blocks, so two threads' pieces end inside the gate and up rows; Q5_0 (unpacked rows) takes the
        // row kernels, which a nine-position pass leaves unfused (they read a transposed copy the fused FFN does not make)
        int hidden = type.blockSize == 256 ? 512 : 768;
        var shape = new RandomModels.Shape(256, hidden, 2, 8, 4, 300, false, type, 10000f);
        Path file = RandomModels.write(dir.resolve(type + ".gguf"), shape, 11);
        for (int threads : new int[] {1, 2}) {
            try (ModelFile f = ModelFiles.open(file, null); Transformer t = new CpuBackend().load(f, threads)) {
                CpuTransformer cpu = (CpuTransformer) t;
                assertEquals(true, cpu.fusesFfn(1), type + ": a decode step runs the FFN fused");
                assertEquals(type != GgmlType.Q5_0, cpu.fusesFfn(9), type + ": a nine-position pass");
                CpuTransformer.fuseFfn = true;
                float[][][] fused = passes(t);
                CpuTransformer.fuseFfn = false;
                assertEquals(false, cpu.fusesFfn(1));
                float[][][] unfused = passes(t);
                CpuTransformer.fuseFfn = true;
                for (int i = 0; i < fused.length; i++) {
                    for (int p = 0; p < fused[i].length; p++) {
                        assertArrayEquals(unfused[i][p], fused[i][p], type + ", threads " + threads + ", pass " + i + ", position " + p + " must be bit-identical");
                    }
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
