package org.speclab.engine.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.engine.EngineException;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import org.speclab.quant.BlockCodec;
import org.speclab.quant.WeightType;

/**
 * A model's tensors in one device allocation, in their file layout (the kernels read GGUF blocks
 * as they are), streamed from the mapped file in chunks. Small vectors (norm weights) are
 * dequantized to float32 first. The model is refused before anything is allocated when it cannot
 * fit in the device's free memory.
 */
final class DeviceWeights implements AutoCloseable {
    /** Progress of an upload: bytes done of the total. */
    @FunctionalInterface
    interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> {};
    }

    /** A weight matrix on the device: {@code rows} rows of {@code cols} values in {@code type}'s blocks. */
    record Matrix(String name, long address, GgmlType type, int rows, int cols, long rowBytes, String kernel, int unit) {
        long byteSize() { return rowBytes * rows; }

        /** Rows from .. from + count as a matrix of their own (a fused matrix's parts). */
        Matrix rows(String part, int from, int count) {
            if (from < 0 || count <= 0 || from + count > rows) throw new IllegalArgumentException(name + ": rows " + from + " + " + count + " of " + rows);
            return new Matrix(part, address + from * rowBytes, type, count, cols, rowBytes, kernel, unit);
        }
    }

    private static final long ALIGN = 256, CHUNK = 64L << 20;
    /** Room left for activations, KV caches and the driver's own use when judging whether a model fits. */
    static final long HEADROOM = 512L << 20;

    private final Gpu gpu;
    private final long base;
    private final long bytes;
    private final Map<String, Matrix> matrices = new LinkedHashMap<>();
    private final Map<String, Long> vectors = new LinkedHashMap<>();

    DeviceWeights(Gpu gpu, ModelFile file, Progress progress) {
        this.gpu = gpu;
        List<Tensor> tensors = new ArrayList<>(file.tensors().values());
        long total = 0;
        for (Tensor t : tensors) {
            if (t.shape().length >= 2) kernelFor(t.name(), t.type(), t.shape()[0]); // unsupported types are refused before any allocation
            total += align(deviceBytes(t));
        }
        this.bytes = total;
        long[] mem = gpu.memoryInfo();
        if (total + HEADROOM > mem[0]) {
            throw new EngineException(String.format("%s does not fit on %s: its weights need %.2f GiB (+ %.2f GiB working space), the device has %.2f GiB free of %.2f GiB",
                    file.path().getFileName(), gpu.name(), total / GIB, HEADROOM / GIB, mem[0] / GIB, mem[1] / GIB));
        }
        this.base = gpu.alloc(total, "the weights of " + file.path().getFileName());
        try {
            long off = 0, done = 0, all = file.weightBytes();
            progress.update(0, all);
            for (Tensor t : tensors) {
                long at = base + off;
                if (t.shape().length >= 2) {
                    Kernel k = kernelFor(t.name(), t.type(), t.shape()[0]);
                    long rowBytes = t.type().byteSize(t.shape()[0]);
                    int rows = Math.toIntExact(t.info().rows());
                    // rows at most CHUNK bytes at a time: progress moves, and reordered rows are gathered
                    int rowsPerChunk = (int) Math.max(1, CHUNK / rowBytes);
                    for (int r = 0; r < rows; r += rowsPerChunk) {
                        int n = Math.min(rowsPerChunk, rows - r);
                        gpu.upload(at + r * rowBytes, rowsOf(t, r, n, rowBytes));
                        done += n * rowBytes;
                        progress.update(done, all);
                    }
                    matrices.put(t.name(), new Matrix(t.name(), at, t.type(), rows, Math.toIntExact(t.shape()[0]), rowBytes, k.suffix(), k.unit()));
                } else {
                    float[] v = new float[Math.toIntExact(t.info().elementCount())];
                    BlockCodec.of(t.type()).dequantize(t.data(), 0, v, 0, v.length);
                    gpu.upload(at, v, v.length);
                    vectors.put(t.name(), at);
                    done += t.info().byteSize();
                    progress.update(done, all);
                }
                off += align(deviceBytes(t));
            }
        } catch (RuntimeException e) {
            gpu.free(base);
            throw e;
        }
    }

    private static final double GIB = 1L << 30;

    private static long align(long n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

    private static long deviceBytes(Tensor t) {
        return t.shape().length >= 2 ? t.info().byteSize() : 4L * t.info().elementCount();
    }

    /** Rows r..r+n of the tensor as one segment: a slice of the mapping, or the reordered rows gathered. */
    private static MemorySegment rowsOf(Tensor t, int r, int n, long rowBytes) {
        if (t.rowOrder() == null) return t.data().asSlice(r * rowBytes, n * rowBytes);
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(n * rowBytes)]);
        for (int i = 0; i < n; i++) MemorySegment.copy(t.data(), t.rowOffset(r + i), out, i * rowBytes, rowBytes);
        return out;
    }

    /** The PTX kernels a weight type runs on ({@code suffix} of matmul_/embed_) and the values one thread takes at a time. */
    record Kernel(String suffix, int unit) {}

    /**
     * The kernel for a matrix of {@code type} with rows of {@code cols}: the one its {@link WeightType} row names;
     * float rows whose length is not a multiple of its unit take one value at a time ({@code NAME_1}).
     */
    static Kernel kernelFor(String tensor, GgmlType type, long cols) {
        WeightType w = WeightType.of(type);
        if (w == null || !w.onCuda()) {
            throw new EngineException("tensor " + tensor + ": weight type " + type + " is not supported by the CUDA engine (supported: "
                    + WeightType.names(WeightType.types(WeightType::onCuda)) + ")");
        }
        if (!type.isQuantized() && cols % w.cudaUnit != 0) return new Kernel(w.cudaKernel + "_1", 1);
        return new Kernel(w.cudaKernel, w.cudaUnit);
    }

    Matrix matrix(String name) {
        Matrix m = matrices.get(name);
        if (m == null) throw new EngineException("tensor " + name + " is missing on the device");
        return m;
    }

    long vector(String name) {
        Long a = vectors.get(name);
        if (a == null) throw new EngineException("tensor " + name + " is missing on the device");
        return a;
    }

    /** Device bytes the weights occupy. */
    long bytes() { return bytes; }

    @Override
    public void close() {
        gpu.free(base);
    }
}
