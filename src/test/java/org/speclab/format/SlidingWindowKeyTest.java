package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * {@code attention.sliding_window} is honoured only by the families that use it (Phi-3, Gemma 2), as
 * llama.cpp does: a Llama file that carries the key (Mistral's converters write 4096) runs with full
 * attention, whatever the key says.
 */
class SlidingWindowKeyTest {
    @TempDir
    Path dir;

    @Test
    void aLlamaFileIgnoresTheKey() throws Exception {
        TinyLlama m = TinyLlama.random(TinyLlama.Shape.DEFAULT, GgmlType.F32, false, 3);
        Path plain = m.writeGguf(dir.resolve("plain.gguf"));
        Path keyed = m.writeGguf(dir.resolve("keyed.gguf"), Map.of("llama.attention.sliding_window", GgufValue.ofUInt32(2)), List.of());
        try (ModelFile f = ModelFiles.open(keyed, null)) {
            assertEquals(0, ModelConfig.from(f).slidingWindow());
        }
        float[][] a = HuggingFaceCheckpointTest.logits(plain), b = HuggingFaceCheckpointTest.logits(keyed);
        for (int p = 0; p < a.length; p++) assertArrayEquals(a[p], b[p], "position " + p);
    }
}
