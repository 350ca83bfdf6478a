package org.speclab.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.ModelFormatException;

/**
 * One {@code .safetensors} file, mapped: an 8-byte little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data, offsets
 * counted from the end of the header. Every entry's offsets and byte size are checked against the
 * file here; whether its dtype is one SpecLab computes with is asked only of the tensors a model uses.
 */
final class SafeTensors {
    /** safetensors caps the header at 100 MB; a larger length is a corrupt or foreign file. */
    static final long MAX_HEADER = 100_000_000;

    /** The dtypes SpecLab computes with, by their safetensors names, in the order messages list them. */
    static final Map<String, GgmlType> TYPES = orderedTypes();

    private static Map<String, GgmlType> orderedTypes() {
        Map<String, GgmlType> m = new LinkedHashMap<>();
        m.put("F32", GgmlType.F32);
        m.put("F16", GgmlType.F16);
        m.put("BF16", GgmlType.BF16);
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * A tensor's place in the file, in Hugging Face's order: shape[0] is the outermost dimension.
     *
     * @param type null for a dtype SpecLab does not compute with (its bytes were still checked)
     */
    record Entry(Path file, String name, String dtype, GgmlType type, long[] shape, MemorySegment data) {}

    private SafeTensors() {}

    /** Maps {@code file} into {@code arena}; the entries' data are views of that mapping. */
    static Map<String, Entry> open(Path file, Arena arena) {
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 8) throw new ModelFormatException(file, "header", "file is truncated (" + ch.size() + " bytes; the header length alone takes 8)");
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, null, "safetensors file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "cannot read: " + e.getMessage());
        }
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > MAX_HEADER || n > seg.byteSize() - 8) {
            throw new ModelFormatException(file, "header", "header length " + n + " does not fit the " + seg.byteSize() + "-byte file (truncated or not safetensors)");
        }
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (IOException e) {
            throw new ModelFormatException(file, "header", "invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (header == null || !header.isObject()) throw new ModelFormatException(file, "header", "expected a JSON object of tensors");
        long dataStart = 8 + n, dataSize = seg.byteSize() - dataStart;
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            Entry entry = entry(file, e.getKey(), e.getValue(), dataSize, seg, dataStart);
            out.put(entry.name(), entry);
        }
        return out;
    }

    private static Entry entry(Path file, String name, JsonNode t, long dataSize, MemorySegment seg, long dataStart) {
        String field = "tensor " + name;
        String dtype = t.path("dtype").asText("");
        JsonNode shapeNode = t.path("shape"), offsets = t.path("data_offsets");
        if (!shapeNode.isArray()) throw new ModelFormatException(file, field, "shape missing");
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > 1L << 40) throw new ModelFormatException(file, field, "bad shape " + shapeNode);
            shape[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new ModelFormatException(file, field, "bad shape " + shapeNode + " (too many elements)");
            }
        }
        if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new ModelFormatException(file, field, "data_offsets must be [begin, end], found " + offsets);
        }
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new ModelFormatException(file, field, "data_offsets " + offsets + " lie outside the " + dataSize + "-byte data section (file truncated?)");
        }
        long elementBytes = elementBytes(dtype);
        if (elementBytes > 0 && (count > Long.MAX_VALUE / elementBytes || end - begin != count * elementBytes)) {
            throw new ModelFormatException(file, field, "data_offsets " + offsets + " hold " + (end - begin) + " bytes, but " + dtype + " " + shapeNode
                    + " needs " + (count > Long.MAX_VALUE / elementBytes ? "more than the file can hold" : count * elementBytes));
        }
        GgmlType type = TYPES.get(dtype);
        return new Entry(file, name, dtype, type, shape, seg.asSlice(dataStart + begin, end - begin));
    }

    /** Bytes per element of the safetensors dtypes; 0 for names this reader does not know. */
    static long elementBytes(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 1;
            case "U16", "I16", "F16", "BF16" -> 2;
            case "U32", "I32", "F32" -> 4;
            case "U64", "I64", "F64" -> 8;
            default -> 0;
        };
    }
}
