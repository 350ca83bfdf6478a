package org.speclab.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.speclab.engine.EngineException;
import org.speclab.model.Tensor;

/**
 * A {@code rows × cols} weight matrix stored in one ggml type, read in place from the mapped file.
 * Each type is one small class: {@code get} for single elements, {@code dot} for a row times a vector.
 * Dots accumulate in float32 from left to right, as llama2.c's reference loop does.
 */
public sealed interface WeightMatrix permits WeightMatrix.F32, WeightMatrix.F16, WeightMatrix.BF16 {
    ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    int rows();

    int cols();

    float get(long index);

    /** Row {@code row} times {@code x[0 .. cols)}. */
    default float dot(int row, float[] x) {
        long base = (long) row * cols();
        float sum = 0f;
        for (int j = 0; j < cols(); j++) sum += get(base + j) * x[j];
        return sum;
    }

    default void row(int row, float[] out) {
        long base = (long) row * cols();
        for (int j = 0; j < cols(); j++) out[j] = get(base + j);
    }

    static WeightMatrix of(Tensor t) {
        long[] s = t.shape();
        int cols = Math.toIntExact(s[0]);
        int rows = Math.toIntExact(t.info().rows());
        MemorySegment d = t.data();
        return switch (t.type()) {
            case F32 -> new F32(d, rows, cols);
            case F16 -> new F16(d, rows, cols);
            case BF16 -> new BF16(d, rows, cols);
            default -> throw new EngineException("tensor " + t.name() + ": weight type " + t.type()
                    + " is not supported by the CPU engine yet (supported: F32, F16, BF16)");
        };
    }

    record F32(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return data.getAtIndex(FLOAT, i); }
    }

    record F16(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return Float.float16ToFloat(data.getAtIndex(SHORT, i)); }
    }

    record BF16(MemorySegment data, int rows, int cols) implements WeightMatrix {
        @Override
        public float get(long i) { return Float.intBitsToFloat(data.getAtIndex(SHORT, i) << 16); }
    }
}
