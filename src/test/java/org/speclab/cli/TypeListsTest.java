package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.engine.EngineException;
import org.speclab.engine.cpu.WeightMatrix;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.TensorInfo;
import org.speclab.jobs.QuantType;
import org.speclab.model.Tensor;
import org.speclab.quant.WeightType;

/** Every list of weight types that help and messages print is the type table's, whole and in its order. */
class TypeListsTest {
    @TempDir
    Path dir;

    private static String lower(List<GgmlType> types) {
        return types.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    /** A command's help with its wrapped lines joined. */
    private static String help(String command) {
        return CliRun.of(command, "--help").out().replaceAll("\\s+", " ");
    }

    @Test
    void synthOffersExactlyTheTypesSpecLabWrites() {
        String writable = lower(WeightType.writable());
        assertTrue(help("synth").contains(writable + " (default: f16)"), help("synth"));
        CliRun r = CliRun.of("synth", "--preset", "200m", "-o", dir.resolve("x.gguf").toString(), "--type", "iq4_nl");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("must be one of " + writable + ", found 'iq4_nl'"), r.err());
    }

    @Test
    void convertOffersExactlyTheFloatTypes() {
        String floats = lower(WeightType.floats());
        assertEquals("f32, f16, bf16", floats);
        assertTrue(help("convert").contains("--type=<type> " + floats + " for 2-D weights"), help("convert"));
        CliRun r = CliRun.of("convert", "m.gguf", "-o", dir.resolve("y.gguf").toString(), "--type", "q8_0");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("must be one of " + floats + ", found 'q8_0'"), r.err());
    }

    /** quantize's single-type choices are the table's quantized types SpecLab writes, each with its row's facts. */
    @Test
    void quantizeOffersEveryQuantizedTypeSpecLabWrites() {
        Set<GgmlType> singles = Stream.of(QuantType.values()).filter(q -> !q.isMix()).map(q -> q.base).collect(Collectors.toSet());
        assertEquals(Set.copyOf(WeightType.types(w -> w.writes() && w.ggml.isQuantized())), singles);
        for (QuantType q : QuantType.values()) {
            if (q.isMix()) continue;
            assertEquals(WeightType.of(q.base).fileType, q.fileType, q.name());
            assertEquals(WeightType.of(q.base).bitsPerWeight(), q.bitsPerWeight(), q.name());
        }
        assertTrue(help("quantize").contains(QuantType.names() + ", int8, int4.g32"), help("quantize"));
    }

    @Test
    void theCpuEngineRefusesWithTheTypesItReads() {
        Tensor t = new Tensor(new TensorInfo("blk.0.ffn_up.weight", new long[] {256, 2}, GgmlType.IQ2_XXS, 0), Arena.ofAuto().allocate(2 * 66));
        var e = assertThrows(EngineException.class, () -> WeightMatrix.of(t));
        assertEquals("tensor blk.0.ffn_up.weight: weight type IQ2_XXS is not supported by the CPU engine (supported: "
                + WeightType.names(WeightType.readable()) + ")", e.getMessage());
    }
}
