package org.speclab.engine.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUresult;
import org.speclab.engine.EngineException;

/**
 * One CUDA device through JCuda's driver API: its primary context (shared with any other CUDA user
 * in the process, as the runtime API would), SpecLab's kernels loaded from the PTX resource with
 * cuModuleLoadData, and every call's CUresult checked. Shared by all models on the device and
 * closed when the last one is.
 *
 * <p>Kernels run asynchronously: a fault inside one surfaces at the next synchronizing call, so
 * that error names the last kernel launched; with {@code SPECLAB_CUDA_SYNC=1} (or
 * {@code -Dspeclab.cuda.sync=true}) every launch is followed by a synchronize and names its kernel.
 */
final class JCudaGpu implements Gpu {
    private static final Map<Integer, JCudaGpu> OPEN = new HashMap<>();
    private static final Map<String, Double> BANDWIDTH = new ConcurrentHashMap<>();
    /** Pinned staging buffers for uploads: two, so the copy of one overlaps filling the other. */
    private static final int STAGING = 16 << 20;
    private static final boolean SYNC_EACH = "1".equals(System.getenv("SPECLAB_CUDA_SYNC")) || Boolean.getBoolean("speclab.cuda.sync");

    private final int index;
    private final String name;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** Allocations by device address, so any address inside one can be handed to the driver. */
    private final TreeMap<Long, CUdeviceptr> allocations = new TreeMap<>();
    private final Pointer[] staging = new Pointer[2];
    private final CUevent[] stagingDone = new CUevent[2];
    private final CUevent timerStart = new CUevent(), timerStop = new CUevent();
    private String lastKernel = "none";
    /** The stream graphs are recorded from and replayed on (blocking: ordered with the default stream's work). */
    private jcuda.driver.CUstream graphStream;
    private boolean capturing;
    /** cuBLAS, created on first use where libcublas loads; why not otherwise. */
    private jcuda.jcublas.cublasHandle blas;
    private String blasMissing;
    private int users;
    private boolean closed;

    /** The shared instance for device {@code index}, opened on first use. */
    static synchronized JCudaGpu open(int index) {
        JCudaGpu g = OPEN.get(index);
        if (g == null) {
            g = new JCudaGpu(index);
            OPEN.put(index, g);
        }
        g.users++;
        return g;
    }

    private JCudaGpu(int index) {
        this.index = index;
        setExceptionsEnabled(false);
        check(cuInit(0), "cuInit");
        int[] count = new int[1];
        check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (index < 0 || index >= count[0]) {
            throw new EngineException("no device cuda:" + index + " (this machine has " + count[0] + " CUDA device" + (count[0] == 1 ? ")" : "s)"));
        }
        check(cuDeviceGet(device, index), "cuDeviceGet");
        byte[] raw = new byte[256];
        check(cuDeviceGetName(raw, raw.length, device), "cuDeviceGetName");
        this.name = "cuda:" + index + " " + new String(raw).replace("\0", "").trim();
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        bind();
        byte[] ptx = ptx();
        int rc = cuModuleLoadData(module, ptx);
        if (rc != CUresult.CUDA_SUCCESS) {
            cuDevicePrimaryCtxRelease(device);
            throw new EngineException(name + ": the driver cannot load SpecLab's kernels (PTX ISA 8.0, sm_75): " + CUresult.stringFor(rc)
                    + (rc == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION ? "; a driver of CUDA 12.0 or newer is needed" : ""));
        }
        // every kernel looked up (and so, with CUDA's lazy loading, loaded) now: a first lookup during
        // a graph recording would invalidate it on drivers before CUDA 12.3
        for (String kernel : entries(ptx)) {
            CUfunction f = new CUfunction();
            check(cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction (" + kernel + ")");
            functions.put(kernel, f);
        }
        for (int i = 0; i < 2; i++) {
            staging[i] = new Pointer();
            check(cuMemAllocHost(staging[i], STAGING), "cuMemAllocHost (pinned upload buffer)");
            stagingDone[i] = new CUevent();
            check(cuEventCreate(stagingDone[i], 0), "cuEventCreate");
        }
        check(cuEventCreate(timerStart, 0), "cuEventCreate");
        check(cuEventCreate(timerStop, 0), "cuEventCreate");
    }

    /** The kernels a PTX module defines (its .entry names). */
    static java.util.List<String> entries(byte[] ptx) {
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.entry\\s+(\\w+)").matcher(new String(ptx, java.nio.charset.StandardCharsets.US_ASCII));
        while (m.find()) names.add(m.group(1));
        return names;
    }

    static byte[] ptx() {
        try (InputStream in = JCudaGpu.class.getResourceAsStream("kernels.ptx")) {
            if (in == null) throw new EngineException("kernels.ptx is missing from this build (run native/build.sh)");
            byte[] text = in.readAllBytes();
            byte[] z = java.util.Arrays.copyOf(text, text.length + 1); // the driver reads PTX as a C string
            return z;
        } catch (IOException e) {
            throw new EngineException("cannot read kernels.ptx: " + e.getMessage(), e);
        }
    }

    /** Makes the context current on the calling thread (each thread has its own current context). */
    private void bind() {
        if (closed) throw new EngineException(name + " is closed");
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    private void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new EngineException((name != null ? name : "cuda:" + index) + ": " + what + " failed: " + CUresult.stringFor(rc) + hint(rc));
        }
    }

