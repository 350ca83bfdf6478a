package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.engine.Transformer;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;

/** The kernels a model runs on, as bench's Kernels line says them: the Java ones with the reason the native ones are not there. */
class KernelsLineTest {
    @Test
    void theJavaKernelsSayWhyTheNativeOnesDoNotRun() {
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null);
             Transformer t = new CpuBackend().load(f, 1); Transformer java = CpuBackend.javaKernels().load(f, 1)) {
            String bits = CpuBackend.vectorBits() + "-bit";
            if ("off".equals(System.getProperty("speclab.native"))) // the engine suites at 256 and 128 bits
                assertEquals("Java Vector API " + bits + " kernels (native kernels turned off)", t.kernels());
            else if (NativeKernels.get() == null)
                assertTrue(t.kernels().startsWith("Java Vector API " + bits + " kernels (") && t.kernels().endsWith(")"), t.kernels());
            else
                assertTrue(t.kernels().startsWith("native "), t.kernels());
            // chosen, not fallen back to: nothing to explain
            assertEquals(NativeKernels.get() == null ? t.kernels() : "Java Vector API " + bits + " kernels", java.kernels());
        }
    }
}
