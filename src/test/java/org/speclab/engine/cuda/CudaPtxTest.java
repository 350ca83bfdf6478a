package org.speclab.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.WeightType;

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
        List<String> weightKernels = weightKernels().keySet().stream().toList();
        for (String type : weightKernels) {
            assertTrue(entries.contains("matmul_" + type), "matmul_" + type);
            assertTrue(entries.contains("embed_" + type), "embed_" + type);
        }
        List<String> rest = List.of("rmsnorm", "rope", "kv_store", "attention", "swiglu", "geglu", "add", "add_bias", "scale", "softcap", "argmax", "topk");
        for (String k : rest) assertTrue(entries.contains(k), k);
        assertEquals(2 * weightKernels.size() + rest.size(), entries.size(), entries.toString());
    }

    /** The weight kernels the type table names, with their units: NAME for each row with kernels, NAME_1 beside it for float rows. */
    private static Map<String, Integer> weightKernels() {
        Map<String, Integer> k = new LinkedHashMap<>();
        for (WeightType w : WeightType.values()) {
            if (!w.onCuda()) continue;
            k.put(w.cudaKernel, w.cudaUnit);
            if (!w.ggml.isQuantized()) k.put(w.cudaKernel + "_1", 1);
        }
        return k;
    }

    /**
     * native/kernels.cu declares exactly the weight kernels the table names ({@code WEIGHT_KERNELS(name, W)}),
     * each with the table's unit ({@code W::UNIT}, or the template argument of the float ones).
     */
    @Test
    void kernelsCuHasTheTablesKernelsWithItsUnits() throws Exception {
        String cu = Files.readString(Path.of("native/kernels.cu"));
        Map<String, Integer> declared = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^WEIGHT_KERNELS\\((\\w+), (\\w+)(?:<(\\d+)>)?\\)").matcher(cu);
        while (m.find()) {
            int unit;
            if (m.group(3) != null) unit = Integer.parseInt(m.group(3));
            else {
                Matcher u = Pattern.compile("struct " + m.group(2) + " \\{\\s*static const int UNIT = (\\d+);").matcher(cu);
                assertTrue(u.find(), "no UNIT for " + m.group(2));
                unit = Integer.parseInt(u.group(1));
            }
            declared.put(m.group(1), unit);
        }
        assertEquals(weightKernels(), declared, "WEIGHT_KERNELS in native/kernels.cu against the type table");
    }

    /** The engine's refusal lists the types the table gives kernels, and a float row of odd length takes the one-value kernel. */
    @Test
    void kernelForReadsTheTable() {
        var e = assertThrows(org.speclab.engine.EngineException.class, () -> DeviceWeights.kernelFor("t", GgmlType.IQ2_XXS, 256));
        assertTrue(e.getMessage().endsWith("(supported: " + WeightType.names(WeightType.types(WeightType::onCuda)) + ")"), e.getMessage());
        assertEquals(new DeviceWeights.Kernel("f16_1", 1), DeviceWeights.kernelFor("t", GgmlType.F16, 6));
        assertEquals(new DeviceWeights.Kernel("f16", 4), DeviceWeights.kernelFor("t", GgmlType.F16, 8));
        assertEquals(new DeviceWeights.Kernel("q6_k", 16), DeviceWeights.kernelFor("t", GgmlType.Q6_K, 256));
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
