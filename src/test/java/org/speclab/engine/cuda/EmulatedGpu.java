package org.speclab.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.speclab.engine.EngineException;

/**
 * {@link Gpu} on the CPU: "device" memory is native memory, and kernels are native/kernels.cu
 * compiled with g++ against native/emulator/cuda_emulator.h, called through the FFM API. The
 * engine's host side (buffers, offsets, launches, chunking, caches) then runs here as it would on
 * a GPU. Skips (assumption) where g++ is missing.
 */
final class EmulatedGpu implements Gpu {
    private static MethodHandle launch;

    private final Map<Long, Arena> allocations = new HashMap<>();
    private final Map<Long, Long> sizes = new HashMap<>();
    private long free, total;
    private long timerStart;

    /** {@code freeBytes}: what memoryInfo reports as free (to test the refusal of large models). */
    EmulatedGpu(long freeBytes) {
        this.free = freeBytes;
        this.total = freeBytes;
        synchronized (EmulatedGpu.class) {
            if (launch == null) launch = load();
        }
    }

    EmulatedGpu() {
        this(8L << 30);
    }

    /** Builds target/emu/libspeclab_emu.so when missing or older than the kernel sources. */
    private static MethodHandle load() {
        Path src = Path.of("native/kernels.cu"), header = Path.of("native/emulator/cuda_emulator.h");
        Path lib = Path.of("target/emu/libspeclab_emu.so").toAbsolutePath();
        try {
            if (!Files.exists(lib) || Files.getLastModifiedTime(lib).compareTo(Files.getLastModifiedTime(src)) < 0
                    || Files.getLastModifiedTime(lib).compareTo(Files.getLastModifiedTime(header)) < 0) {
                Files.createDirectories(lib.getParent());
                Process p;
                try {
                    p = new ProcessBuilder("g++", "-O2", "-std=c++17", "-shared", "-fPIC", "-ffp-contract=off", "-Wno-unknown-pragmas",
                            "-DSPECLAB_EMULATOR", "-include", header.toString(), "-x", "c++", src.toString(), "-o", lib.toString())
                            .redirectErrorStream(true).start();
                } catch (java.io.IOException e) {
                    Assumptions.abort("g++ not found: the CUDA emulator cannot be built (" + e.getMessage() + ")");
                    return null;
                }
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("g++ failed on kernels.cu:\n" + out);
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        Linker linker = Linker.nativeLinker();
        MemorySegment f = SymbolLookup.libraryLookup(lib, Arena.global()).find("emu_launch").orElseThrow();
        return linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    void setFreeMemory(long bytes) { free = bytes; }

    /**
     * Graphs as a device records them: the launches, arguments and all, replayed as they were. A
     * launch argument that should change from step to step (a position) then shows as a wrong
     * result, as it would on a GPU; copies and uploads inside a recording fail, as on a GPU.
     */
    boolean graphs = true;
    private java.util.List<Launch> recording;
    int replays;

    private record Launch(String kernel, int gridX, int gridY, int block, Object[] args) {}

    @Override
    public Object capture(Runnable work) {
        if (!graphs) return null;
        recording = new java.util.ArrayList<>();
        try {
            work.run();
            return java.util.List.copyOf(recording);
        } finally {
            recording = null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void replay(Object graph) {
        replays++;
        for (Launch l : (java.util.List<Launch>) graph) launch(l.kernel, l.gridX, l.gridY, l.block, l.args);
    }

    private void notRecording(String what) {
        if (recording != null) throw new EngineException("emulated:0: " + what + " while recording a graph");
    }

    /** Whether this emulated device has cuBLAS (a plain loop in its place); how many products it ran. */
    boolean blas = true;
    int gemmCalls;

    @Override
    public boolean hasGemm() { return blas; }

    @Override
    public void gemm(long w, int rows, int cols, long x, int T, long y, int ldy) {
        if (!blas) throw new UnsupportedOperationException("no cuBLAS here");
        gemmCalls++;
        MemorySegment W = at(w, 4L * rows * cols), X = at(x, 4L * T * cols), Y = at(y, 4L * ((long) (T - 1) * ldy + rows));
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + c) * X.getAtIndex(ValueLayout.JAVA_FLOAT, (long) t * cols + c);
                Y.setAtIndex(ValueLayout.JAVA_FLOAT, (long) t * ldy + r, (float) s);
            }
        }
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    @Override
    public String name() { return "emulated:0"; }

    @Override
    public synchronized long alloc(long bytes, String what) {
        notRecording("alloc");
        if (bytes > free) throw new EngineException("emulated:0: out of device memory for " + what);
        Arena a = Arena.ofShared();
        long address = a.allocate(Math.max(1, bytes), 256).address();
        allocations.put(address, a);
        sizes.put(address, bytes);
        free -= bytes;
        return address;
    }

    @Override
    public synchronized void free(long address) {
        Arena a = allocations.remove(address);
        if (a == null) throw new IllegalArgumentException("not a device allocation: 0x" + Long.toHexString(address));
        a.close();
        free += sizes.remove(address);
    }

    int liveAllocations() { return allocations.size(); }

    @Override
    public void upload(long dst, MemorySegment src) {
        notRecording("upload");
        MemorySegment.copy(src, 0, at(dst, src.byteSize()), 0, src.byteSize());
    }

    @Override
    public void upload(long dst, int[] src, int count) {
        notRecording("upload");
        MemorySegment.copy(src, 0, at(dst, 4L * count), ValueLayout.JAVA_INT, 0, count);
    }

    @Override
    public void upload(long dst, float[] src, int count) {
        notRecording("upload");
        MemorySegment.copy(src, 0, at(dst, 4L * count), ValueLayout.JAVA_FLOAT, 0, count);
    }

    @Override
    public void download(float[] dst, int dstOffset, long src, int count) {
        notRecording("download");
        MemorySegment.copy(at(src, 4L * count), ValueLayout.JAVA_FLOAT, 0, dst, dstOffset, count);
    }

    @Override
    public void download(int[] dst, long src, int count) {
        notRecording("download");
        MemorySegment.copy(at(src, 4L * count), ValueLayout.JAVA_INT, 0, dst, 0, count);
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        notRecording("copy");
        MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
    }

    @Override
    public void launch(String kernel, int gridX, int gridY, int block, Object... args) {
        if (recording != null) {
            recording.add(new Launch(kernel, gridX, gridY, block, args.clone()));
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ptrs = a.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment v = switch (args[i]) {
                    case Long l -> a.allocateFrom(ValueLayout.JAVA_LONG, l);
                    case Integer n -> a.allocateFrom(ValueLayout.JAVA_INT, n);
                    case Float x -> a.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                    default -> throw new IllegalArgumentException("kernel " + kernel + " argument " + i + ": " + args[i]);
                };
                ptrs.setAtIndex(ValueLayout.ADDRESS, i, v);
            }
            MemorySegment err = a.allocate(512);
            int rc = (int) launch.invokeExact(a.allocateFrom(kernel), gridX, gridY, block, ptrs, err, 512);
            if (rc != 0) throw new EngineException("emulated:0: kernel " + kernel + ": " + err.getString(0));
        } catch (EngineException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void synchronize(String what) {}

    @Override
    public long[] memoryInfo() { return new long[] {free, total}; }

    @Override
    public void startTimer() { timerStart = System.nanoTime(); }

    @Override
    public float stopTimer() { return (System.nanoTime() - timerStart) / 1e6f; }

    @Override
    public double copyBandwidthGBs() { return Double.NaN; }

    @Override
    public void close() {
        for (Arena a : allocations.values()) a.close();
        allocations.clear();
    }
}
