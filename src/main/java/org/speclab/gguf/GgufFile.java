package org.speclab.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file (versions 2 and 3) mapped into memory with java.lang.foreign, so files beyond 2 GB
 * work and tensor data is never copied onto the heap. Every count and length read from the file is
 * checked against the bytes that remain before anything is allocated, so a corrupt or hostile file
 * gives a {@link ModelFormatException} naming the field, never an OutOfMemoryError.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's own limit on tensor dimensions. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<TensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;
    private final MemorySegment mapped;
    private final Arena arena;

    private GgufFile(Path path, int version, Map<String, GgufValue> metadata, List<TensorInfo> tensors,
                     int alignment, long dataOffset, MemorySegment mapped, Arena arena) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.mapped = mapped;
        this.arena = arena;
    }

    /** Maps and parses {@code path}; the mapping lives until {@link #close()}. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                seg = ch.size() == 0 ? MemorySegment.NULL.reinterpret(0)
                        : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            return parse(path, seg, arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(path, null, "file not found");
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path, null, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, MemorySegment seg, Arena arena) {
        GgufCursor in = new GgufCursor(path, seg);
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(path, "magic",
                    String.format("not a GGUF file (expected bytes 'GGUF', found 0x%08x)", Integer.reverseBytes(magic)));
        }
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            throw new ModelFormatException(path, "version",
                    "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2 and 3)");
        }
        long tensorCount = in.count("tensor_count", 8 + 4 + 4 + 8 + 8);
        long kvCount = in.count("metadata_kv_count", 8 + 4 + 1);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            GgufValueType type = in.valueType(key);
            if (metadata.put(key, in.value(key, type)) != null) {
                throw new ModelFormatException(path, key, "duplicate metadata key");
            }
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            long v = a.type().isInteger() ? a.asLong() : -1;
            if (v <= 0 || v > (1 << 20) || Long.bitCount(v) != 1) {
                throw new ModelFormatException(path, "general.alignment", "must be a power of two, found " + a.value());
            }
            alignment = (int) v;
        }

        List<TensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo t = in.tensorInfo(i, alignment);
            if (!names.add(t.name())) throw new ModelFormatException(path, "tensor " + t.name(), "duplicate tensor name");
            tensors.add(t);
        }

        long dataOffset = align(in.position(), alignment);
        long dataSize = seg.byteSize() - dataOffset;
        for (TensorInfo t : tensors) {
            long end = t.offset() + t.byteSize();
            if (dataSize < 0 || end > dataSize || end < 0) {
                throw new ModelFormatException(path, "tensor " + t.name(), String.format(
                        "data [%d, %d) lies beyond the end of the file (data section holds %d bytes; the file is truncated?)",
                        t.offset(), end, Math.max(dataSize, 0)));
            }
        }
        // two tensors whose bytes overlap: no writer makes that; reading either would read the other
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(java.util.Comparator.comparingLong(TensorInfo::offset));
        TensorInfo prev = null;
        for (TensorInfo t : byOffset) {
            if (t.byteSize() == 0) continue;
            if (prev != null && prev.offset() + prev.byteSize() > t.offset()) {
                throw new ModelFormatException(path, "tensor " + t.name(), String.format("data [%d, %d) overlaps tensor %s's [%d, %d)",
                        t.offset(), t.offset() + t.byteSize(), prev.name(), prev.offset(), prev.offset() + prev.byteSize()));
            }
            prev = t;
        }
        return new GgufFile(path, version, metadata, tensors, alignment, dataOffset, seg, arena);
    }

    static long align(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() { return path; }

    public int version() { return version; }

    public Map<String, GgufValue> metadata() { return metadata; }

    public List<TensorInfo> tensors() { return tensors; }

    public int alignment() { return alignment; }

    /** File offset at which the tensor data section starts. */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return mapped.byteSize(); }

    /** The bytes of one tensor, a view into the mapping. */
    public MemorySegment data(TensorInfo t) {
        return mapped.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    public Arena arena() { return arena; }

    @Override
    public void close() {
        arena.close();
    }
}
