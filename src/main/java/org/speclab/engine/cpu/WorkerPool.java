package org.speclab.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Persistent workers for the forward pass: a call hands every worker its share index and waits.
 * Workers spin briefly between calls (a decode step issues dozens of matrix products microseconds
 * apart) and park when idle, so dispatch costs microseconds, not a thread-pool round trip.
 * Models share one pool per thread count ({@link #acquire}): a draft and its target take turns on
 * the same workers, where pools of their own would leave spinning threads fighting for the cores.
 */
final class WorkerPool implements AutoCloseable {
    private static final long SPIN_NANOS = 200_000;
    private static final java.util.Map<Integer, WorkerPool> SHARED = new java.util.HashMap<>();

    private final int size;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile IntConsumer task;
    private volatile long generation;
    private volatile boolean running = true;
    /** Models holding this shared pool. */
    private int users;

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
        this.size = size;
        workers = new Thread[size - 1];
        for (int i = 1; i < size; i++) {
            int index = i;
            workers[i - 1] = Thread.ofPlatform().daemon().name("speclab-cpu-" + i).start(() -> loop(index));
        }
    }

    int size() { return size; }

    /**
     * Runs {@code task.accept(i)} for every i in [0, size), the caller taking i = 0; returns when all
     * are done. Callers on other threads (two runs at once in the lab) wait their turn.
     */
    void run(IntConsumer task) {
        if (size == 1) {
            task.accept(0);
            return;
        }
        synchronized (this) {
            dispatch(task);
        }
    }

    private void dispatch(IntConsumer task) {
        this.task = task;
        pending.set(size - 1);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable mine = null;
        try {
            task.accept(0);
        } catch (Throwable t) {
            mine = t;
        }
        while (pending.get() > 0) Thread.onSpinWait();
        Throwable theirs = failure.getAndSet(null);
        if (mine == null) mine = theirs;
        if (mine instanceof RuntimeException re) throw re;
        if (mine instanceof Error e) throw e;
    }

    private void loop(int index) {
        long seen = 0;
        while (running) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; generation == seen && running; spins++) {
                // the clock is read every 64 spins: reading it each time cost more than the spinning
                if ((spins & 63) == 0 && System.nanoTime() > deadline) LockSupport.parkNanos(1_000_000);
                else Thread.onSpinWait();
            }
            if (!running) return;
            seen = generation;
            try {
                task.accept(index);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
