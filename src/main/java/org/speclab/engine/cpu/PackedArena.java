package org.speclab.engine.cpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model's packed weight copies live: chunks of {@link #CHUNK} bytes or more from
 * {@link NativeKernels#hugeChunk} (2 MiB aligned, offered to the system for transparent huge pages before
 * the packing writes them), the matrices placed one after another inside. A matrix mapped on its own would
 * rarely fill a 2 MiB page (a 2,816 × 1,024 Q4_K matrix packs into 1.6 MB), and in 4 KiB pages a pass over
 * several positions reads its weights from memory more slowly than from the cache, though it needs a
 * fraction of the bandwidth (one thread, that matrix times nine positions, 40 copies: 4.3 ns a group of
 * 16 rows × 32 codes and position in 4 KiB pages, 3.6 in 2 MiB pages, 3.5 from L3; measured). Where a chunk
 * cannot be mapped, the memory comes from a plain shared arena. Closed with the model: every chunk unmapped.
 */
final class PackedArena implements Arena {
    /** The least a chunk maps: enough for several matrices, so that few chunk tails stay unused. */
    static final long CHUNK = 32L << 20;
    /** {@code -Dspeclab.native.hugepages=off}: the packed copies in plain memory (to measure what the huge pages gain). */
    private static final boolean HUGE = !"off".equals(System.getProperty("speclab.native.hugepages"));
    /** Whether this arena maps chunks for huge pages ({@code HUGE}, or as a test asks). */
    private final boolean huge;

    private final Arena arena = Arena.ofShared();
    private final NativeKernels kernels;
    private MemorySegment chunk;
    private final List<long[]> chunks = new ArrayList<>(); // {address, bytes}
    private long used;
    private long mapped, placed, advisedBytes;

    PackedArena(NativeKernels kernels) { this(kernels, HUGE); }

    PackedArena(NativeKernels kernels, boolean huge) {
        this.kernels = kernels;
        this.huge = huge;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1 || byteAlignment > NativeKernels.HUGE_PAGE)
            throw new IllegalArgumentException("size " + byteSize + ", alignment " + byteAlignment);
        placed += byteSize;
        if (!huge) return arena.allocate(byteSize, byteAlignment);
        long at = chunk == null ? 0 : (used + byteAlignment - 1) & -byteAlignment;
        if (chunk == null || at + byteSize > chunk.byteSize()) {
            long bytes = Math.max(CHUNK, (byteSize + NativeKernels.HUGE_PAGE - 1) / NativeKernels.HUGE_PAGE * NativeKernels.HUGE_PAGE);
            boolean[] advised = {false};
            MemorySegment c = kernels.hugeChunk(bytes, arena, advised);
            if (c == null) return arena.allocate(byteSize, byteAlignment); // no mapping: plain memory, the last chunk kept
            chunk = c;
            chunks.add(new long[] {c.address(), bytes});
            mapped += bytes;
            if (advised[0]) advisedBytes += bytes;
            at = 0;
        }
        used = at + byteSize;
        return chunk.asSlice(at, byteSize);
    }

    /** Bytes mapped for huge pages, and of them the bytes the system took the advice for. */
    synchronized long[] mappedAndAdvised() { return new long[] {mapped, advisedBytes}; }

    /** Bytes of packed weights this arena gave out (in its chunks, or in plain memory where none could be mapped). */
    synchronized long placed() { return placed; }

    /** The chunks as {address, bytes}. */
    synchronized List<long[]> chunks() { return List.copyOf(chunks); }

    /**
     * One sentence on the pages the packed weights lie in: how many bytes the system backs with 2 MiB pages
     * (its {@code /proc/self/smaps}), and where none, why.
     */
    String pages() {
        long[] ma = mappedAndAdvised();
        return pages(placed(), ma[0], huge && ma[0] > 0 ? hugeBacked(smaps(), chunks()) : 0, huge ? thpMode() : null, huge);
    }

    /**
     * The sentence of {@link #pages()} for {@code placed} bytes of packed weights in chunks of {@code mapped} bytes, of
     * which {@code huge} (−1: unknown) lie in 2 MiB pages; {@code mode}: THP's setting (null: unknown).
     */
    static String pages(long placed, long mapped, long huge, String mode, boolean enabled) {
        String size = String.format(Locale.ROOT, "%.1f MiB", placed / 1048576.0);
        if (!enabled) return "packed weights " + size + " in the system's default pages (-Dspeclab.native.hugepages=off)";
        if (mapped == 0) return "packed weights " + size + " in the system's default pages (no memory could be mapped for 2 MiB pages)";
        String thp = mode == null ? "" : " (transparent huge pages: " + mode + ")";
        if (huge < 0) return "packed weights " + size + " in memory advised for 2 MiB pages" + thp;
        if (huge >= placed) return "packed weights " + size + ", all in 2 MiB pages, " + huge / NativeKernels.HUGE_PAGE + " of them" + thp;
        if (huge > 0) return String.format(Locale.ROOT, "packed weights %s, %.1f MiB of it in 2 MiB pages, the rest in 4 KiB pages%s", size, huge / 1048576.0, thp);
        return "packed weights " + size + " in 4 KiB pages: " + ("never".equals(mode)
                ? "transparent huge pages are off on this system (never in " + THP + "); madvise or always would let SpecLab place them in 2 MiB pages"
                : "the system gave no 2 MiB pages" + thp);
    }

    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    /** The bracketed word of THP's setting (always, madvise or never), or null where it cannot be read. */
    static String thpMode() {
        try {
            Matcher m = Pattern.compile("\\[(\\w+)]").matcher(Files.readString(THP));
            return m.find() ? m.group(1) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String smaps() {
        try {
            return Files.readString(Path.of("/proc/self/smaps"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Bytes of {@code AnonHugePages} in the mappings of an smaps text that overlap the ranges {address, bytes}, or −1
     * where there is no text.
     */
    static long hugeBacked(String smaps, List<long[]> ranges) {
        if (smaps == null) return -1;
        Pattern head = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");
        boolean inside = false;
        long bytes = 0;
        for (String line : smaps.split("\n")) {
            Matcher m = head.matcher(line);
            if (m.find()) {
                long from = Long.parseUnsignedLong(m.group(1), 16), to = Long.parseUnsignedLong(m.group(2), 16);
                inside = ranges.stream().anyMatch(r -> from < r[0] + r[1] && r[0] < to);
            } else if (inside && line.startsWith("AnonHugePages:")) {
                bytes += 1024 * Long.parseLong(line.substring("AnonHugePages:".length()).replace("kB", "").strip());
            }
        }
        return bytes;
    }

    @Override
    public MemorySegment.Scope scope() { return arena.scope(); }

    @Override
    public void close() { arena.close(); }
}
