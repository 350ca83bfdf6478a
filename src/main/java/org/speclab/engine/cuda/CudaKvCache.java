package org.speclab.engine.cuda;

import java.lang.ref.Cleaner;

/**
 * Keys and values on the device: one buffer laid out [key|value][layer][position][kvDim] floats.
 * {@link #truncate} only moves the length (O(1)); growing copies what is held into a buffer twice
 * the size. The buffer goes back to the pool when the cache is unreachable or its model closes.
 */
final class CudaKvCache extends org.speclab.engine.CachedPositions {
    private static final Cleaner CLEANER = Cleaner.create();

    private final DevicePool pool;
    private final int layers, kvDim;
    private final Buffer buffer;
    private final Cleaner.Cleanable cleanable;

    /** The device buffer, held apart from the cache so the cleaner can free it. */
    private static final class Buffer implements Runnable {
        final DevicePool pool;
        long address;
        boolean freed;

        Buffer(DevicePool pool, long address) {
            this.pool = pool;
            this.address = address;
        }

        @Override
        public synchronized void run() {
            if (!freed) pool.give(address);
            freed = true;
        }
    }

    CudaKvCache(DevicePool pool, int layers, int kvDim, int capacity) {
        super(capacity);
        this.pool = pool;
        this.layers = layers;
        this.kvDim = kvDim;
        this.buffer = new Buffer(pool, pool.take(bytes(this.capacity), "the KV cache"));
        this.cleanable = CLEANER.register(this, buffer);
    }

    private long bytes(int cap) { return 2L * layers * cap * kvDim * 4; }

    /** Device address of layer {@code l}'s keys (position 0). */
    long keys(int l) { return buffer.address + (long) l * capacity * kvDim * 4; }

    long values(int l) { return buffer.address + ((long) layers + l) * capacity * kvDim * 4; }

    /** Grows (doubling) so that {@code positions} fit, keeping the positions held. */
    void ensureCapacity(int positions, Gpu gpu) {
        if (positions <= capacity) return;
        int cap = Math.max(positions, capacity * 2);
        long fresh = pool.take(bytes(cap), "the KV cache");
        long rowBytes = (long) kvDim * 4;
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < layers; l++) {
                long from = buffer.address + ((long) half * layers + l) * capacity * rowBytes;
                long to = fresh + ((long) half * layers + l) * cap * rowBytes;
                gpu.copy(to, from, length() * rowBytes);
            }
        }
        synchronized (buffer) {
            pool.give(buffer.address);
            buffer.address = fresh;
        }
        capacity = cap;
    }

    /** Returns the buffer to the pool now. */
    void free() {
        cleanable.clean();
    }
}
