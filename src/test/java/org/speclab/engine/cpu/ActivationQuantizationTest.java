package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The native kernels' activation buffer: each position's values quantized to 8-bit blocks, with the scales and sums the
 * kernels start from (kernels.c's layout), whole positions or ranges of blocks, a scale per block or per span of eight.
 */
class ActivationQuantizationTest {
    /**
     * Ranges of blocks quantized apart (as the fused FFN's threads do, each its own rows of every position) give the
     * same bytes as whole positions quantized at once: values, scales and every sum the kernels start from.
     */
    @Test
    void quantizingRangesOfBlocksGivesTheBytesOfWholePositions() {
        NativeKernels k = NativeKernelsTest.kernels();
        int n = 352, t = 5; // 11 blocks a position
        long values = (long) t * n, bytes = k.activationBytes(values, n);
        MemorySegment x = Arena.ofAuto().allocate(4 * values, 64);
        Random r = new Random(5);
        for (long i = 0; i < values; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian() * (1 + i % 5));
        MemorySegment whole = Arena.ofAuto().allocate(bytes, 64), parts = Arena.ofAuto().allocate(bytes, 64);
        k.quantize(x, values, n, whole, bytes, 0, t, false, 1);
        parts.fill((byte) 0x5A); // anything a range missed shows
        k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 0, 3, 1);
        k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 3, 4, 1);
        k.quantizeBlocks(x, values, n, parts, bytes, 0, 2, 4, 11, 1);
        k.quantizeBlocks(x, values, n, parts, bytes, 2, t, 4, 11, 1);
        assertArrayEquals(whole.toArray(ValueLayout.JAVA_BYTE), parts.toArray(ValueLayout.JAVA_BYTE));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 4, 12, 1));
        assertTrue(e.getMessage().contains("4..12"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.quantizeBlocks(x, values, n, parts, bytes, 0, 6, 0, 1, 1));
    }

    /**
     * Every block of a quantized buffer, checked against its values here: the int8 values (x · 127 / amax rounded to
     * nearest even), their unsigned copy, the scale and each sum and start the kernels read (kernels.c's layout: d, s32,
     * ms, h0, h1, c8, c128, c32h0, c32h1, hp after the values). Positions of 11 blocks (eight at a time, then the rest, the
     * eights running across positions), ranges starting anywhere, and spans of eight blocks sharing a scale.
     */
    @Test
    void everyBlockHoldsItsScaleValuesAndSums() {
        NativeKernels k = NativeKernelsTest.kernels();
        for (int span : new int[] {1, 8}) {
            int n = span == 1 ? 352 : 512, t = 3;
            long values = (long) t * n, bytes = k.activationBytes(values, n);
            MemorySegment x = Arena.ofAuto().allocate(4 * values, 64);
            Random r = new Random(17 + span);
            for (long i = 0; i < values; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian() * (1 + i % 7) * (i % 101 == 0 ? 40 : 1));
            for (int b = 0; b < 32; b++) x.setAtIndex(ValueLayout.JAVA_FLOAT, 64L + b, 0f); // a block of zeros: scale 0
            MemorySegment whole = Arena.ofAuto().allocate(bytes, 64), ranges = Arena.ofAuto().allocate(bytes, 64);
            k.quantize(x, values, n, whole, bytes, 0, t, false, span);
            ranges.fill((byte) 0x5A);
            int nb = n / 32, cut = span == 1 ? 3 : 8;
            k.quantizeBlocks(x, values, n, ranges, bytes, 0, t, 0, cut, span);
            k.quantizeBlocks(x, values, n, ranges, bytes, 0, t, cut, nb, span);
            for (MemorySegment a : new MemorySegment[] {whole, ranges}) checkBlocks(x, a, values, span, a == whole ? "whole positions" : "ranges");
        }
    }

    private static void checkBlocks(MemorySegment x, MemorySegment a, long values, int span, String how) {
        long nb = values / 32, side = 2 * values;
        for (long b = 0; b < nb; b++) {
            long s0 = b / span * span;
            float amax = 0;
            for (long i = 32 * s0; i < 32 * (s0 + span); i++) amax = Math.max(amax, Math.abs(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
            float id = amax > 0 ? 127f / amax : 0f, d = amax / 127f;
            int h0 = 0, h1 = 0;
            for (int i = 0; i < 32; i++) {
                long at = 32 * b + i;
                int q = (int) Math.rint(x.getAtIndex(ValueLayout.JAVA_FLOAT, at) * id);
                assertEquals(q, a.get(ValueLayout.JAVA_BYTE, at), how + ", span " + span + ": value " + at);
                assertEquals(q + 128, Byte.toUnsignedInt(a.get(ValueLayout.JAVA_BYTE, values + at)), how + ": unsigned value " + at);
                if (i < 16) h0 += q;
                else h1 += q;
            }
            int s = h0 + h1;
            String at = how + ", span " + span + ", block " + b;
            assertEquals(d, a.get(ValueLayout.JAVA_FLOAT, side + 4 * b), at + ": d");
            int[] expected = {s, Float.floatToRawIntBits(d * s), h0, h1, -8 * s, -128 * s, -32 * h0, -32 * h1, (h0 & 0xFFFF) | h1 << 16};
            String[] names = {"s32", "ms", "h0", "h1", "c8", "c128", "c32h0", "c32h1", "hp"};
            for (int f = 0; f < expected.length; f++)
                assertEquals(expected[f], a.get(ValueLayout.JAVA_INT, side + 4 * nb * (f + 1) + 4 * b), at + ": " + names[f]);
        }
    }

    /**
     * With a scale per span of eight blocks (packed Q6_K's activations), each block of a super-block of 256 values
     * carries the super-block's scale, the largest magnitude over its 256 values / 127, and its values are rounded
     * with it; whole spans quantized apart give the bytes of whole positions, and ranges that split a span, or rows
     * that are not whole spans, are refused.
     */
    @Test
    void aSpanOfEightBlocksSharesOneScale() {
        NativeKernels k = NativeKernelsTest.kernels();
        int n = 512, t = 3; // two super-blocks a position
        long values = (long) t * n, bytes = k.activationBytes(values, n);
        MemorySegment x = Arena.ofAuto().allocate(4 * values, 64);
        Random r = new Random(8);
        for (long i = 0; i < values; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextGaussian() * (1 + i % 300)));
        MemorySegment whole = Arena.ofAuto().allocate(bytes, 64), parts = Arena.ofAuto().allocate(bytes, 64);
        k.quantize(x, values, n, whole, bytes, 0, t, false, 8);
        for (int sb = 0; sb < values / 256; sb++) {
            float amax = 0;
            for (int i = 0; i < 256; i++) amax = Math.max(amax, Math.abs(x.getAtIndex(ValueLayout.JAVA_FLOAT, 256L * sb + i)));
            float d = amax / 127f;
            for (int b = 8 * sb; b < 8 * sb + 8; b++) {
                // the block scales follow the int8 values and their unsigned copy (kernels.c's layout)
                assertEquals(d, whole.getAtIndex(ValueLayout.JAVA_FLOAT, (2 * values) / 4 + b), "super-block " + sb + ", block " + b);
                for (int i = 0; i < 32; i++) {
                    long at = 32L * b + i;
                    assertEquals(Math.round(x.getAtIndex(ValueLayout.JAVA_FLOAT, at) * (127f / amax)), whole.get(ValueLayout.JAVA_BYTE, at), 1, "value " + at);
                }
            }
        }
        parts.fill((byte) 0x5A);
        k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 8, 16, 8);
        k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 0, 8, 8);
        assertArrayEquals(whole.toArray(ValueLayout.JAVA_BYTE), parts.toArray(ValueLayout.JAVA_BYTE));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.quantizeBlocks(x, values, n, parts, bytes, 0, t, 4, 16, 8));
        assertTrue(e.getMessage().contains("4..16"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.quantize(x, 3L * 352, 352, parts, bytes, 0, 3, false, 8));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.quantize(x, values, n, parts, bytes, 0, t, false, 4));
    }

    /** Parts of a quantization are whole groups of eight positions (the transposed copy's unit), or end at the last. */
    @Test
    void quantizingPartsOfABatchTakesWholeGroupsOfEight() {
        NativeKernels k = NativeKernelsTest.kernels();
        int n = 64, t = 20;
        long bytes = k.activationBytes((long) t * n, n);
        MemorySegment x = Arena.ofAuto().allocate(4L * t * n, 64), act = Arena.ofAuto().allocate(bytes, 64);
        k.quantize(x, (long) t * n, n, act, bytes, 8, 20, true, 1); // from a group's start to the last position
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.quantize(x, (long) t * n, n, act, bytes, 3, 16, true, 1));
        assertTrue(e.getMessage().contains("3..16 of 20"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.quantize(x, (long) t * n, n, act, bytes, 8, 12, true, 1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.quantize(x, (long) t * n, n, act, bytes, 16, 24, true, 1));
    }
}