    private String hint(int rc) {
        if (rc == CUresult.CUDA_ERROR_ILLEGAL_ADDRESS || rc == CUresult.CUDA_ERROR_LAUNCH_FAILED || rc == CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION) {
            return " (last kernel launched: " + lastKernel + (SYNC_EACH ? ")" : "; SPECLAB_CUDA_SYNC=1 names the failing kernel)");
        }
        return "";
    }

    @Override
    public String name() { return name; }

    @Override
    public synchronized long alloc(long bytes, String what) {
        bind();
        CUdeviceptr p = new CUdeviceptr();
        int rc = cuMemAlloc(p, Math.max(1, bytes));
        if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] m = memoryInfo();
            throw new EngineException(String.format("%s: out of device memory for %s: %.2f GiB asked, %.2f GiB free of %.2f GiB",
                    name, what, bytes / GIB, m[0] / GIB, m[1] / GIB));
        }
        check(rc, "cuMemAlloc (" + what + ")");
        long[] address = new long[1];
        check(cuPointerGetAttribute(Pointer.to(address), CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, p), "cuPointerGetAttribute");
        allocations.put(address[0], p);
        return address[0];
    }

    private static final double GIB = 1L << 30;

    @Override
    public synchronized void free(long address) {
        if (closed) return; // the context is gone, and with it the memory
        CUdeviceptr p = allocations.remove(address);
        if (p == null) throw new IllegalArgumentException("not a device allocation: 0x" + Long.toHexString(address));
        bind();
        check(cuMemFree(p), "cuMemFree");
    }

    /** A driver pointer for any address inside an allocation. */
    private CUdeviceptr ptr(long address) {
        Map.Entry<Long, CUdeviceptr> e = allocations.floorEntry(address);
        if (e == null) throw new IllegalArgumentException("not a device address: 0x" + Long.toHexString(address));
        return e.getValue().withByteOffset(address - e.getKey());
    }

    @Override
    public synchronized void upload(long dst, MemorySegment src) {
        bind();
        long n = src.byteSize();
        int i = 0;
        for (long off = 0; off < n; off += STAGING, i ^= 1) {
            long len = Math.min(STAGING, n - off);
            // the copy out of this buffer two chunks ago must be done before it is refilled
            check(cuEventSynchronize(stagingDone[i]), "cuEventSynchronize (upload)");
            MemorySegment pinned = MemorySegment.ofBuffer(staging[i].getByteBuffer(0, len));
            MemorySegment.copy(src, off, pinned, 0, len);
            check(cuMemcpyHtoDAsync(ptr(dst + off), staging[i], len, null), "cuMemcpyHtoDAsync (weights)");
            check(cuEventRecord(stagingDone[i], null), "cuEventRecord");
        }
        check(cuCtxSynchronize(), "upload");
    }

    @Override
    public synchronized void upload(long dst, int[] src, int count) {
        bind();
        check(cuMemcpyHtoD(ptr(dst), Pointer.to(src), 4L * count), "cuMemcpyHtoD");
    }

    @Override
    public synchronized void upload(long dst, float[] src, int count) {
        bind();
        check(cuMemcpyHtoD(ptr(dst), Pointer.to(src), 4L * count), "cuMemcpyHtoD");
    }

    @Override
    public synchronized void download(float[] dst, int dstOffset, long src, int count) {
        bind();
        check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), ptr(src), 4L * count), "reading results (cuMemcpyDtoH)");
    }

    @Override
    public synchronized void download(int[] dst, long src, int count) {
        bind();
        check(cuMemcpyDtoH(Pointer.to(dst), ptr(src), 4L * count), "reading results (cuMemcpyDtoH)");
    }

    @Override
    public synchronized void copy(long dst, long src, long bytes) {
        if (bytes == 0) return;
        bind();
        check(cuMemcpyDtoD(ptr(dst), ptr(src), bytes), "cuMemcpyDtoD");
    }

    /**
     * cuBLAS is an optional speed-up: SPECLAB_CUBLAS=0 (or -Dspeclab.cublas=false) turns it off, and
     * a libcublas that does not load (JCublas throws a LinkageError) leaves it off with the reason kept.
     */
    @Override
    public synchronized boolean hasGemm() {
        if (blas == null && blasMissing == null) {
            if ("0".equals(System.getenv("SPECLAB_CUBLAS")) || "false".equals(System.getProperty("speclab.cublas"))) {
                blasMissing = "turned off (SPECLAB_CUBLAS=0)";
            } else {
                try {
                    bind();
                    jcuda.jcublas.JCublas2.setExceptionsEnabled(false);
                    jcuda.jcublas.cublasHandle h = new jcuda.jcublas.cublasHandle();
                    int rc = jcuda.jcublas.JCublas2.cublasCreate(h);
                    if (rc == jcuda.jcublas.cublasStatus.CUBLAS_STATUS_SUCCESS) blas = h;
                    else blasMissing = "cublasCreate failed: " + jcuda.jcublas.cublasStatus.stringFor(rc);
                } catch (LinkageError e) {
                    blasMissing = "libcublas.so.12 did not load (" + e.getMessage() + ")";
                }
            }
        }
        return blas != null;
    }

    /** Why {@link #hasGemm} is false, or null. */
    synchronized String gemmMissing() { return blasMissing; }

    @Override
    public synchronized void gemm(long w, int rows, int cols, long x, int T, long y, int ldy) {
        if (!hasGemm()) throw new EngineException(name + ": cuBLAS is not available: " + blasMissing);
        bind();
        lastKernel = "cublasSgemm";
        // column-major view: y (rows × T, leading dimension ldy) = wᵀ-as-stored (cols × rows)ᵀ · x (cols × T)
        int rc = jcuda.jcublas.JCublas2.cublasSgemm(blas, jcuda.jcublas.cublasOperation.CUBLAS_OP_T, jcuda.jcublas.cublasOperation.CUBLAS_OP_N,
                rows, T, cols, Pointer.to(new float[] {1f}), ptr(w), cols, ptr(x), cols, Pointer.to(new float[] {0f}), ptr(y), ldy);
        if (rc != jcuda.jcublas.cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new EngineException(name + ": cublasSgemm (" + rows + "×" + cols + " by " + T + " positions) failed: " + jcuda.jcublas.cublasStatus.stringFor(rc));
        }
        if (SYNC_EACH) synchronize("cublasSgemm");
    }

    @Override
    public synchronized Object capture(Runnable work) {
        bind();
        if (graphStream == null) {
            jcuda.driver.CUstream s = new jcuda.driver.CUstream();
            check(cuStreamCreate(s, jcuda.driver.CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate (for CUDA graphs)");
            graphStream = s;
        }
        check(cuStreamBeginCapture(graphStream, jcuda.driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
        capturing = true;
        jcuda.driver.CUgraph g = new jcuda.driver.CUgraph();
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            // end the recording whatever it says, free what it made, and report the first failure
            capturing = false;
            if (cuStreamEndCapture(graphStream, g) == CUresult.CUDA_SUCCESS) cuGraphDestroy(g);
            throw e;
        }
        capturing = false;
        int end = cuStreamEndCapture(graphStream, g);
        if (end != CUresult.CUDA_SUCCESS) {
            cuGraphDestroy(g);
            check(end, "cuStreamEndCapture");
        }
        jcuda.driver.CUgraphExec exec = new jcuda.driver.CUgraphExec();
        int rc = cuGraphInstantiate(exec, g, 0);
        cuGraphDestroy(g);
        check(rc, "cuGraphInstantiate");
        return exec;
    }

    @Override
    public synchronized void replay(Object graph) {
        bind();
        lastKernel = "a recorded decode step (CUDA graph)";
        check(cuGraphLaunch((jcuda.driver.CUgraphExec) graph, graphStream), "cuGraphLaunch");
        if (SYNC_EACH) synchronize("a recorded decode step (CUDA graph)");
    }

    @Override
    public synchronized void release(Object graph) {
        if (closed) return;
        bind();
        cuGraphExecDestroy((jcuda.driver.CUgraphExec) graph);
    }

    @Override
    public synchronized void launch(String kernel, int gridX, int gridY, int block, Object... args) {
        bind();
        CUfunction f = functions.get(kernel);
        if (f == null) {
            f = new CUfunction();
            int rc = cuModuleGetFunction(f, module, kernel);
            if (rc != CUresult.CUDA_SUCCESS) throw new EngineException(name + ": kernel " + kernel + " is missing from kernels.ptx: " + CUresult.stringFor(rc));
            functions.put(kernel, f);
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case Long l -> Pointer.to(new long[] {l});
                case Integer n -> Pointer.to(new int[] {n});
                case Float x -> Pointer.to(new float[] {x});
                default -> throw new IllegalArgumentException("kernel " + kernel + " argument " + i + ": " + args[i]);
            };
        }
        lastKernel = kernel;
        check(cuLaunchKernel(f, gridX, gridY, 1, block, 1, 1, 0, capturing ? graphStream : null, Pointer.to(params), null),
                "launching kernel " + kernel + " (" + gridX + "×" + gridY + " blocks of " + block + ")");
        if (SYNC_EACH && !capturing) check(cuCtxSynchronize(), "kernel " + kernel);
    }

    @Override
    public synchronized void synchronize(String what) {
        bind();
        check(cuCtxSynchronize(), what);
    }

    @Override
    public synchronized long[] memoryInfo() {
        bind();
        long[] free = new long[1], total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    @Override
    public synchronized void startTimer() {
        bind();
        check(cuEventRecord(timerStart, null), "cuEventRecord");
    }

    @Override
    public synchronized float stopTimer() {
        bind();
        check(cuEventRecord(timerStop, null), "cuEventRecord");
        check(cuEventSynchronize(timerStop), "step");
        float[] ms = new float[1];
        check(cuEventElapsedTime(ms, timerStart, timerStop), "cuEventElapsedTime");
        return ms[0];
    }

    /** Best of five 256 MiB device-to-device copies (each byte read once and written once). */
    @Override
    public double copyBandwidthGBs() {
        return BANDWIDTH.computeIfAbsent(name, k -> measureCopy());
    }

    private synchronized double measureCopy() {
        long bytes = Math.min(256L << 20, memoryInfo()[0] / 4);
        long a = alloc(bytes, "bandwidth test"), b = alloc(bytes, "bandwidth test");
        try {
            copy(b, a, bytes); // warm-up
            float best = Float.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                startTimer();
                copy(b, a, bytes);
                best = Math.min(best, stopTimer());
            }
            return 2.0 * bytes / (best / 1e3) / 1e9;
        } finally {
            free(a);
            free(b);
        }
    }

    @Override
    public void close() {
        synchronized (JCudaGpu.class) {
            if (--users > 0) return;
            OPEN.remove(index);
        }
        synchronized (this) {
            bind();
            if (blas != null) jcuda.jcublas.JCublas2.cublasDestroy(blas);
            blas = null;
            if (graphStream != null) cuStreamDestroy(graphStream);
            graphStream = null;
            for (CUdeviceptr p : allocations.values()) cuMemFree(p);
            allocations.clear();
            for (int i = 0; i < 2; i++) {
                cuMemFreeHost(staging[i]);
                cuEventDestroy(stagingDone[i]);
            }
            cuEventDestroy(timerStart);
            cuEventDestroy(timerStop);
            cuModuleUnload(module);
            cuDevicePrimaryCtxRelease(device);
            closed = true;
        }
    }
}
