package org.speclab.engine.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The device operations the CUDA engine needs, on plain {@code long} device addresses: JCudaGpu
 * runs them through the driver API; the tests also run them on a CPU emulation of the kernels, so
 * the engine's host side is exercised on machines without a GPU. Every failure is an
 * {@link org.speclab.engine.EngineException} whose message names the operation or the kernel.
 */
interface Gpu extends AutoCloseable {
    /** e.g. "cuda:0 NVIDIA H200". */
    String name();

    /** {@code bytes} of device memory; {@code what} names the use in an out-of-memory message. */
    long alloc(long bytes, String what);

    void free(long address);

    /** Host bytes (a mapped file's, or any segment's) to device memory, through pinned staging buffers. */
    void upload(long dst, MemorySegment src);

    void upload(long dst, int[] src, int count);

    void upload(long dst, float[] src, int count);

    void download(float[] dst, int dstOffset, long src, int count);

    void download(int[] dst, long src, int count);

    void copy(long dst, long src, long bytes);

    /**
     * Launches {@code kernel} on gridX × gridY blocks of {@code block} threads. Arguments: Long for
     * device addresses and C {@code long long}, Integer for int, Float for float, in the kernel's order.
     */
    void launch(String kernel, int gridX, int gridY, int block, Object... args);

    /**
     * Whether {@link #gemm} can run here: cuBLAS loaded (libcublas is optional; everything else
     * works with the driver alone).
     */
    default boolean hasGemm() { return false; }

    /**
     * cuBLAS's float32 matrix product: y[t][r] = Σ_c w[r][c] · x[t][c] for r &lt; rows, t &lt; T, with
     * w row-major [rows][cols], x row-major [T][cols], and y's rows {@code ldy} floats apart.
     */
    default void gemm(long w, int rows, int cols, long x, int T, long y, int ldy) {
        throw new UnsupportedOperationException(name() + " has no cuBLAS");
    }

    /**
     * Records the launches {@code work} makes, without running them, as one graph to replay (CUDA
     * graphs); null where this device does not record. Only launches may happen inside: no copies,
     * uploads or allocations.
     */
    default Object capture(Runnable work) { return null; }

    /** Runs a recorded graph's launches again, in order, after the work queued before. */
    default void replay(Object graph) { throw new UnsupportedOperationException(name() + " records no graphs"); }

    /** Frees a recorded graph. */
    default void release(Object graph) {}

    /** Waits for the device; a pending kernel error is reported as happening in {@code what}. */
    void synchronize(String what);

    /** {free, total} device memory in bytes (cuMemGetInfo). */
    long[] memoryInfo();

    /** Starts timing the work queued from now on (CUDA events). */
    void startTimer();

    /** Milliseconds of device time since {@link #startTimer()}; waits for that work to finish. */
    float stopTimer();

    /** Device-to-device copy bandwidth in GB/s (bytes read + written per second), measured once per device. */
    double copyBandwidthGBs();

    @Override
    void close();
}
