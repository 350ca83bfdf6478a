package org.speclab.jobs;

import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.TensorInfo;
import org.speclab.model.Tensor;

/**
 * Conversion throughput through the job's own streaming path (all cores): a 4096 × 4096 F16 weight
 * (32 MB) re-encoded as Q8_0, Q4_0, Q4_K or F32 → F16. The "inputBytes" counter is input bytes per
 * second. Goal: ≥ 100 MB/s of F16 input to Q8_0 or Q4_0 on 2 cores. Run: bench/jmh QuantizeBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QuantizeBenchmark {
    @Param({"Q8_0", "Q4_0", "Q4_K"})
    public String target;

    private Arena arena;
    private Tensor f16;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long inputBytes;

        @Setup(Level.Iteration)
        public void reset() {
            inputBytes = 0;
        }
    }

    @Setup
    public void setup() {
        int n = 4096;
        arena = Arena.ofShared();
        MemorySegment seg = arena.allocate((long) n * n * 2);
        Random r = new Random(1);
        var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (long) n * n; i++) seg.setAtIndex(le, i, Float.floatToFloat16((float) r.nextGaussian() * 0.02f));
        f16 = new Tensor(new TensorInfo("w", new long[] {n, n}, GgmlType.F16, 0), seg);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void convert(Bytes counter) throws Exception {
        GgufExport.convert(f16, GgmlType.valueOf(target), OutputStream.nullOutputStream(), JobContext.silent());
        counter.inputBytes += f16.data().byteSize();
    }
}
