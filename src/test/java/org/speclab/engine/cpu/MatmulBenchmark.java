package org.speclab.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.BlockCodec;

/**
 * One thread's matrix product of a 2048 × 2048 weight matrix (4 M weights: larger than the caches
 * of most CPUs, so the weights stream from memory as in decode) with 1, 5 or 9 positions (decode,
 * a k = 4 and a k = 8 verify), on the native packed kernels (sixteen rows side by side, where the
 * type and instruction set pack), the native row kernels and the Java Vector API kernels. Time per
 * product; weights per second = 4,194,304 / time.
 * Run: bench/jmh MatmulBenchmark; other widths: bench/jmh MatmulBenchmark -jvmArgsAppend
 * "-Dspeclab.vector.bits=256 -Dspeclab.native.isa=avx2".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    private static final int N = 2048;

    @Param({"F16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"packed", "native", "java"})
    public String kernels;

    @Param({"1", "5", "9"})
    public int positions;

    private WeightMatrix w;
    private float[][] x, out;
    private QuantizedActivations acts;
    private MemorySegment nativeOut;

    @Setup
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        Random r = new Random(1);
        float[] values = new float[N];
        BlockCodec codec = BlockCodec.of(t);
        long rowBytes = t.byteSize(N);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * N, 64);
        for (int row = 0; row < N; row++) {
            for (int j = 0; j < N; j++) values[j] = (float) r.nextGaussian() * 0.05f;
            codec.quantize(values, 0, N, data, row * rowBytes);
        }
        NativeKernels k = NativeKernels.get();
        if (!kernels.equals("java") && k == null) throw new IllegalStateException(NativeKernels.status());
        w = switch (kernels) {
            case "packed" -> new WeightMatrix.Native(data, N, N, codec, k);
            case "native" -> new WeightMatrix.Native(data, N, N, codec, k, (MemorySegment) null);
            default -> javaMatrix(t, data);
        };
        x = new float[positions][N];
        for (float[] v : x) for (int j = 0; j < N; j++) v[j] = (float) r.nextGaussian();
        out = new float[positions][N];
        acts = new QuantizedActivations();
        nativeOut = acts.out((long) positions * N);
    }

    private static WeightMatrix javaMatrix(GgmlType t, MemorySegment data) {
        return switch (t) {
            case F16 -> new WeightMatrix.F16(data, N, N);
            case Q8_0 -> new WeightMatrix.Q8_0(data, N, N);
            case Q4_0 -> new WeightMatrix.Q4_0(data, N, N);
            case Q4_1 -> new WeightMatrix.Q4_1(data, N, N);
            default -> new WeightMatrix.KQuant(data, N, N, BlockCodec.of(t));
        };
    }

    @Benchmark
    public float product() {
        if (w instanceof WeightMatrix.Native nw) {
            acts.prepare(nw, x, positions);
            acts.multiply(nw, 0, N, positions, nativeOut);
            return nativeOut.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0);
        }
        JavaRowProducts.matmulRows(w, x, out, positions, 0, N);
        return out[0][0];
    }
}
