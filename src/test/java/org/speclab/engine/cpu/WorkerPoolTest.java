package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** How a call's pieces reach the threads: each exactly once, consecutive pieces to one thread, none left to a thread that stalls. */
class WorkerPoolTest {
    @Test
    void everyPieceRunsExactlyOnceForAnyCountAndPoolSize() {
        for (int size : new int[] {2, 3}) {
            try (WorkerPool pool = new WorkerPool(size)) {
                for (int count = 1; count <= 40; count++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    pool.runPieces(count, runs::incrementAndGet);
                    for (int i = 0; i < count; i++) assertEquals(1, runs.get(i), "piece " + i + " of " + count + ", " + size + " threads");
                }
            }
        }
    }

    /**
     * A call returns only once every piece has finished, not merely started: each thread counts what it ran at the end
     * of its share, and the caller waits for that count. Pieces here finish late (a sleep) and mark it last.
     */
    @Test
    void aCallReturnsOnlyAfterEveryPieceHasFinished() {
        for (int size : new int[] {2, 3}) {
            try (WorkerPool pool = new WorkerPool(size)) {
                for (int count : new int[] {2, 5, 16}) {
                    AtomicIntegerArray finished = new AtomicIntegerArray(count);
                    pool.runPieces(count, i -> {
                        try {
                            Thread.sleep(i % 3 == 0 ? 20 : 2);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        finished.set(i, 1);
                    });
                    for (int i = 0; i < count; i++) assertEquals(1, finished.get(i), "piece " + i + " of " + count + " had not finished, " + size + " threads");
                }
            }
        }
    }

    /**
     * With both threads at work (no piece starts before both have joined), each runs consecutive pieces from the
     * front of its lane: the first pieces a thread runs count up one by one. Handed out in turn, a thread ran
     * every other piece.
     */
    @Test
    void eachThreadRunsConsecutivePiecesOfItsOwnLane() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            int count = 16;
            Map<Thread, List<Integer>> byThread = new ConcurrentHashMap<>();
            CountDownLatch both = new CountDownLatch(2);
            pool.runPieces(count, i -> {
                List<Integer> mine = byThread.computeIfAbsent(Thread.currentThread(), t -> {
                    both.countDown();
                    return java.util.Collections.synchronizedList(new ArrayList<>());
                });
                mine.add(i);
                try {
                    both.await(10, TimeUnit.SECONDS);
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertEquals(2, byThread.size(), "both threads ran pieces: " + byThread.values());
            for (List<Integer> pieces : byThread.values()) {
                int first = pieces.getFirst();
                assertTrue(first == 0 || first == count / 2, "a thread starts at its lane's front: " + pieces);
                // its own lane from the front: first, first + 1, ... (then, done early, the other lane's last pieces)
                int run = 1;
                while (run < pieces.size() && pieces.get(run) == first + run) run++;
                assertTrue(run >= 2, "consecutive pieces from the front of a lane: " + pieces);
                for (int k = run; k < pieces.size(); k++) assertTrue(pieces.get(k) > first + run - 1 || pieces.get(k) < first, "stolen from the other lane: " + pieces);
            }
        }
    }

    /** A thread that stalls on its lane's first piece leaves the rest of its lane to the others, taken from the back. */
    @Test
    void aStalledThreadsLaneIsFinishedByTheOthers() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            int count = 10;
            AtomicIntegerArray runs = new AtomicIntegerArray(count);
            CountDownLatch rest = new CountDownLatch(count - 1);
            java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
            pool.runPieces(count, i -> {
                runs.incrementAndGet(i);
                // the first lane-front piece taken waits for every other piece: only stealing gets them done
                if ((i == 0 || i == count / 2) && stalled.compareAndSet(false, true)) {
                    try {
                        assertTrue(rest.await(10, TimeUnit.SECONDS), "the other thread finished the stalled lane");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                rest.countDown();
            });
            for (int i = 0; i < count; i++) assertEquals(1, runs.get(i), "piece " + i);
            assertEquals(0, rest.getCount());
        }
    }

    @Test
    void aFailingPieceIsRethrownAfterTheOthersRan() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(12);
            IllegalStateException boom = new IllegalStateException("piece 5");
            var e = assertThrows(IllegalStateException.class, () -> pool.runPieces(12, i -> {
                runs.incrementAndGet(i);
                if (i == 5) throw boom;
            }));
            assertSame(boom, e);
            for (int i = 0; i < 12; i++) assertEquals(1, runs.get(i), "piece " + i);
        }
    }
}
