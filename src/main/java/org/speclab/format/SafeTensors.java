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
 * One {@code .safetensors} file, mapped: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}}, then the data. Offsets and sizes are checked against the file.
 */
final class SafeTensors {
    /** A tensor's place in the file, in Hugging Face's order: shape[0] is the outermost dimension. */
    record Entry(String name, GgmlType type, long[] shape, MemorySegment data) {}

    private SafeTensors() {}

    static Map<String, Entry> open(Path file, Arena arena) {
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 8) throw new ModelFormatException(file, "header", "file is truncated (" + ch.size() + " bytes)");
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, null, "safetensors file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, null, "cannot read: " + e.getMessage());
        }
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n <= 0 || n > seg.byteSize() - 8 || n > 100_000_000) {
            throw new ModelFormatException(file, "header", "header length " + n + " does not fit the " + seg.byteSize() + "-byte file (truncated?)");
        }
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (IOException e) {
            throw new ModelFormatException(file, "header", "invalid JSON (truncated?): " + e.getMessage().lines().findFirst().orElse(""));
        }
        long dataStart = 8 + n, dataSize = seg.byteSize() - dataStart;
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            String name = e.getKey();
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText();
            GgmlType type = switch (dtype) {
                case "F32" -> GgmlType.F32;
                case "F16" -> GgmlType.F16;
                case "BF16" -> GgmlType.BF16;
                default -> throw new ModelFormatException(file, "tensor " + name, "dtype " + dtype + " is not supported (supported: F32, F16, BF16)");
            };
            JsonNode shapeNode = t.path("shape"), offsets = t.path("data_offsets");
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) throw new ModelFormatException(file, "tensor " + name, "bad shape " + shapeNode);
                count *= shape[i];
            }
            long begin = offsets.path(0).asLong(-1), end = offsets.path(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataSize) {
                throw new ModelFormatException(file, "tensor " + name, "data_offsets " + offsets + " lie outside the " + dataSize + "-byte data section (truncated?)");
            }
            if (end - begin != type.byteSize(count)) {
                throw new ModelFormatException(file, "tensor " + name, "holds " + (end - begin) + " bytes, but " + dtype + " " + shapeNode + " needs " + type.byteSize(count));
            }
            out.put(name, new Entry(name, type, shape, seg.asSlice(dataStart + begin, end - begin)));
        }
        return out;
    }
}
