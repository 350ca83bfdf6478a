package org.speclab.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Persistent workers for the forward pass: a call publishes a job of numbered pieces, and the
 * caller and the workers take pieces until none are left; the caller then waits only for pieces
 * still being worked on, never for a worker that has not woken yet (on a virtual machine a vCPU
 * can take tens of microseconds to get going, which a decode step pays dozens of times).
 * Workers spin briefly between calls (a decode step issues dozens of jobs microseconds apart) and
 * park when idle. Each piece is run whole by one thread, so results do not depend on which.
 * Models share one pool per thread count ({@link #acquire}): a draft and its target take turns on
 * the same workers, where pools of their own would leave spinning threads fighting for the cores.
 */
final class WorkerPool implements AutoCloseable {
    private static final long SPIN_NANOS = 200_000;
    private static final java.util.Map<Integer, WorkerPool> SHARED = new java.util.HashMap<>();

    private final int size;
    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean running = true;
    /** Models holding this shared pool. */
    private int users;

    /**
     * Pieces 0 .. count of one call, in as many lanes of consecutive pieces as there are threads: each thread
     * takes the next piece of a lane of its own from the front, then, its lane done, the last pieces of the
     * others from the back. A thread thus works through consecutive rows, and the kernels' prefetch past a
     * piece's end reads what that thread multiplies next; handed out in turn, every piece began with rows
     * nobody had fetched (a C loop over the packed kernels, the 84 layer matrices of a 200M Q4_0 model, nine
     * positions, two threads, 16 pieces a matrix: 3.3-3.8 ms a pass with pieces handed out in turn, 2.9-3.3
     * with each thread's pieces consecutive, measured).
     */
    private static final class Job {
        /**
         * Longs between two lanes' counters (128 bytes): on one cache line, every piece a thread took from its own
         * lane pulled the line from the other core, a cross-core round trip per piece (hundreds of ns where the
         * two vCPUs sit on different core complexes).
         */
        private static final int PAD = 16;
        final IntConsumer piece;
        final int count, lanes;
        /** Per lane k, at PAD · (k + 1): the next piece from the front (high 32 bits) and the end of what is left (low 32 bits). */
        final AtomicLongArray next;
        final AtomicInteger joined = new AtomicInteger(), done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer piece, int count, int threads) {
            this.piece = piece;
            this.count = count;
            lanes = Math.min(threads, count);
            next = new AtomicLongArray(PAD * (lanes + 2));
            for (int k = 0; k < lanes; k++) next.set(PAD * (k + 1), (long) (count * k / lanes) << 32 | (count * (k + 1) / lanes));
        }

        /** Lane k's next piece from the front (back: its last), or -1 when none is left. */
        private int take(int k, boolean back) {
            int at = PAD * (k + 1);
            for (long v; ; ) {
                v = next.get(at);
                int front = (int) (v >>> 32), end = (int) v;
                if (front >= end) return -1;
                long after = back ? (long) front << 32 | (end - 1) : (long) (front + 1) << 32 | end;
                if (next.compareAndSet(at, v, after)) return back ? end - 1 : front;
            }
        }

        private void run(int i) {
            try {
                piece.accept(i);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        /**
         * This thread's share: its own lane from the front, then the others' from the back. The pieces it ran are
         * counted once, at the end (a shared count raised after every piece moved between the cores each time).
         */
        void work() {
            int own = joined.getAndIncrement(), ran = 0;
            if (own < lanes) for (int i; (i = take(own, false)) >= 0; ran++) run(i);
            for (int k = 1; k <= lanes; k++) {
                int lane = (own + k) % lanes;
                for (int i; (i = take(lane, true)) >= 0; ran++) run(i);
            }
            if (ran > 0) done.addAndGet(ran);
        }
    }

    /** The process's pool of {@code size} threads; give it back with {@link #release}. */
    static WorkerPool acquire(int size) {
        synchronized (SHARED) {
            WorkerPool p = SHARED.computeIfAbsent(size, WorkerPool::new);
            p.users++;
            return p;
        }
    }

    /** Stops the shared pool's threads once no model holds it. */
    void release() {
        synchronized (SHARED) {
            if (--users == 0) {
                SHARED.remove(size, this);
                close();
            }
        }
    }

    WorkerPool(int size) {
        // the one place threads are started: no caller (CLI, lab, bandwidth probe) can start a crawling thousand
        String problem = CpuBackend.threadCountProblem(size);
        if (problem != null) throw new IllegalArgumentException("threads " + problem);
        this.size = size;
        workers = new Thread[size - 1];
        for (int i = 1; i < size; i++) {
            workers[i - 1] = Thread.ofPlatform().daemon().name("speclab-cpu-" + i).start(this::loop);
        }
    }

    int size() { return size; }

    /**
     * Runs {@code task.accept(i)} for every i in [0, size), each on one of the threads (the caller
     * among them); returns when all are done. Callers on other threads (two runs at once in the
     * lab) wait their turn.
     */
    void run(IntConsumer task) { runPieces(size, task); }

    /** Runs {@code piece.accept(i)} for every i in [0, count), spread over the threads; returns when all are done. */
    void runPieces(int count, IntConsumer piece) {
        if (size == 1 || count == 1) {
            for (int i = 0; i < count; i++) piece.accept(i);
            return;
        }
        synchronized (this) {
            Job j = new Job(piece, count, size);
            job = j;
            for (Thread w : workers) LockSupport.unpark(w);
            j.work();
            while (j.done.get() < count) Thread.onSpinWait();
            Throwable t = j.failure.get();
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    private void loop() {
        Job seen = null;
        while (running) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; job == seen && running; spins++) {
                // the clock is read every 64 spins: reading it each time cost more than the spinning
                if ((spins & 63) == 0 && System.nanoTime() > deadline) LockSupport.parkNanos(1_000_000);
                else Thread.onSpinWait();
            }
            if (!running) return;
            seen = job;
            seen.work();
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
