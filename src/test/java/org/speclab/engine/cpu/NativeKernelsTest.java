package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.BlockCodec;
import org.speclab.quant.WeightType;

/**
 * The native kernels against exact arithmetic: activations chosen so that their 8-bit
 * quantization loses nothing (F16 takes them as they are), the product must be the float product
 * of the dequantized weights;
 * a position's result must not depend on the batch, the rows a call covers, or the instruction set.
 */
class NativeKernelsTest {
    /** The types the native kernels take (every one of them is tested here): the table's rows {@link NativeKernels#handles}. */
    static java.util.stream.Stream<GgmlType> nativeTypes() {
        return WeightType.readable().stream().filter(t -> NativeKernels.handles(t, 256));
    }

    /** 11 blocks of 32 (one group of eight and a tail of three) for the 32-blocks; two super-blocks for the K-quants. */
    private static int cols(GgmlType type) { return type.blockSize == 256 ? 512 : 352; }

    static NativeKernels kernels() {
        NativeKernels k = NativeKernels.get();
        // the build compiles the library wherever this suite runs (x86-64 Linux with a C compiler)
        if (System.getProperty("os.arch", "").equals("amd64") && System.getProperty("os.name", "").startsWith("Linux")
                && !"off".equals(System.getProperty("speclab.native"))) {
            // built and loaded; only a CPU without AVX2 may leave them unused
            String status = NativeKernels.status();
            assertTrue(k != null || status.contains("neither AVX2"), "native kernels should load here: " + status);
        }
        Assumptions.assumeTrue(k != null, NativeKernels.status());
        return k;
    }

    private static WeightMatrix.Native matrix(NativeKernels k, GgmlType type, int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * (1 + i % 7) * 0.1f;
        return matrix(k, type, rows, cols, w);
    }

