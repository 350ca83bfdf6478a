package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufWriter;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/** A model whose weights hold NaN is reported in one line, not run into garbage text. */
class NanWeightsTest {
    @Test
    void nanWeightsAreReportedNotPrinted(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("nan.gguf");
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null)) {
            List<GgufWriter.Entry> entries = new ArrayList<>();
            for (Tensor t : f.tensors().values()) {
                MemorySegment data = t.data();
                if (t.name().equals("output_norm.weight")) {
                    float[] nan = new float[Math.toIntExact(t.info().elementCount())];
                    java.util.Arrays.fill(nan, Float.NaN);
                    data = MemorySegment.ofArray(nan);
                    assertEquals(GgmlType.F32, t.type());
                }
                entries.add(new GgufWriter.Entry(t.name(), t.shape(), t.type(), GgufWriter.Data.of(data)));
            }
            GgufWriter.write(broken, f.metadata(), entries);
        }
        for (String temperature : new String[] {"0", "0.8"}) {
            CliRun r = CliRun.of("generate", "-m", broken.toString(), "-t", temperature, "-n", "20", "-p", "Once upon a time", "--seed", "1");
            assertEquals(1, r.exitCode(), r.err());
            assertTrue(r.err().contains("the model's logits are not numbers (NaN)"), r.err());
            assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("speclab: error")).count(), r.err());
        }
    }
}
