package org.speclab.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.WeightType;

/**
 * The kernels of {@code native/cpu} (built by the project's own build with the system C compiler,
 * carried in the jar): quantized weights times 8-bit quantized activations with VNNI
 * {@code vpdpbusd} or AVX2 {@code maddubs}, as llama.cpp multiplies them; F16 weights converted by
 * F16C and multiplied with the float32 activations. Where the library is
 * missing, does not load, or the CPU has neither instruction set, {@link #get()} is null and the
 * Java Vector API kernels run; {@link #status()} says which and why.
 * {@code -Dspeclab.native=off} (or {@code SPECLAB_NATIVE=0}) turns the library off;
 * {@code -Dspeclab.native.isa=avx2} keeps it to AVX2 ({@code avxvnni}: AVX2 with AVX-VNNI's vpdpbusd, where the CPU has it;
 * {@code avx512}: AVX-512 VNNI without AMX's tiles); {@code -Dspeclab.native.pack=off} keeps every matrix unpacked.
 */
final class NativeKernels {
    private static final String RESOURCE = "/native/linux-x86_64/libspeclabcpu.so";
    /** {@code -Dspeclab.native.pack=off}: every matrix on the row kernels (to measure what packing gains); before LOADED, whose status names the packed types. */
    private static final boolean PACK = !"off".equals(System.getProperty("speclab.native.pack"));
    /** Whether matrices loaded from now on are packed: {@code PACK}, or off where a test loads a model unpacked. */
    static volatile boolean packing = PACK;
    private static final Loaded LOADED = load();

    private record Handles(MethodHandle quantizePart, MethodHandle quantizeBlocks, MethodHandle matmul, MethodHandle actBytes, MethodHandle pack, MethodHandle packedBytes,
                           MethodHandle matmulPacked, MethodHandle f16Pairs, MethodHandle f16Split9, MethodHandle hugeAlloc, MethodHandle hugeFree,
                           int best, int levels) {}

    private record Loaded(Handles handles, NativeKernels kernels, String status) {}

    private final Handles h;
    private final int level;

    private NativeKernels(Handles h, int level) {
        this.h = h;
        this.level = level;
    }

    /** The loaded kernels at the CPU's best instruction set, or null where the Java kernels run. */
    static NativeKernels get() { return LOADED.kernels; }

    /** One line: which kernels quantized weights run on here, and why. */
    static String status() { return LOADED.status; }

    /** The kernels limited to AVX2 (tests compare them with VNNI's on CPUs that have both); null without AVX2. */
    static NativeKernels avx2() { return atLevel(AVX2); }

    /** The AVX2 kernels with AVX-VNNI's 256-bit vpdpbusd (Intel desktops since Alder Lake); null where this CPU lacks it. */
    static NativeKernels avxVnni() { return atLevel(AVX_VNNI); }

    /** AVX-512 VNNI's kernels without AMX's tiles (tests compare the two on CPUs with AMX); null where this CPU lacks AVX-512 VNNI. */
    static NativeKernels avx512() { return atLevel(AVX512_VNNI); }

    /** The kernels of one of sl_levels' levels, or null where this CPU (or a library that did not load) lacks it. */
    private static NativeKernels atLevel(int level) {
        return LOADED.handles == null || (LOADED.handles.levels & (1 << level)) == 0 ? null : new NativeKernels(LOADED.handles, level);
    }

    /** sl_level's numbers (native/cpu/dispatch.c); AMX: AVX-512 VNNI's kernels with prefill of Q8_0, Q4_0 and Q4_1 on int8 tiles. */
    private static final int AVX2 = 1, AVX512_VNNI = 2, AVX_VNNI = 3, AMX = 4;

    /**
     * Whether a matrix of this type and width runs here: the types with a case in {@code sl_matmul}
     * (native/cpu/dispatch.c), rows of whole blocks (F16's: of whole 8-lane vectors).
     */
    static boolean handles(GgmlType type, long cols) {
        return switch (type) {
            case F16 -> cols % 8 == 0;
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> cols % type.blockSize == 0;
            default -> false;
        };
    }

