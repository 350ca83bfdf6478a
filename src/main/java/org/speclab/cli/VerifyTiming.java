package org.speclab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.speclab.lab.Spread;

/**
 * Times a verify pass against a decode step as speculation meets them: each in a block of its own
 * back-to-back calls (plain generation runs decode steps back to back), the blocks alternating so that a
 * busy moment of the machine hits both, and only each block's later half kept. A decode step timed right
 * after a verify pass is not the decode step of a run: on the 200M models that fit this machine's cache, a
 * decode step after a verify pass (or after a pause) took 20-60% longer and came back to its speed only over
 * the next 20-30 steps (about 0.1 s), while verify passes took the same time wherever they stood, measured.
 * Timed in pairs, the decode was slow and the ratio flattering; on a model larger than the cache the two
 * ways agree.
 */
final class VerifyTiming {
    /** Median milliseconds of a decode step and of a verify pass. */
    record Result(double decodeMillis, double verifyMillis) {
        double ratio() { return verifyMillis / decodeMillis; }
    }

    private VerifyTiming() {}

    /**
     * {@code rounds} rounds of a decode block then a verify block; a block runs until it has made
     * {@code minCalls} calls and lasted {@code blockNanos}, and the calls of its second half count.
     * {@code decode} and {@code verify} run one call each and return the nanoseconds it took.
     */
    static Result measure(LongSupplier decode, LongSupplier verify, int rounds, int minCalls, long blockNanos) {
        if (rounds < 1 || minCalls < 2 || blockNanos < 0) throw new IllegalArgumentException("rounds ≥ 1, minCalls ≥ 2, blockNanos ≥ 0");
        List<Long> one = new ArrayList<>(), batch = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            block(decode, minCalls, blockNanos, one);
            block(verify, minCalls, blockNanos, batch);
        }
        return new Result(median(one) / 1e6, median(batch) / 1e6);
    }

    private static void block(LongSupplier call, int minCalls, long blockNanos, List<Long> kept) {
        List<Long> times = new ArrayList<>();
        long spent = 0;
        while (times.size() < minCalls || spent < blockNanos) {
            long t = call.getAsLong();
            times.add(t);
            spent += t;
        }
        kept.addAll(times.subList(times.size() / 2, times.size()));
    }

    private static double median(List<Long> values) {
        return Spread.of(values.stream().mapToDouble(Long::doubleValue).toArray()).median();
    }
}