    /** The rows of {@code w} quantized to {@code type}. */
    private static WeightMatrix.Native matrix(NativeKernels k, GgmlType type, int rows, int cols, float[] w) {
        BlockCodec codec = BlockCodec.of(type);
        long rowBytes = type.byteSize(cols);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows, 64);
        for (int row = 0; row < rows; row++) {
            if (codec.writes()) codec.quantize(w, row * cols, cols, data, row * rowBytes);
            else iq4(type, w, row * cols, cols, data, row * rowBytes);
        }
        return new WeightMatrix.Native(data, rows, cols, codec, k);
    }

    /**
     * IQ4_NL and IQ4_XS, which SpecLab reads but does not write: each weight the nearest level times its block's scale
     * (IQ4_XS: the super-block's d with each block's 6-bit scale, from 1 to 31), valid bytes for the kernels to multiply.
     */
    private static void iq4(GgmlType type, float[] x, int off, int n, MemorySegment dst, long at) {
        for (int sb = 0; sb < n / type.blockSize; sb++) {
            int base = off + sb * type.blockSize, blocks = type.blockSize / 32;
            long o = at + (long) sb * type.typeSize;
            float dsb = 0;
            float[] amax = new float[blocks];
            for (int g = 0; g < blocks; g++) for (int j = 0; j < 32; j++) amax[g] = Math.max(amax[g], Math.abs(x[base + 32 * g + j]));
            for (float a : amax) dsb = Math.max(dsb, a / 127 / 31);
            if (type == GgmlType.IQ4_XS) {
                dst.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, o, Float.floatToFloat16(dsb));
                dsb = Float.float16ToFloat(Float.floatToFloat16(dsb));
            }
            int high = 0;
            for (int g = 0; g < blocks; g++) {
                float d;
                long q;
                if (type == GgmlType.IQ4_XS) {
                    int ls = dsb == 0 ? 1 : Math.max(1, Math.min(31, Math.round(amax[g] / 127 / dsb)));
                    high |= ((ls + 32) >> 4) << (2 * g);
                    int lo = (ls + 32) & 0xF;
                    byte old = dst.get(ValueLayout.JAVA_BYTE, o + 4 + g / 2);
                    dst.set(ValueLayout.JAVA_BYTE, o + 4 + g / 2, (byte) (g % 2 == 0 ? (old & 0xF0) | lo : (old & 0x0F) | lo << 4));
                    d = dsb * ls;
                    q = o + 8 + 16L * g;
                } else {
                    short h = Float.floatToFloat16(amax[g] / 127);
                    dst.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, o, h);
                    d = Float.float16ToFloat(h);
                    q = o + 2;
                }
                for (int j = 0; j < 16; j++) {
                    int lo = nearestLevel(x[base + 32 * g + j], d), hi = nearestLevel(x[base + 32 * g + j + 16], d);
                    dst.set(ValueLayout.JAVA_BYTE, q + j, (byte) (lo | hi << 4));
                }
            }
            if (type == GgmlType.IQ4_XS) dst.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, o + 2, (short) high);
        }
    }

    private static int nearestLevel(float x, float d) {
        int best = 0;
        for (int c = 1; c < 16; c++) if (Math.abs(BlockCodec.iq4Level(c) * d - x) < Math.abs(BlockCodec.iq4Level(best) * d - x)) best = c;
        return best;
    }

    /**
     * Spans of 32 · span integers times a power of two, each span reaching ±127: quantized to 8 bits exactly where each
     * span of blocks shares a scale ({@link QuantizedActivations#span}).
     */
    private static float[] exactActivations(int n, Random r, int span) {
        float[] x = new float[n];
        int len = 32 * span;
        for (int b = 0; b < n / len; b++) {
            float scale = (float) Math.scalb(1.0, -3 - r.nextInt(6));
            for (int i = 0; i < len; i++) x[len * b + i] = (r.nextInt(255) - 127) * scale;
            x[len * b + r.nextInt(len)] = (r.nextBoolean() ? 127 : -127) * scale;
        }
        return x;
    }

    private static float[][] products(WeightMatrix.Native w, float[][] x, int t, int from, int to) {
        return products(w, x, t, from, to, new QuantizedActivations());
    }

    /** The same through {@code a} (whose buffers a test may place). */
    private static float[][] products(WeightMatrix.Native w, float[][] x, int t, int from, int to, QuantizedActivations a) {
        a.prepare(w, x, t);
        MemorySegment out = a.out((long) t * w.rows());
        a.multiply(w, from, to, t, out);
        float[][] result = new float[t][to - from];
        for (int p = 0; p < t; p++) MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 4L * ((long) p * w.rows() + from), result[p], 0, to - from);
        return result;
    }

    @ParameterizedTest
    @MethodSource("nativeTypes")
    void exactActivationsGiveTheFloatProductOfTheDequantizedWeights(GgmlType type) {
        NativeKernels k = kernels();
        int cols = cols(type), rows = 40; // two packed groups of 16 (where the type packs) and 8 rows on the row kernels
        WeightMatrix.Native w = matrix(k, type, rows, cols, 1);
        Random r = new Random(2);
        float[][] x = new float[3][];
        for (int p = 0; p < x.length; p++) x[p] = exactActivations(cols, r, QuantizedActivations.span(w));
        float[][] got = products(w, x, x.length, 0, rows);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            w.row(i, row); // the codec's dequantization: ggml's reference
            for (int p = 0; p < x.length; p++) assertProduct(row, x[p], got[p][i], 2e-6, type + " row " + i + " position " + p);
        }
    }

    /**
     * The largest codes times the largest activations, all of one sign, on every instruction set this CPU has: the sums
     * plain AVX2 keeps in int16 (a K-quant group's steps, Q5_K's four at a time) stay below their limit.
     */
    @ParameterizedTest
    @MethodSource("nativeTypes")
    void theLargestCodesTimesTheLargestActivationsStayExact(GgmlType type) {
        int cols = cols(type), rows = 32; // two packed groups where the type packs
        float[] w = new float[rows * cols];
        // each block of 32: one weight of −1 and 31 of 0.99 (or all negated), so that every quantizer (offset, minimum or
        // symmetric) gives the 31 their largest code
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) w[i * cols + j] = (j % 32 == 0 ? -1f : 0.99f) * (i % 2 == 0 ? 1 : -1);
        float[][] x = new float[2][cols];
        java.util.Arrays.fill(x[0], 1f);
        java.util.Arrays.fill(x[1], -1f);
        float[] row = new float[cols];
        for (NativeKernels k : java.util.Arrays.asList(kernels(), NativeKernels.avx512(), NativeKernels.avxVnni(), NativeKernels.avx2())) {
            if (k == null) continue;
            WeightMatrix.Native m = matrix(k, type, rows, cols, w);
            for (int t : new int[] {1, 2, 5, 9}) {
                float[][] in = new float[t][];
                for (int p = 0; p < t; p++) in[p] = x[p % 2];
                float[][] got = products(m, in, t, 0, rows);
                for (int i = 0; i < rows; i++) {
                    m.row(i, row);
                    for (int p = 0; p < t; p++) assertProduct(row, in[p], got[p][i], 2e-6, type + " on " + k.instructionSet() + ", row " + i + ", position " + p + " of " + t);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("nativeTypes")
    void closeToTheFloatProductOnAnyActivations(GgmlType type) {
        NativeKernels k = kernels();
        int cols = cols(type), rows = 16;
        WeightMatrix.Native w = matrix(k, type, rows, cols, 3);
        Random r = new Random(4);
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) x[j] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            w.row(i, row);
            // 8-bit activations: each value off by at most half a step of its block's scale
            assertProduct(row, x, w.dot(i, x), 0.01, type + " row " + i);
        }
    }

    /** {@code got} against the double-precision product of row and x, within {@code relative} of Σ|row·x|. */
    private static void assertProduct(float[] row, float[] x, float got, double relative, String what) {
        double want = 0, magnitude = 0;
        for (int j = 0; j < row.length; j++) {
            want += (double) row[j] * x[j];
            magnitude += Math.abs((double) row[j] * x[j]);
        }
        assertEquals(want, got, relative * magnitude, what);
    }

    @ParameterizedTest
    @MethodSource("nativeTypes")
    void aPositionsResultDoesNotDependOnTheBatchOrTheRows(GgmlType type) {
        NativeKernels k = kernels();
        int cols = cols(type), rows = 45;
        WeightMatrix.Native w = matrix(k, type, rows, cols, 5);
        Random r = new Random(6);
        // up to 17: past a verify's nine, where calls take passes of other sizes (F16's prefill passes of six)
        float[][] x = new float[17][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        float[][] alone = new float[x.length][];
        for (int p = 0; p < x.length; p++) alone[p] = products(w, new float[][] {x[p]}, 1, 0, rows)[0];
        for (int t = 2; t <= x.length; t++) {
            float[][] batch = products(w, x, t, 0, rows);
            for (int p = 0; p < t; p++) assertArrayEquals(alone[p], batch[p], type + ": position " + p + " of a batch of " + t);
        }
        // parts of packed groups, a part across the packed rows' end, the unpacked rows alone; five positions (a verify
        // pass) and twelve (prefill: F16 takes its packed groups two at a time there, or one where a range has one)
        for (int t : new int[] {5, 12}) {
            for (int[] range : new int[][] {{4, 9}, {13, 35}, {16, 45}, {30, 45}, {32, 45}, {40, 41}}) {
                float[][] part = products(w, x, t, range[0], range[1]);
                for (int p = 0; p < t; p++) {
                    for (int i = range[0]; i < range[1]; i++) {
                        assertEquals(alone[p][i], part[p][i - range[0]], 0f, type + ": " + t + " positions, rows " + range[0] + ".." + range[1] + ", row " + i);
                    }
                }
            }
        }
    }

    /**
     * Packed F16 prefill takes its groups two at a time or one at a time, whichever the library measured faster on
     * this core: both ways give every position the bits it has alone, for whole matrices and parts of groups.
     */
    @Test
    void packedF16PrefillGivesTheSameBitsEitherWay() {
        NativeKernels k = kernels();
        Assumptions.assumeTrue(k.packs(GgmlType.F16), "F16 is packed at AVX-512 only");
        sameBitsEitherWay(k, k::f16PrefillPairs, new String[] {"one group", "pairs"}, 256, 21, new int[] {10, 13, 20}, new int[][] {{0, 45}, {4, 40}, {16, 45}, {13, 35}});
    }

    /**
     * For each way {@code way} sets (false, true; restored after), products of a 45-row F16 matrix over each count of
     * positions in {@code ts} and each row range give every position the bits it has alone.
     */
    private void sameBitsEitherWay(NativeKernels k, java.util.function.Function<Boolean, Boolean> way, String[] names, int cols, int seed, int[] ts, int[][] ranges) {
        int rows = 45, most = java.util.Arrays.stream(ts).max().orElseThrow();
        WeightMatrix.Native w = matrix(k, GgmlType.F16, rows, cols, seed);
        Random r = new Random(seed + 1);
        float[][] x = new float[most][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        float[][] alone = new float[x.length][];
        for (int p = 0; p < x.length; p++) alone[p] = products(w, new float[][] {x[p]}, 1, 0, rows)[0];
        boolean measured = way.apply(null);
        try {
            for (boolean second : new boolean[] {false, true}) {
                assertEquals(second, way.apply(second));
                for (int t : ts) {
                    for (int[] range : ranges) {
                        float[][] part = products(w, x, t, range[0], range[1]);
                        for (int p = 0; p < t; p++) {
                            for (int i = range[0]; i < range[1]; i++) {
                                assertEquals(alone[p][i], part[p][i - range[0]], 0f, names[second ? 1 : 0] + ", " + t + " positions, rows " + range[0] + ".." + range[1] + ", row " + i);
                            }
                        }
                    }
                }
            }
        } finally {
            way.apply(measured);
        }
    }

    /** Nine F16 positions in one pass or in passes of five and four: each position's bits as alone, either way. */
    @Test
    void packedF16NinePositionsGiveTheSameBitsEitherWay() {
        NativeKernels k = kernels();
        if (!k.packs(GgmlType.F16)) {
            assertEquals(false, k.f16NineInTwoPasses(true), "below AVX-512 there is one way");
            return;
        }
        sameBitsEitherWay(k, k::f16NineInTwoPasses, new String[] {"one pass", "five and four"}, 320, 23, new int[] {9}, new int[][] {{0, 45}, {4, 40}, {16, 45}});
    }

    /** A library that lacks a function this jar calls (another build's, or none of ours) is named with the function. */
    @Test
    void aLibraryFromAnotherBuildIsNamedWithWhatItLacks() {
        java.nio.file.Path libm = java.nio.file.Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(libm), "a shared library without our functions: " + libm);
        assertEquals("Java Vector API kernels (native kernels did not load: " + libm + " has no sl_level (a library from another build of SpecLab?))",
                NativeKernels.statusOf(libm));
    }

    /** What bench says of F16 prefill and nine-position passes follows the ways the library takes; below AVX-512 (no packed F16) nothing. */
    @Test
    void theF16PrefillWayIsSaidAsTaken() {
        NativeKernels k = kernels();
        if (!k.packs(GgmlType.F16)) {
            assertNull(k.f16PrefillWay(), k.instructionSet());
            return;
        }
        boolean pairs = k.f16PrefillPairs(null), two = k.f16NineInTwoPasses(null);
        try {
            k.f16PrefillPairs(true);
            k.f16NineInTwoPasses(false);
            assertEquals("two groups of 16 rows a pass, nine positions in one pass (each way timed faster on this core)", k.f16PrefillWay());
            k.f16PrefillPairs(false);
            k.f16NineInTwoPasses(true);
            assertEquals("one group of 16 rows a pass, nine positions in passes of five and four (each way timed faster on this core)", k.f16PrefillWay());
        } finally {
            k.f16PrefillPairs(pairs);
            k.f16NineInTwoPasses(two);
        }
    }

    /**
     * A kernel reads only the positions it was given: the activations end against a page that cannot be
     * read, so a pass that computed more positions than the call holds (a switch case serving nine where
     * three were asked) faults instead of reading someone else's memory. Every count 1..17, every type.
     */
    @ParameterizedTest
    @MethodSource("nativeTypes")
    void kernelsReadNothingPastTheLastPosition(GgmlType type) {
        NativeKernels k = kernels();
        int cols = cols(type), rows = 40;
        WeightMatrix.Native w = matrix(k, type, rows, cols, 11);
        Random r = new Random(12);
        float[][] x = new float[17][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        float[] alone = products(w, new float[][] {x[0]}, 1, 0, rows)[0];
        for (int t = 1; t <= x.length; t++) {
            float[] first = products(w, x, t, 0, rows, new QuantizedActivations(GuardedMemory::beforeUnreadablePage))[0];
            assertArrayEquals(alone, first, type + ": position 0 of " + t);
        }
    }

    @ParameterizedTest
    @MethodSource("nativeTypes")
    void everyInstructionSetGivesTheSameBits(GgmlType type) {
        // AMX, AVX-512 VNNI, AVX2 with AVX-VNNI and plain AVX2, where this CPU has them, on the same (packed) weights
        List<NativeKernels> sets = new java.util.ArrayList<>();
        for (NativeKernels k : java.util.Arrays.asList(kernels(), NativeKernels.avx512(), NativeKernels.avxVnni(), NativeKernels.avx2())) {
            if (k != null && sets.stream().noneMatch(s -> s.instructionSet().equals(k.instructionSet()))) sets.add(k);
        }
        Assumptions.assumeTrue(sets.size() > 1, "this CPU has one instruction set of the kernels: nothing to compare");
        int cols = cols(type), rows = 28;
        WeightMatrix.Native a = matrix(sets.getFirst(), type, rows, cols, 7);
        Random r = new Random(8);
        float[][] x = new float[37][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        // on AMX, where the CPU has it: 6 to 9 positions on amx_few (Q8_0 from 8), 16 on full tiles, a last tile of 12 to 15
        // or 6 to 9 after them; fewer, and 10 or 11, on the vector kernels
        for (int t : new int[] {1, 3, 5, 6, 7, 8, 9, 10, 12, 16, 21, 25, 28, 37}) {
            float[][] va = products(a, x, t, 0, rows);
            for (NativeKernels k : sets.subList(1, sets.size())) {
                WeightMatrix.Native b = new WeightMatrix.Native(a.data(), rows, cols, a.codec(), k, a.packed());
                float[][] vb = products(b, x, t, 0, rows);
                for (int p = 0; p < t; p++) assertArrayEquals(va[p], vb[p], type + ", " + sets.getFirst().instructionSet() + " and " + k.instructionSet() + ", position " + p + " of " + t);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("nativeTypes")
    void packedGroupsAndTheRowKernelsAgreeClosely(GgmlType type) {
        NativeKernels k = kernels();
        int cols = cols(type), rows = 32;
        WeightMatrix.Native packed = matrix(k, type, rows, cols, 9);
        Assumptions.assumeTrue(k.packs(type), type + " is not packed on " + k.instructionSet());
        assertEquals(32, packed.packedRows(), type + " should be packed");
        WeightMatrix.Native plain = new WeightMatrix.Native(packed.data(), rows, cols, packed.codec(), k, (MemorySegment) null);
        Random r = new Random(10);
        float[][] x = new float[5][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        // both on the activations packed rows take (Q6_K: a scale per super-block, which the row kernels read per block)
        QuantizedActivations acts = new QuantizedActivations();
        acts.prepare(k, x, 5, cols, true, null, true, QuantizedActivations.span(packed));
        MemorySegment out = acts.out(5L * rows);
        acts.multiply(packed, 0, rows, 5, out);
        float[] a = out.toArray(ValueLayout.JAVA_FLOAT);
        acts.multiply(plain, 0, rows, 5, out);
        float[] b = out.toArray(ValueLayout.JAVA_FLOAT);
        // the same integers per block, the float sums in another order
        for (int p = 0; p < 5; p++) for (int i = 0; i < rows; i++) assertEquals(b[p * rows + i], a[p * rows + i], 1e-4f * (1 + Math.abs(b[p * rows + i])), type + " row " + i);
    }

    /** The types {@link NativeKernels#handles} names are the cases of sl_matmul in native/cpu/dispatch.c, each a row of the type table. */
    @Test
    void theJavaSideAndTheCSideNameTheSameTypes() throws Exception {
        String c = java.nio.file.Files.readString(java.nio.file.Path.of("native/cpu/dispatch.c"));
        String body = c.substring(c.indexOf("int sl_matmul("), c.indexOf("default:", c.indexOf("int sl_matmul(")));
        java.util.Set<Integer> cases = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("case (\\d+):").matcher(body);
        while (m.find()) cases.add(Integer.parseInt(m.group(1)));
        java.util.Set<Integer> named = new java.util.TreeSet<>();
        for (GgmlType t : GgmlType.values()) if (NativeKernels.handles(t, 256)) named.add(t.id);
        assertEquals(cases, named, "sl_matmul's cases against NativeKernels.handles");
        for (GgmlType t : nativeTypes().toList()) assertTrue(WeightType.of(t) != null, t + " has native kernels but no row in the type table");
        assertEquals(named.size(), nativeTypes().count(), "every native type is a row of the table");
    }

    /** What {@code devices} and {@code bench} print: the instruction set, every type on the native kernels, and which are packed. */
    @Test
    void theStatusNamesTheKernelsAndWhatIsPacked() {
        NativeKernels k = kernels();
        String status = NativeKernels.status();
        assertTrue(status.contains(k.instructionSet()), status);
        for (GgmlType t : nativeTypes().toList()) assertTrue(status.contains(t.name()), t + " in: " + status);
        boolean all = nativeTypes().allMatch(k::packs);
        assertEquals(all, status.contains("(each repacked with 16 rows side by side)"), status);
        assertEquals(!all, status.contains(" repacked with 16 rows side by side") && !status.contains("each repacked"), status);
    }

    /** The types Java repacks are those sl_packed_bytes in native/cpu/dispatch.c sizes (F16: at AVX-512 only, by choice). */
    @Test
    void theJavaSideAndTheCSidePackTheSameTypes() {
        NativeKernels k = kernels();
        for (GgmlType t : nativeTypes().toList()) {
            if (t == GgmlType.F16) continue;
            long rowBytes = t.byteSize(cols(t));
            boolean c;
            try {
                c = k.packedBytes(t, rowBytes, 16) > 0;
            } catch (IllegalStateException e) {
                c = false;
            }
            assertEquals(c, k.packs(t), t + ": packed on the C side, against NativeKernels.packs");
        }
    }

    /**
     * Packed Q6_K, Q3_K and Q2_K rows refuse activations with a scale per block, which their kernels would misread; with
     * the others' packed rows, or unpacked rows of these, the activations keep a scale per block.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"Q6_K", "Q3_K", "Q2_K"})
    void packedRowsWithAScalePerSuperBlockRefuseActivationsWithAScalePerBlock(GgmlType type) {
        NativeKernels k = kernels();
        WeightMatrix.Native w = matrix(k, type, 16, 256, 9);
        Assumptions.assumeTrue(w.packedRows() > 0, type + " packs here");
        float[][] x = {new float[256]};
        QuantizedActivations a = new QuantizedActivations();
        a.prepare(k, x, 1, 256, true, null, true, 1);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> a.multiply(w, 0, 16, 1, a.out(16)));
        assertTrue(e.getMessage().contains("scale per 8 blocks"), e.getMessage());
        assertEquals(8, QuantizedActivations.span(w));
        assertEquals(8, QuantizedActivations.span(matrix(k, GgmlType.Q4_K, 16, 256, 9), w), "one such matrix among others sets the span");
        assertEquals(1, QuantizedActivations.span(matrix(k, GgmlType.Q4_K, 16, 256, 9)));
        assertEquals(1, QuantizedActivations.span(new WeightMatrix.Native(w.data(), 16, 256, w.codec(), k, (MemorySegment) null)), "unpacked " + type);
    }

    /**
     * Activations quantized without the transposed copy (products on packed rows only) give packed rows the same
     * bits, and a product that would need the copy (unpacked rows, eight positions or more) refuses instead of
     * reading a stale one.
     */
    @ParameterizedTest
    @MethodSource("nativeTypes")
    void theTransposedCopyIsSkippedOnlyWherePackedRowsServeTheProduct(GgmlType type) {
        NativeKernels k = kernels();
        Assumptions.assumeTrue(type != GgmlType.F16, "F16 multiplies float activations");
        int cols = cols(type), rows = 40, t = 9; // two packed groups of 16 (where the type packs), 8 rows on the row kernels
        WeightMatrix.Native w = matrix(k, type, rows, cols, 11);
        Random r = new Random(12);
        float[][] x = new float[t][cols];
        for (float[] v : x) for (int j = 0; j < cols; j++) v[j] = (float) r.nextGaussian();
        float[][] full = products(w, x, t, 0, rows);
        QuantizedActivations a = new QuantizedActivations();
        a.prepare(k, x, t, cols, true, null, false, QuantizedActivations.span(w));
        MemorySegment out = a.out((long) t * rows);
        int packed = w.packedRows();
        if (packed > 0) {
            a.multiply(w, 0, packed, t, out);
            for (int p = 0; p < t; p++) {
                float[] got = new float[packed];
                MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 4L * p * rows, got, 0, packed);
                assertArrayEquals(java.util.Arrays.copyOf(full[p], packed), got, type + " position " + p);
            }
        }
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> a.multiply(w, packed, rows, t, out));
        assertTrue(e.getMessage().contains("transposed"), e.getMessage());
    }

    @Test
    void typesAndWidthsTheKernelsTake() {
        assertTrue(NativeKernels.handles(GgmlType.Q4_0, 96));
        assertTrue(!NativeKernels.handles(GgmlType.Q4_0, 80));
        assertTrue(NativeKernels.handles(GgmlType.Q6_K, 512));
        assertTrue(NativeKernels.handles(GgmlType.F16, 512));
        assertTrue(!NativeKernels.handles(GgmlType.F16, 20));
        assertTrue(!NativeKernels.handles(GgmlType.F32, 512));
        assertTrue(!NativeKernels.handles(GgmlType.BF16, 512));
    }
}