    /**
     * Whether matrices of this type are repacked at load time with sixteen rows side by side
     * ({@code sl_pack} in native/cpu/dispatch.c), which the packed kernels multiply for several
     * positions at little more than the cost of one. F16 only with AVX-512: in AVX2's sixteen
     * registers the packed F16 kernel measured slower than the tiles of rows × positions.
     */
    boolean packs(GgmlType type) { return packs(type, level); }

    private static boolean packs(GgmlType type, int level) {
        return packing && switch (type) {
            case F16 -> level == AVX512_VNNI || level == AMX;
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /** Rows the packed kernels take in each group. */
    static final int PACK_ROWS = 16;

    String instructionSet() {
        return level == AMX ? "AVX-512 VNNI + AMX" : level == AVX512_VNNI ? "AVX-512 VNNI" : level == AVX_VNNI ? "AVX-VNNI" : "AVX2";
    }

    /** Bytes of a huge page, the unit {@link #hugeChunk} maps. */
    static final long HUGE_PAGE = 2L << 20;

    /**
     * {@code bytes} (a multiple of {@link #HUGE_PAGE}) of fresh zeroed memory, 2 MiB aligned and offered to the
     * operating system for transparent huge pages before anything touches it ({@code sl_huge_alloc}), unmapped when
     * {@code arena} closes; null where the mapping fails. {@code advised[0]} says whether the system took the advice.
     */
    MemorySegment hugeChunk(long bytes, Arena arena, boolean[] advised) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment flag = tmp.allocate(ValueLayout.JAVA_INT);
            MemorySegment p = (MemorySegment) h.hugeAlloc.invokeExact(bytes, flag);
            advised[0] = flag.get(ValueLayout.JAVA_INT, 0) != 0;
            if (p.address() == 0) return null;
            MethodHandle free = h.hugeFree;
            return p.reinterpret(bytes, arena, s -> {
                try {
                    free.invokeExact(s, bytes);
                } catch (Throwable e) {
                    throw new IllegalStateException("native sl_huge_free failed", e);
                }
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_huge_alloc failed", e);
        }
    }

    /** Bytes that the first {@code rows / 16 · 16} rows of a matrix of a type {@link #packs} takes fill when packed. */
    long packedBytes(GgmlType type, long rowBytes, int rows) {
        try {
            long bytes = (long) h.packedBytes.invokeExact(type.id, rowBytes, rows);
            if (bytes < 0) throw new IllegalStateException("native kernels do not pack " + type);
            return bytes;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_packed_bytes failed", e);
        }
    }

    /**
     * Writes the first {@code rows / 16 · 16} rows of {@code w} (a matrix of a type {@link #packs}
     * takes, rows of {@code rowBytes}) into {@code dst} in the packed layout; {@code dst} holds
     * {@link #packedBytes} bytes.
     */
    void pack(GgmlType type, MemorySegment w, long rowBytes, int rows, MemorySegment dst) {
        int rc;
        try {
            rc = (int) h.pack.invokeExact(type.id, address(w, rowBytes * (rows / PACK_ROWS * PACK_ROWS)), rowBytes, rows,
                    address(dst, packedBytes(type, rowBytes, rows)));
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_pack failed", e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(w);
            java.lang.ref.Reference.reachabilityFence(dst);
        }
        if (rc != 0) throw new IllegalStateException("native kernels do not pack " + type);
    }

    /** As {@link #matmul}, for rows of {@code packed} (written by {@link #pack}; every row {@code r < to} in it: the caller's to check). */
    void matmulPacked(GgmlType type, MemorySegment packed, long rowBytes, int from, int to, MemorySegment act, long values,
                      long n, int t, MemorySegment out, long outStride) {
        product(h.matmulPacked, "packed ", type, packed, packed.byteSize(), rowBytes, from, to, act, values, n, t, out, outStride);
    }

    /**
     * How packed F16 prefill runs at this level: two groups of 16 rows a pass (true) or one. The same bits either way;
     * which is faster depends on the core (Zen 5 two, Zen 4 one), so the library measures both the first time it is
     * asked ({@code sl_f16_pairs} in native/cpu/kernels.c). {@code set}: null asks, true or false sets it (tests run
     * both). Always false below AVX-512.
     */
    boolean f16PrefillPairs(Boolean set) {
        try {
            return (int) h.f16Pairs.invokeExact(level, set == null ? -1 : set ? 1 : 0) != 0;
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_f16_pairs failed", e);
        }
    }

    /**
     * Whether nine positions of a packed F16 product (a k = 8 verify) run as passes of five and four (true) or in one
     * pass. The same bits either way; which is faster depends on the core, so the library measures both the first time
     * it is asked ({@code sl_f16_split9} in native/cpu/kernels.c). {@code set}: null asks, true or false sets it (tests
     * run both). Always false below AVX-512.
     */
    boolean f16NineInTwoPasses(Boolean set) {
        try {
            return (int) h.f16Split9.invokeExact(level, set == null ? -1 : set ? 1 : 0) != 0;
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_f16_split9 failed", e);
        }
    }

    /**
     * How this core runs packed F16 products, in words for {@code bench}: prefill's groups a pass and a nine-position
     * verify's passes ({@link #f16PrefillPairs} and {@link #f16NineInTwoPasses} asked, so the first call times both
     * ways of each); null below AVX-512, where there is one way.
     */
    String f16PrefillWay() {
        if (level != AVX512_VNNI && level != AMX) return null;
        return (f16PrefillPairs(null) ? "two groups of 16 rows a pass" : "one group of 16 rows a pass") + ", nine positions "
                + (f16NineInTwoPasses(null) ? "in passes of five and four" : "in one pass") + " (each way timed faster on this core)";
    }

    /** Bytes of activation buffer that {@code values} quantized values, {@code n} per position, take (scales, sums, transposed copy). */
    long activationBytes(long values, long n) {
        try {
            return (long) h.actBytes.invokeExact(values, n);
        } catch (Throwable e) {
            throw new IllegalStateException("native sl_act_bytes failed", e);
        }
    }

    /**
     * Quantizes {@code values} floats at {@code x} (positions of {@code n} values one after another,
     * n a whole number of blocks of 32) into {@code act}: int8 values, a float scale per 32 and their
     * sums, and for eight positions or more their transposed copy; {@code actBytes}: what
     * {@link #activationBytes} gave for this shape.
     */
    void quantize(MemorySegment x, long values, long n, MemorySegment act, long actBytes) {
        quantize(x, values, n, act, actBytes, 0, (int) (values / n), true, 1);
    }

    /**
     * As {@link #quantize}, positions {@code p0 ≤ p < p1} only ({@code p0} and {@code p1} multiples of eight,
     * or {@code p1} the last position): several threads can quantize parts of one buffer at once.
     * {@code transposed}: also the transposed copy, which only {@link #matmul} reads (eight positions or
     * more of Q8_0, Q4_0 or Q5_0); products that all run on packed rows do without it. {@code span}: the blocks of 32
     * that share one scale, 1, or 8 where a product runs packed Q6_K, Q3_K or Q2_K rows ({@link QuantizedActivations#span}).
     */
    void quantize(MemorySegment x, long values, long n, MemorySegment act, long actBytes, int p0, int p1, boolean transposed, int span) {
        if (p0 % 8 != 0 || (p1 % 8 != 0 && p1 != values / n) || p0 < 0 || p1 > values / n) {
            throw new IllegalArgumentException("positions " + p0 + ".." + p1 + " of " + values / n + " are not whole groups of eight");
        }
        checkSpan(span, n);
        try {
            h.quantizePart.invokeExact(level, address(x, 4 * values), values, n, address(act, actBytes), (long) p0, (long) p1, transposed ? 1 : 0, span);
        } catch (Throwable e) {
            throw new IllegalStateException("native quantize failed", e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(x);
            java.lang.ref.Reference.reachabilityFence(act);
        }
    }

    private static void checkSpan(int span, long n) {
        if ((span != 1 && span != 8) || n % (32L * span) != 0) throw new IllegalArgumentException("a scale per " + span + " blocks of 32 does not divide rows of " + n + " values");
    }

    /**
     * As {@link #quantize}, blocks {@code c0 ≤ c < c1} (of 32 values) of each position {@code p0 ≤ p < p1}, the same
     * bytes as quantizing the whole positions gives them, and never the transposed copy: a thread that computed a
     * range of every position's values quantizes that range itself, while another quantizes the rest ({@code c0} and
     * {@code c1} multiples of {@code span}, whose blocks share one scale).
     */
    void quantizeBlocks(MemorySegment x, long values, long n, MemorySegment act, long actBytes, int p0, int p1, int c0, int c1, int span) {
        if (p0 < 0 || p1 > values / n || p0 > p1 || c0 < 0 || c1 > n / 32 || c0 > c1) {
            throw new IllegalArgumentException("blocks " + c0 + ".." + c1 + " of positions " + p0 + ".." + p1 + " are outside " + values / n + " positions of " + n / 32 + " blocks");
        }
        checkSpan(span, n);
        if (c0 % span != 0 || c1 % span != 0) throw new IllegalArgumentException("blocks " + c0 + ".." + c1 + " split a span of " + span + " blocks that share one scale");
        try {
            h.quantizeBlocks.invokeExact(level, address(x, 4 * values), values, n, address(act, actBytes), (long) p0, (long) p1, (long) c0, (long) c1, span);
        } catch (Throwable e) {
            throw new IllegalStateException("native quantize failed", e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(x);
            java.lang.ref.Reference.reachabilityFence(act);
        }
    }

    /**
     * out[p · outStride + r] = row r · position p, for rows {@code from ≤ r < to} and the first
     * {@code t} positions of {@code act} (which holds {@code values} quantized values, {@code n} per position).
     */
    void matmul(GgmlType type, MemorySegment w, long rowBytes, int from, int to, MemorySegment act, long values,
                long n, int t, MemorySegment out, long outStride) {
        product(h.matmul, "", type, w, rowBytes * to, rowBytes, from, to, act, values, n, t, out, outStride);
    }

    /** One call of {@code sl_matmul} or {@code sl_matmul_packed} (the same arguments), {@code w} holding {@code wBytes}. */
    private void product(MethodHandle fn, String kind, GgmlType type, MemorySegment w, long wBytes, long rowBytes, int from, int to,
                         MemorySegment act, long values, long n, int t, MemorySegment out, long outStride) {
        int rc;
        try {
            rc = (int) fn.invokeExact(level, type.id, address(w, wBytes), rowBytes, from, to, address(act, values), values, n, t,
                    address(out, 4 * ((t - 1) * outStride + to)), outStride);
        } catch (Throwable e) {
            throw new IllegalStateException("native " + kind + "matmul failed", e);
        } finally {
            java.lang.ref.Reference.reachabilityFence(w);
            java.lang.ref.Reference.reachabilityFence(act);
            java.lang.ref.Reference.reachabilityFence(out);
        }
        if (rc != 0) throw new IllegalStateException("native kernels have no " + kind + type + " matmul");
    }

    /**
     * The segment's address, after checking it holds {@code bytes}: the kernels take raw addresses,
     * because passing segments made every call acquire and release their shared arenas, an atomic
     * update both threads fought over (a few microseconds per matrix product). Callers keep the
     * segments reachable for the call (the model stays open; the activation buffers are fields).
     */
    private static long address(MemorySegment s, long bytes) {
        if (s.byteSize() < bytes || !s.isNative()) throw new IllegalArgumentException("segment of " + s.byteSize() + " bytes, " + bytes + " needed");
        return s.address();
    }

    /** "F16, Q4_0, …": the types SpecLab reads that {@code which} accepts, in the table's order. */
    static String typeList(java.util.function.Predicate<GgmlType> which) {
        return WeightType.names(WeightType.types(w -> which.test(w.ggml)));
    }

    private static Loaded load() {
        String off = System.getProperty("speclab.native", System.getenv().getOrDefault("SPECLAB_NATIVE", "on"));
        if (off.equals("off") || off.equals("0") || off.equals("false")) {
            return new Loaded(null, null, "Java Vector API kernels (native kernels turned off)");
        }
        Path path;
        try {
            path = library();
        } catch (Throwable e) {
            return new Loaded(null, null, "Java Vector API kernels (native kernels did not load: " + e.getMessage() + ")");
        }
        if (path == null) return new Loaded(null, null, "Java Vector API kernels (no native kernels were built for this system)");
        return loadFrom(path);
    }

    /** The status {@link #status} gives where the library is {@code path}: which kernels run, or why the Java ones do. */
    static String statusOf(Path path) { return loadFrom(path).status(); }

    private static Loaded loadFrom(Path path) {
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(path, Arena.global());
            // a library from another build lacks what this jar calls: said by name, not as a bare "No value present"
            java.util.function.Function<String, MemorySegment> sym = name -> lib.find(name).orElseThrow(
                    () -> new IllegalStateException(path + " has no " + name + " (a library from another build of SpecLab?)"));
            Linker linker = Linker.nativeLinker();
            MethodHandle levelFn = linker.downcallHandle(sym.apply("sl_level"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            int best = (int) levelFn.invokeExact();
            MethodHandle quantizePart = linker.downcallHandle(sym.apply("sl_quantize_part"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.critical(false));
            MethodHandle quantizeBlocks = linker.downcallHandle(sym.apply("sl_quantize_blocks"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), Linker.Option.critical(false));
            MethodHandle matmul = linker.downcallHandle(sym.apply("sl_matmul"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            MethodHandle actBytes = linker.downcallHandle(sym.apply("sl_act_bytes"), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            MethodHandle pack = linker.downcallHandle(sym.apply("sl_pack"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            MethodHandle packedBytes = linker.downcallHandle(sym.apply("sl_packed_bytes"), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), Linker.Option.critical(false));
            MethodHandle matmulPacked = linker.downcallHandle(sym.apply("sl_matmul_packed"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            MethodHandle f16Pairs = linker.downcallHandle(sym.apply("sl_f16_pairs"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle f16Split9 = linker.downcallHandle(sym.apply("sl_f16_split9"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle hugeAlloc = linker.downcallHandle(sym.apply("sl_huge_alloc"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
            MethodHandle hugeFree = linker.downcallHandle(sym.apply("sl_huge_free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            int levels = (int) linker.downcallHandle(sym.apply("sl_levels"), FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
            Handles h = new Handles(quantizePart, quantizeBlocks, matmul, actBytes, pack, packedBytes, matmulPacked, f16Pairs, f16Split9,
                    hugeAlloc, hugeFree, best, levels);
            if (best < 1) return new Loaded(h, null, "Java Vector API kernels (this CPU has neither AVX2 nor AVX-512 VNNI)");
            // -Dspeclab.native.isa=avx2 (or avxvnni, avx512, where the CPU has it): an AVX2 desktop's kernels on an AVX-512 machine, or AVX-512 without AMX, to measure them
            String isa = System.getProperty("speclab.native.isa", "");
            int level = isa.equals("avx2") ? AVX2 : isa.equals("avxvnni") && (levels & (1 << AVX_VNNI)) != 0 ? AVX_VNNI
                    : isa.equals("avx512") && (levels & (1 << AVX512_VNNI)) != 0 ? AVX512_VNNI : best;
            NativeKernels k = new NativeKernels(h, level);
            String all = typeList(t -> handles(t, 256)), packed = typeList(t -> k.packs(t));
            return new Loaded(h, k, "native " + k.instructionSet() + " kernels for " + all
                    + (packed.equals(all) ? " (each repacked with 16 rows side by side)" : packed.isEmpty() ? "" : " (" + packed + " repacked with 16 rows side by side)"));
        } catch (Throwable e) {
            return new Loaded(null, null, "Java Vector API kernels (native kernels did not load: " + e.getMessage() + ")");
        }
    }

    /** The library: {@code -Dspeclab.native.lib=PATH}, else the jar's copy unpacked once per content. */
    private static Path library() throws IOException {
        String explicit = System.getProperty("speclab.native.lib");
        if (explicit != null) return Path.of(explicit);
        if (!System.getProperty("os.name", "").startsWith("Linux") || !System.getProperty("os.arch", "").equals("amd64")) return null;
        byte[] bytes;
        try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return null;
            bytes = in.readAllBytes();
        }
        // one file per content, written under a temporary name and renamed: concurrent starts never see half a file
        String name = "libspeclabcpu-" + Integer.toHexString(java.util.Arrays.hashCode(bytes)) + "-" + bytes.length + ".so";
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "speclab-" + System.getProperty("user.name", "user"));
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) return target;
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "lib", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
