package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.speclab.SharedFiles;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;

/**
 * F16 and quantized Llama files (llama-quantize's mixes) against llama.cpp's own logits from the reference
 * pack (../shared/reference/arch): the native integer kernels, which quantize activations to 8 bits
 * as llama.cpp does, and the Java kernels, which keep them in float32. The pack's README puts a
 * correct engine within 2–3% of the largest |logit| on quantized files, the argmax differing at a
 * few positions.
 */
class LlamaCppLogitsTest {
    private static final int[] TOKENS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    @ParameterizedTest
    @ValueSource(strings = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K_M", "Q6_K"})
    void quantizedLlamaMatchesLlamaCpp(String type) throws Exception {
        Path gguf = SharedFiles.require("reference/arch/llama-" + type + ".gguf");
        float[][] want = reference(SharedFiles.require("reference/arch/llama-" + type + ".logits.f32"), TOKENS.length);
        for (CpuBackend backend : new CpuBackend[] {new CpuBackend(), CpuBackend.javaKernels()}) {
            try (ModelFile f = ModelFiles.open(gguf, null); Transformer t = backend.load(f, 2)) {
                float[][] got = t.forward(t.newCache(TOKENS.length), TOKENS, 0, TOKENS.length);
                double largest = 0, worst = 0;
                int argmaxAgree = 0;
                for (int p = 0; p < TOKENS.length; p++) {
                    for (int i = 0; i < want[p].length; i++) {
                        largest = Math.max(largest, Math.abs(want[p][i]));
                        worst = Math.max(worst, Math.abs(want[p][i] - got[p][i]));
                    }
                    if (argmax(want[p]) == argmax(got[p])) argmaxAgree++;
                }
                String what = type + " on " + t.kernels() + ": largest difference " + worst + " of largest |logit| " + largest + ", argmax agrees at " + argmaxAgree + "/16";
                System.out.println(what);
                // F16 weights with float32 activations: about 1e-3 of the largest |logit| (the pack's README)
                assertTrue(worst <= (type.equals("F16") ? 1.5e-3 : 0.03) * largest, what);
                assertTrue(argmaxAgree >= 13, what);
            }
        }
    }

    static float[][] reference(Path file, int positions) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int vocab = b.remaining() / 4 / positions;
        float[][] logits = new float[positions][vocab];
        for (int p = 0; p < positions; p++) for (int i = 0; i < vocab; i++) logits[p][i] = b.getFloat((p * vocab + i) * 4);
        return logits;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
