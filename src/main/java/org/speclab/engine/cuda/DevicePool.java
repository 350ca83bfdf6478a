package org.speclab.engine.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device buffers kept for reuse by size. cuMemAlloc and cuMemFree synchronize the device and take
 * far longer than a decode step; working buffers and KV caches come and go with every generation
 * (each speculative run makes fresh caches), so freed buffers wait here for the next of their size.
 */
final class DevicePool implements AutoCloseable {
    private final Gpu gpu;
    private final Map<Long, ArrayDeque<Long>> idle = new HashMap<>();
    private final Map<Long, Long> sizes = new HashMap<>();
    private long held;
    private boolean closed;

    DevicePool(Gpu gpu) {
        this.gpu = gpu;
    }

    /** A buffer of at least {@code bytes} (rounded up to 2 MiB steps past 2 MiB, so sizes repeat). */
    synchronized long take(long bytes, String what) {
        long size = bytes <= (2 << 20) ? Math.max(256, Long.highestOneBit(Math.max(1, bytes - 1)) << 1) : (bytes + (2 << 20) - 1) & -(2L << 20);
        ArrayDeque<Long> q = idle.get(size);
        if (q != null && !q.isEmpty()) {
            held -= size;
            return q.pop();
        }
        long a;
        try {
            a = gpu.alloc(size, what);
        } catch (org.speclab.engine.EngineException e) {
            if (held == 0) throw e;
            release(); // idle buffers of other sizes may be what stands in the way
            a = gpu.alloc(size, what);
        }
        sizes.put(a, size);
        return a;
    }

    synchronized void give(long address) {
        if (closed) return; // freed with everything else when the model closed
        Long size = sizes.get(address);
        if (size == null) throw new IllegalArgumentException("not a pooled buffer: 0x" + Long.toHexString(address));
        idle.computeIfAbsent(size, s -> new ArrayDeque<>()).push(address);
        held += size;
    }

    /** Frees every idle buffer. */
    synchronized void release() {
        for (ArrayDeque<Long> q : idle.values()) {
            for (long a : q) {
                gpu.free(a);
                sizes.remove(a);
            }
        }
        idle.clear();
        held = 0;
    }

    @Override
    public synchronized void close() {
        release();
        for (long a : sizes.keySet()) gpu.free(a);
        sizes.clear();
        closed = true;
    }
}
