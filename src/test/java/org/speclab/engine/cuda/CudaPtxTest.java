package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The PTX shipped in the jar: loadable by CUDA 12.0 drivers, complete, and built from the current native/kernels.cu. */
class CudaPtxTest {
    static String shipped() throws Exception {
        try (InputStream in = JCudaGpu.class.getResourceAsStream("kernels.ptx")) {
            assertTrue(in != null, "kernels.ptx is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void loadsOnCuda12DriversAndHasEveryKernelTheEngineLaunches() throws Exception {
        String ptx = shipped();
        List<String> lines = ptx.lines().toList();
        assertTrue(lines.contains(".version 8.0"), "PTX ISA 8.0 is what CUDA 12.0 drivers read");
        assertTrue(lines.contains(".target sm_75"), "compute_75: the oldest target nvcc 13 builds");
        // the names JCudaGpu finds (and looks up when it opens the device, before any graph is recorded)
        List<String> entries = JCudaGpu.entries(ptx.getBytes(StandardCharsets.US_ASCII));
        for (String type : List.of("f32", "f32_1", "f16", "f16_1", "bf16", "bf16_1", "q8_0", "q4_0", "q4_1", "q4_k", "q6_k",
                "q5_0", "q5_1", "q5_k", "iq4_nl", "iq4_xs", "q2_k", "q3_k")) {
            assertTrue(entries.contains("matmul_" + type), "matmul_" + type);
            assertTrue(entries.contains("embed_" + type), "embed_" + type);
        }
        for (String k : List.of("rmsnorm", "rope", "kv_store", "attention", "swiglu", "geglu", "add", "add_bias", "scale", "softcap", "argmax", "topk")) assertTrue(entries.contains(k), k);
        assertEquals(48, entries.size(), entries.toString());
    }

    @Test
    void shippedPtxIsTheBuildOfTheCurrentSources() throws Exception {
        Path nvcc = nvcc();
        Assumptions.assumeTrue(nvcc != null, "nvcc not found: the shipped PTX cannot be rebuilt here");
        String version = run(List.of(nvcc.toString(), "--version"));
        String release = version.lines().filter(l -> l.startsWith("Cuda compilation tools")).findFirst().orElse("?");
        String shipped = shipped();
        // another nvcc writes other (equally valid) PTX; the file records which one built it
        Assumptions.assumeTrue(shipped.contains("// " + release + "\n"),
                "kernels.ptx was built by another nvcc than this one (" + release + "); rebuild it with native/build.sh to compare");
        Path out = Path.of("target/ptx-check").toAbsolutePath();
        run(List.of("sh", "native/build.sh", out.toString()), "NVCC", nvcc.toString());
        assertEquals(Files.readString(out.resolve("kernels.ptx")), shipped,
                "src/main/resources/org/speclab/engine/cuda/kernels.ptx is stale: run native/build.sh and commit it");
    }

    private static Path nvcc() {
        for (String dir : (System.getenv("PATH") + ":/usr/local/cuda/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "nvcc");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String run(List<String> cmd, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }
}
